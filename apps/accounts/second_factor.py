"""What a signed-in session knows about its second factor.

Set at sign-in and read by :class:`apps.accounts.middleware.SecondFactorMiddleware` without a
query: the roles that needed a second factor when the person signed in (the sign-in settings of
that moment; the person's own roles are read live, so a role granted during the session counts
at once), and whether the session has one: allauth's record of a second factor used at sign-in
or since (``mfa``), a second factor enrolled during the session, or an identity provider that
said it asked for one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

POLICY_KEY = "second_factor_roles"
IDP_KEY = "second_factor_from_idp"
ENROLLED_KEY = "second_factor_enrolled"
SIGNED_IN_KEY = "signed_in_at"  # epoch seconds (apps.accounts.signals.record_session)


def remember_policy(request: HttpRequest, required_roles: list[str]) -> None:
    request.session[POLICY_KEY] = list(required_roles)


def session_has_second_factor(request: HttpRequest) -> bool:
    from allauth.account.authentication import get_authentication_records

    session = request.session
    if session.get(IDP_KEY) or session.get(ENROLLED_KEY):
        return True
    records = get_authentication_records(request, request.user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    if _enrolled_since_sign_in(request):
        session[ENROLLED_KEY] = True
        return True
    return False


def _enrolled_since_sign_in(request: HttpRequest) -> bool:
    """An authenticator app or passkey added since this session signed in (allauth also tells
    it by a signal, once its transaction is committed)."""
    import datetime

    from allauth.mfa.models import Authenticator

    signed_in_at = request.session.get(SIGNED_IN_KEY)
    if signed_in_at is None:
        return False
    since = datetime.datetime.fromtimestamp(signed_in_at, tz=datetime.UTC)
    return Authenticator.objects.filter(
        user_id=request.user.pk,
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        created_at__gt=since,
    ).exists()


def asserted_by_idp(claims: dict[str, list[str]], accepted: Iterable[str]) -> bool:
    """Whether an identity provider's claims say it asked for a second factor: an OpenID Connect
    ``amr`` or ``acr`` value, or a SAML ``AuthnContextClassRef``, among the accepted values."""
    accepted = set(accepted)
    said = set()
    for name in ("amr", "acr", AUTHN_CONTEXT_CLAIM):
        said.update(claims.get(name, []))
    return bool(said & accepted)


# The claim under which the SAML provider keeps the assertion's AuthnContextClassRefs.
AUTHN_CONTEXT_CLAIM = "authn_context_class_ref"
