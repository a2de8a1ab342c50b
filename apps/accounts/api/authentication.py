"""``Authorization: Token <secret>`` or ``Authorization: Bearer <secret>`` for scripts."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts.services import authenticate_secret

KEYWORDS = ("token", "bearer")
MONITORING_ONLY = (
    "This is a monitoring token: it may only post metric readings (POST /api/v1/readings/) "
    "for the systems it names. Use a full token for anything else."
)


def accepts_monitoring_tokens(request) -> bool:
    """Whether the endpoint answering ``request`` takes monitoring-scoped tokens: only a view
    that says so (``accepts_monitoring_tokens = True``, the readings intake) does, so every
    other endpoint, present or future, refuses them here, in one place."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    return bool(getattr(view, "accepts_monitoring_tokens", False))


class APITokenAuthentication(authentication.BaseAuthentication):
    """A token created on the profile page; its hash is looked up, never the secret itself."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None  # not ours: session authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as “Authorization: Token <secret>” (or Bearer), with no spaces "
                "in the secret."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        token, refusal = authenticate_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(refusal)
        if token.is_monitoring and not accepts_monitoring_tokens(request):
            raise exceptions.PermissionDenied(MONITORING_ONLY)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class APITokenScheme(OpenApiAuthenticationExtension):
    target_class = APITokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from your profile page: `Authorization: Bearer <token>` "
            "(or `Authorization: Token <token>`).",
        }
