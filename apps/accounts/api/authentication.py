"""``Authorization: Token <secret>`` or ``Authorization: Bearer <secret>`` for scripts."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts.services import authenticate_secret

KEYWORDS = ("token", "bearer")


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
