"""Pages of the risks app, one module per area: the register and each risk (``register``),
acceptances, the library, the risk matrix and imports."""
