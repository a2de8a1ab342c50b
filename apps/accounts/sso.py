"""Single sign-on with django-allauth: the register's adapters, the SAML provider that keeps the
AuthnContext, and the second-factor step that trusts an identity provider's own.

* :class:`AccountAdapter`: nobody signs up on their own; sessions of every sign-in are tied to
  :mod:`apps.accounts.backends`; a person signed in through an identity provider only can
  re-authenticate through it (for allauth's "confirm it's you" before adding a second factor).
* :class:`SocialAccountAdapter`: the first single sign-on creates the person (just in time), or
  links the identity to the person already registered with that e-mail address (identity
  providers are configured by administrators, so their addresses are trusted); at each sign-on
  the group mappings are applied (:func:`apps.accounts.services.apply_group_mappings`) and a
  person in no mapped group is refused.
* :class:`AuthenticateStage`: allauth's second-factor step at sign-in, skipped when the
  identity provider says it asked for a second factor (and the sign-in settings trust it).
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.saml.provider import SAMLProvider as AllauthSAMLProvider
from django.shortcuts import render
from django.urls import reverse

from apps.accounts import selectors, services
from apps.accounts.backends import BACKEND_PATH
from apps.accounts.models import User
from apps.accounts.second_factor import AUTHN_CONTEXT_CLAIM, asserted_by_idp


# --- Claims ---------------------------------------------------------------------------------------
def _as_strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(item) for item in value if item is not None]
    if isinstance(value, str) and " " in value.strip():
        return [value, *value.split()]  # an acr or amr sent as one space-separated string
    return [str(value)]


def claims_of(sociallogin) -> dict[str, list[str]]:
    """``{claim: [values]}`` from an identity provider's answer: an OpenID Connect ID token and
    userinfo (the ID token's ``amr``/``acr`` kept), or a SAML assertion's attributes and
    AuthnContextClassRefs."""
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        merged = {**(data.get("userinfo") or {}), **(data.get("id_token") or {})}
    else:
        merged = data
    return {str(name): _as_strings(value) for name, value in merged.items()}


def provider_name(sociallogin) -> str:
    app = getattr(sociallogin.provider, "app", None)
    return (getattr(app, "name", "") or sociallogin.account.provider)[:60]


def idp_asked_second_factor(sociallogin) -> bool:
    settings = selectors.sign_in_settings()
    return settings.trust_idp_mfa and asserted_by_idp(
        claims_of(sociallogin), settings.idp_mfa_value_set
    )


def _recent_single_sign_on(request, user) -> bool:
    import time

    from allauth.account import app_settings as account_settings
    from allauth.account.authentication import get_authentication_records

    signed_on = [
        record["at"]
        for record in get_authentication_records(request, user)
        if record.get("method") == "socialaccount"
    ]
    return (
        bool(signed_on) and time.time() - signed_on[-1] < account_settings.REAUTHENTICATION_TIMEOUT
    )


# --- Adapters -------------------------------------------------------------------------------------
class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # people are created by administrators or at their first single sign-on

    def login(self, request, user):
        if not hasattr(user, "backend"):
            user.backend = BACKEND_PATH
        super().login(request, user)

    def get_login_stages(self):
        return [
            "apps.accounts.sso.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def is_reauthentication_required(self, app=""):
        """allauth asks for a fresh password or second factor before one is added or removed;
        a person who signs in only through an identity provider has neither, so a single
        sign-on within the re-authentication timeout stands for it (older: sign in again)."""
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.has_usable_password()
            and _recent_single_sign_on(request, user)
        ):
            return False
        return super().is_reauthentication_required(app=app)

    def get_reauthentication_methods(self, user):
        methods = super().get_reauthentication_methods(user)
        if not methods and user.is_authenticated and user.socialaccount_set.exists():
            methods.append(
                {
                    "id": "sso",
                    "description": "Sign in again with your identity provider",
                    "url": reverse("accounts:sso_reauthenticate"),
                }
            )
        return methods


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return True  # just-in-time: the identity provider vouches for the person

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (name or user.email.split("@")[0])[:150]
        return user

    def pre_social_login(self, request, sociallogin):
        """Link to the person registered with the same address; refuse a person in no mapped
        group (taking away what the mappings gave); apply the mappings to a known person."""
        if not sociallogin.is_existing and sociallogin.user.email:
            known = User.objects.filter(email__iexact=sociallogin.user.email).first()
            if known is not None:
                sociallogin.connect(request, known)
        user = sociallogin.user
        if sociallogin.is_existing and not user.is_active:
            return  # allauth shows the "account inactive" page; nothing of theirs changes
        claims, mappings = claims_of(sociallogin), list(self._mappings(sociallogin))
        matched = any(m.value in claims.get(m.claim, []) for m in mappings)
        if sociallogin.is_existing:
            admitted = services.apply_group_mappings(
                user=user, claims=claims, mappings=mappings, source=provider_name(sociallogin)
            )
        else:
            admitted = matched or not mappings
        if not admitted:
            raise ImmediateHttpResponse(
                render(
                    request,
                    "accounts/sso_refused.html",
                    {"provider": provider_name(sociallogin)},
                    status=403,
                )
            )

    def save_user(self, request, sociallogin, form=None):
        sociallogin.user._change_reason = (
            f"Created at the first single sign-on through {provider_name(sociallogin)}"
        )
        user = super().save_user(request, sociallogin, form)
        services.apply_group_mappings(
            user=user,
            claims=claims_of(sociallogin),
            mappings=self._mappings(sociallogin),
            source=provider_name(sociallogin),
        )
        return user

    @staticmethod
    def _mappings(sociallogin):
        return selectors.mappings_for(getattr(sociallogin.provider, "app", None))


# --- SAML: keep the AuthnContext ------------------------------------------------------------------
class SAMLProvider(AllauthSAMLProvider):
    """allauth's SAML provider, whose extra data also keeps the assertion's
    AuthnContextClassRefs (whether the IdP asked for a second factor)."""

    package = "allauth.socialaccount.providers.saml"

    def extract_extra_data(self, data):
        extra = dict(super().extract_extra_data(data))
        extra[AUTHN_CONTEXT_CLAIM] = list(data.get_last_authn_contexts() or [])
        return extra


# --- The second factor at sign-in -----------------------------------------------------------------
class AuthenticateStage(AllauthAuthenticateStage):
    """allauth's step asking for the second factor, but for a single sign-on whose identity
    provider already asked for one."""

    def _should_handle(self, request):
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and idp_asked_second_factor(sociallogin):
            return False
        return super()._should_handle(request)
