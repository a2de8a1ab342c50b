"""An OpenID Connect provider for the tests: django-oauth-toolkit's, in a Django project of its
own. Run ``python -m tests.idp.oidc_provider PORT DATABASE``; it serves on 127.0.0.1:PORT with
its issuer at ``/o``.

Its people and their claims are set through ``POST /_test/user`` (JSON: username, password,
email, name, groups, amr: the ID token's ``amr``, e.g. ``["pwd", "mfa"]``), its client through
``POST /_test/client`` (client_id, client_secret, redirect_uris).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

HERE = Path(__file__).resolve().parent
CLAIMS: dict[str, dict] = {}  # username → email, name, groups, amr
LOCK = threading.Lock()


def configure(port: int, database: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.conf import settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-identity-provider",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "oauth2_provider",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [HERE / "templates"],
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        LOGIN_URL="/login/",
        SESSION_COOKIE_NAME="idp_sessionid",
        CSRF_COOKIE_NAME="idp_csrftoken",
        OAUTH2_PROVIDER={
            "OIDC_ENABLED": True,
            "OIDC_RSA_PRIVATE_KEY": pem,
            "OIDC_ISS_ENDPOINT": f"http://127.0.0.1:{port}/o",
            "PKCE_REQUIRED": True,
            "SCOPES": {
                "openid": "OpenID Connect",
                "profile": "Name",
                "email": "E-mail address",
            },
            "OAUTH2_VALIDATOR_CLASS": f"{__name__}.Validator",
        },
    )


def _validator_class():
    from oauth2_provider.oauth2_validators import OAuth2Validator

    class Validator(OAuth2Validator):
        oidc_claim_scope = {
            **OAuth2Validator.oidc_claim_scope,
            "groups": "openid",
            "amr": "openid",
            "acr": "openid",
        }

        def get_additional_claims(self, request):
            with LOCK:
                person = dict(CLAIMS.get(request.user.username, {}))
            claims = {
                "email": person.get("email", request.user.email),
                "email_verified": True,
                "name": person.get("name", request.user.username),
                "groups": person.get("groups", []),
                "amr": person.get("amr", ["pwd"]),
            }
            if person.get("acr"):
                claims["acr"] = person["acr"]
            return claims

    return Validator


def _urls():
    from django.contrib.auth import views as auth_views
    from django.http import JsonResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def set_user(request):
        from django.contrib.auth.models import User

        data = json.loads(request.body)
        user = User.objects.filter(username=data["username"]).first() or User(
            username=data["username"]
        )
        user.email = data.get("email", "")
        user.set_password(data["password"])
        user.save()
        with LOCK:
            CLAIMS[user.username] = {
                key: data[key] for key in ("email", "name", "groups", "amr", "acr") if key in data
            }
        return JsonResponse({"ok": True})

    @csrf_exempt
    def set_client(request):
        from oauth2_provider.models import Application

        data = json.loads(request.body)
        app = Application.objects.filter(client_id=data["client_id"]).first() or Application(
            client_id=data["client_id"]
        )
        app.name = "AI Risk Register (tests)"
        app.client_secret = data["client_secret"]
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.redirect_uris = " ".join(data["redirect_uris"])
        app.algorithm = Application.RS256_ALGORITHM
        app.skip_authorization = True
        app.save()
        return JsonResponse({"ok": True})

    return [
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
        path("login/", auth_views.LoginView.as_view(), name="login"),
        path("_test/user", set_user),
        path("_test/client", set_client),
    ]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(port: int, database: str) -> None:
    """Set Django up for this project, build its URL conf and validator (attributes of this
    module, which settings name), migrate its database and serve until killed."""
    import django

    configure(port, database)
    django.setup()
    module = sys.modules[__name__]
    module.Validator = _validator_class()
    module.urlpatterns = _urls()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    server = make_server(
        "127.0.0.1", port, get_wsgi_application(), ThreadingServer, handler_class=QuietHandler
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
