import pytest
from django.test import Client

from tests.idp.servers import oidc_provider, saml_idp  # noqa: F401 (the identity providers)


@pytest.fixture
def browser():
    """A test client that sends the Host header, as every browser does (python3-saml reads it)."""
    return Client(HTTP_HOST="testserver")
