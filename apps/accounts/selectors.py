"""Reads of the accounts app about signing in: the sign-in settings, who needs a second factor,
who may still use a password, a person's sessions, the mappings of an identity provider."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.models import (
    GroupMapping,
    Membership,
    SecondFactorRole,
    SignedInSession,
    SignInSettings,
)


def sign_in_settings() -> SignInSettings:
    return SignInSettings.load()


def may_sign_in_with_password(user, settings: SignInSettings | None = None) -> bool:
    """Whether ``user`` may sign in with a password: everyone while password sign-in is on; only
    the break-glass administrators (still administrators) while it is off."""
    settings = settings or sign_in_settings()
    if settings.password_sign_in:
        return True
    return bool(
        settings.is_saved
        and user.is_superuser
        and settings.break_glass_users.filter(pk=user.pk).exists()
    )


def roles_of(user, only: list[str] | None = None) -> set[str]:
    """The person's :class:`SecondFactorRole` values (``only``: asking only about these, so that
    the team roles, one query, are read only when they matter)."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    roles = set()
    if user.is_superuser:
        roles.add(SecondFactorRole.ADMINISTRATOR.value)
    if user.is_committee_member:
        roles.add(SecondFactorRole.COMMITTEE_MEMBER.value)
    if user.is_auditor:
        roles.add(SecondFactorRole.AUDITOR.value)
    team_kinds = {SecondFactorRole.CONTRIBUTOR.value, SecondFactorRole.VIEWER.value}
    if only is None or team_kinds & set(only):
        for role in set(permissions.team_roles(user).values()):
            roles.add(
                SecondFactorRole.CONTRIBUTOR.value
                if role == Membership.Role.CONTRIBUTOR
                else SecondFactorRole.VIEWER.value
            )
    return roles


def roles_needing_second_factor(user, required_roles: list[str]) -> list[str]:
    """Which of the person's roles need a second factor, given the roles that do."""
    if not required_roles:
        return []
    return sorted(roles_of(user, only=required_roles) & set(required_roles))


def needs_second_factor(user, settings: SignInSettings | None = None) -> bool:
    """Whether the sign-in settings, as they are now, ask a second factor of ``user``."""
    settings = settings or sign_in_settings()
    return bool(roles_needing_second_factor(user, settings.roles_needing_mfa))


def has_second_factor(user) -> bool:
    """Whether the person has enrolled an authenticator app or a security key (passkey)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def mappings_for(app) -> QuerySet[GroupMapping]:
    """The group mappings that apply to a sign-in through ``app`` (a SocialApp): its own and
    those for every provider."""
    provider_filter = Q(provider__isnull=True)
    if app is not None and app.pk:
        provider_filter |= Q(provider=app)
    return GroupMapping.objects.filter(provider_filter).select_related("team")


def active_sessions(user) -> QuerySet[SignedInSession]:
    """The person's sessions that still work (the session exists and has not expired), most
    recently seen first. Reads Django's session table, the engine the register uses."""
    from django.contrib.sessions.models import Session

    alive = Session.objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
    )
    return (
        SignedInSession.objects.filter(user=user)
        .filter(Exists(alive))
        .order_by("-last_seen_at", "-pk")
    )
