"""The administrator's pages for signing in: identity providers (with an issuer, a metadata URL
or a SAML IdP's metadata XML), group mappings, the sign-in settings."""

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from django.urls import reverse

pytestmark = pytest.mark.django_db


def add_provider(client, **fields):
    data = {
        "provider": "openid_connect",
        "provider_id": "company",
        "name": "Company SSO",
        "client_id": "register",
        "secret": "s3cret",
        "key": "",
        "settings": "{}",
        **fields,
    }
    return client.post(reverse("admin:socialaccount_socialapp_add"), data)


def test_an_openid_connect_provider_is_added_with_its_issuer(client_for):
    response = add_provider(client_for("administrator"), oidc_issuer="https://idp.example.org/o")
    assert response.status_code == 302
    assert SocialApp.objects.get().settings == {"server_url": "https://idp.example.org/o"}


def test_a_saml_provider_is_added_from_the_idps_metadata_xml(client_for, saml_idp):
    metadata = requests.get(saml_idp.entity_id, timeout=10).text
    response = add_provider(
        client_for("administrator"),
        provider="saml",
        provider_id="company-saml",
        client_id="company-saml",
        secret="",
        saml_metadata_xml=metadata,
    )
    assert response.status_code == 302
    idp = SocialApp.objects.get().settings["idp"]
    assert idp["entity_id"] == saml_idp.entity_id
    assert idp["sso_url"] == saml_idp.sso_url
    assert idp["x509cert"]


def test_metadata_that_is_not_saml_is_refused_with_the_reason(client_for):
    response = add_provider(
        client_for("administrator"), provider="saml", saml_metadata_xml="<not-metadata/>"
    )
    assert response.status_code == 200
    assert b"This is not SAML IdP metadata" in response.content
    assert not SocialApp.objects.exists()


def test_a_metadata_url_needs_the_entity_id(client_for):
    response = add_provider(
        client_for("administrator"),
        provider="saml",
        saml_metadata_url="https://idp.example.org/metadata",
    )
    assert b"entity ID" in response.content
    assert not SocialApp.objects.exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_groupmapping_add",
        "admin:accounts_signinsettings_add",
        "admin:socialaccount_socialapp_add",
    ],
)
def test_the_sign_in_admin_pages_open(client_for, url_name):
    assert client_for("administrator").get(reverse(url_name)).status_code == 200


def test_the_sign_in_page_allows_posting_to_the_identity_provider(client):
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="company",
        name="Company SSO",
        client_id="register",
        settings={"server_url": "https://idp.example.org/o"},
    )
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "form-action 'self' https://idp.example.org" in policy
