"""Real identity providers for the single sign-on tests, each a server of its own run in a
subprocess on a free port of 127.0.0.1 (see :mod:`tests.idp.servers`):

* :mod:`tests.idp.oidc_provider`: an OpenID Connect provider, django-oauth-toolkit's, in a small
  Django project of its own (its own SQLite database);
* :mod:`tests.idp.saml_idp`: a SAML 2.0 identity provider on pysaml2's ``Server`` (which signs
  its assertions with the ``xmlsec1`` program).

Neither is a mock of the protocol: the register talks to them as to a company's identity
provider (discovery, authorisation code with PKCE, token and userinfo calls, signed ID tokens;
SAML redirect binding, signed responses posted back). Each has a small ``/_test/`` door through
which the tests set its users, their groups and whether it asked for a second factor.
"""
