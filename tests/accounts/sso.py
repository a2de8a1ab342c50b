"""Signing in through the test identity providers, as a browser would: the register is the
Django test client (its database is the test's), the identity provider a real server spoken to
with ``requests``; each redirect between the two is followed by hand."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from allauth.socialaccount.models import SocialApp
from django.urls import reverse

OIDC_ID = "company"
SAML_SLUG = "company-saml"
CLIENT_SECRET = "register-client-secret"
SAML_GROUPS = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"  # isMemberOf
SAML_ATTRIBUTES = {
    "uid": "urn:oid:0.9.2342.19200300.100.1.1",
    "email": "urn:oid:0.9.2342.19200300.100.1.3",
    "first_name": "urn:oid:2.5.4.42",
    "last_name": "urn:oid:2.5.4.4",
}


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- OpenID Connect -------------------------------------------------------------------------------
def connect_oidc(provider, *, site="http://testserver", name="Company SSO") -> SocialApp:
    """What an administrator enters on the admin page, and the client the IdP knows."""
    callback = site + reverse("openid_connect_callback", kwargs={"provider_id": OIDC_ID})
    provider.set_client(OIDC_ID, CLIENT_SECRET, [callback])
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id=OIDC_ID,
        name=name,
        client_id=OIDC_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": provider.issuer},
    )


def oidc_sign_in(client, provider, username: str, password: str, next_url: str = ""):
    """Click "Sign in with Company SSO", sign in at the IdP, come back; the register's answer."""
    data = {"next": next_url} if next_url else {}
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": OIDC_ID}), data)
    assert start.status_code == 302, start.content[:500]
    browser = requests.Session()
    to_login = browser.get(start["Location"], allow_redirects=False)
    login_url = urljoin(provider.base, to_login.headers["Location"])
    browser.get(login_url)
    next_at_idp = parse_qs(urlsplit(login_url).query)["next"][0]
    signed_in = browser.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "next": next_at_idp,
            "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    authorised = browser.get(
        urljoin(provider.base, signed_in.headers["Location"]), allow_redirects=False
    )
    assert authorised.status_code == 302, authorised.text[:500]
    return client.get(local_path(authorised.headers["Location"]))


# --- SAML -----------------------------------------------------------------------------------------
def connect_saml(client, idp, *, name="Company SAML") -> SocialApp:
    app = SocialApp.objects.create(
        provider="saml",
        provider_id=SAML_SLUG,
        name=name,
        client_id=SAML_SLUG,
        settings={
            "idp": {
                "entity_id": idp.entity_id,
                "sso_url": idp.sso_url,
                "x509cert": idp.certificate,
            },
            "attribute_mapping": SAML_ATTRIBUTES,
            # The test client's host ("testserver") and the live server's ("localhost") have
            # a single label, which python3-saml refuses unless told.
            "advanced": {"allow_single_label_domains": True},
        },
    )
    metadata = client.get(reverse("saml_metadata", kwargs={"organization_slug": SAML_SLUG}))
    assert metadata.status_code == 200, metadata.content[:500]
    idp.trust_service_provider(metadata.content.decode())
    return app


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    return unescape(match.group(1)) if match else ""


def saml_sign_in(client, idp, username: str, password: str):
    start = client.post(reverse("saml_login", kwargs={"organization_slug": SAML_SLUG}))
    assert start.status_code == 302, start.content[:500]
    browser = requests.Session()
    query = parse_qs(urlsplit(start["Location"]).query)
    assert browser.get(start["Location"]).ok
    posted = browser.post(
        f"{idp.base}/sso/login",
        data={
            "username": username,
            "password": password,
            "SAMLRequest": query["SAMLRequest"][0],
            "RelayState": query.get("RelayState", [""])[0],
        },
    )
    assert posted.ok, posted.text[:500]
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', posted.text).group(1))
    consumed = client.post(
        local_path(action),
        {
            "SAMLResponse": _hidden(posted.text, "SAMLResponse"),
            "RelayState": _hidden(posted.text, "RelayState"),
        },
    )
    assert consumed.status_code == 302, consumed.content[:500]
    return client.get(local_path(consumed["Location"]))
