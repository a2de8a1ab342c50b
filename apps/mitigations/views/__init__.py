"""Pages of the mitigations app, one module per area: the register and each mitigation
(``pages``), its evidence (``evidence``), and the endpoints of the panel on a risk's page
(``risk_panel``). All are declarations on the generic views of :mod:`apps.core`: a mitigation's
pages find it among those the person may see (another team's is a 404) and ask its rules
(:mod:`apps.mitigations.permissions`) before a write, a 403 that says why.
"""
