"""Pages of the compliance app, one module per area: the obligations (``obligations``: the
organisation's list, each obligation's page, its edit form, evidence and links), a system's
obligations and their bulk status change (``system``), exceptions for blocking obligations
(``exceptions``), the catalogues and requirements (``catalogues``) and the cross-walk from a
mitigation's page (``crosswalk``). All are declarations on the generic views of
:mod:`apps.core`: a record is found among those the person may see (another team's is a 404)
and its rule (:mod:`apps.compliance.permissions`) is asked before a write, a 403 that says why.
"""
