"""Pages of the risks app, one module per area: the register and each risk (``register``),
acceptances, the risk matrix and imports. The risk library's pages are the library app's."""
