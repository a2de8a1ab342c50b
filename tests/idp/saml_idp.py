"""A SAML 2.0 identity provider for the tests, on pysaml2's ``Server``. Run ``python -m
tests.idp.saml_idp PORT FOLDER``: it writes its key and certificate to FOLDER (``idp.crt`` is
what a service provider trusts) and serves on 127.0.0.1:PORT:

* ``GET /metadata``: its metadata; ``GET /sso/redirect``: the HTTP-Redirect binding's sign-on,
  which asks for a username and password, then posts a signed response (with the attributes
  ``uid``, ``mail``, ``givenName``, ``sn`` and ``isMemberOf``, the groups) to the service
  provider's assertion consumer service;
* ``POST /_test/user`` (JSON: username, password, email, given_name, surname, groups, mfa: whether
  the AuthnContext says a second factor was used) and ``POST /_test/sp`` (JSON: metadata, a
  service provider's metadata XML), for the tests.
"""

from __future__ import annotations

import datetime
import html
import json
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server

PASSWORD_ONLY = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
TWO_FACTOR = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
# What python3-saml accepts (it refuses SHA-1, pysaml2's default).
SIGNING_ALGORITHM = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_ALGORITHM = "http://www.w3.org/2001/04/xmlenc#sha256"


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SAML IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class IdentityProvider:
    def __init__(self, port: int, folder: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.key_file, self.cert_file = write_key_pair(folder)
        self.users: dict[str, dict] = {}
        self.sp_metadata: dict[str, str] = {}
        self.lock = threading.Lock()
        self.server = self._build()

    def _config(self) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": f"{self.base}/metadata",
                "service": {
                    "idp": {
                        "name": "Test SAML IdP",
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.base}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 15},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "want_authn_requests_signed": False,
                    }
                },
                "key_file": str(self.key_file),
                "cert_file": str(self.cert_file),
                "metadata": {"inline": list(self.sp_metadata.values())},
            }
        )
        return config

    def _build(self) -> Server:
        return Server(config=self._config())

    # --- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        try:
            if path == "/metadata":
                body = create_metadata_string(None, config=self._config()).decode()
                return self._respond(start_response, body, "text/xml")
            if path == "/sso/redirect" and method == "GET":
                query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                return self._respond(start_response, self._login_page(query))
            if path == "/sso/login" and method == "POST":
                return self._respond(start_response, self._sign_on(self._form(environ)))
            if path == "/_test/user" and method == "POST":
                data = json.loads(self._body(environ))
                with self.lock:
                    self.users[data["username"]] = data
                return self._respond(start_response, "{}", "application/json")
            if path == "/_test/sp" and method == "POST":
                metadata = json.loads(self._body(environ))["metadata"]
                with self.lock:
                    self.sp_metadata[metadata] = metadata
                    self.server = self._build()
                return self._respond(start_response, "{}", "application/json")
        except PermissionError as refusal:
            return self._respond(start_response, str(refusal), status="403 Forbidden")
        return self._respond(start_response, "Not found", status="404 Not Found")

    @staticmethod
    def _body(environ) -> str:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return environ["wsgi.input"].read(length).decode()

    def _form(self, environ) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self._body(environ)).items()}

    @staticmethod
    def _respond(start_response, body: str, content_type="text/html", status="200 OK"):
        data = body.encode()
        start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
        return [data]

    @staticmethod
    def _login_page(query: dict) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
            for name in ("SAMLRequest", "RelayState")
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test SAML IdP'
            "</title></head><body><h1>Test SAML identity provider</h1>"
            '<form method="post" action="/sso/login" id="idp-login">'
            '<label>Username <input name="username" id="idp-username"></label>'
            '<label>Password <input name="password" id="idp-password" type="password"></label>'
            f'{hidden}<button type="submit" id="idp-submit">Sign in</button></form></body></html>'
        )

    def _sign_on(self, form: dict) -> str:
        with self.lock:
            person = dict(self.users.get(form.get("username", ""), {}))
            server = self.server
        if not person or person.get("password") != form.get("password"):
            raise PermissionError("Wrong username or password.")
        request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
        response_args = server.response_args(request.message)
        identity = {
            "uid": [person["username"]],
            "mail": [person["email"]],
            "givenName": [person.get("given_name", "")],
            "sn": [person.get("surname", "")],
            "isMemberOf": list(person.get("groups", [])),
        }
        authn = {
            "class_ref": TWO_FACTOR if person.get("mfa") else PASSWORD_ONLY,
            "authn_auth": f"{self.base}/metadata",
        }
        response = server.create_authn_response(
            identity,
            userid=person["username"],
            authn=authn,
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIGNING_ALGORITHM,
            digest_alg=DIGEST_ALGORITHM,
            **response_args,
        )
        destination = response_args["destination"]
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in'
            "</title></head><body>"
            f'<form method="post" action="{html.escape(destination)}" id="saml-post">'
            '<input type="hidden" name="SAMLResponse" value="'
            f'{html.escape(_base64(str(response)))}">'
            '<input type="hidden" name="RelayState" value="'
            f'{html.escape(form.get("RelayState", ""))}">'
            '<button type="submit" id="saml-continue">Continue to the register</button>'
            "</form></body></html>"
        )


def _base64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(port: int, folder: str) -> None:
    app = IdentityProvider(port, Path(folder))
    server = make_server("127.0.0.1", port, app, ThreadingServer, handler_class=QuietHandler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
