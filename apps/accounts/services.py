"""Writes of the accounts app: API tokens (see :class:`apps.accounts.models.APIToken`) and a
person's own settings (their time zone)."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import permissions, selectors
from apps.accounts.models import (
    LAST_USED_PRECISION,
    MAX_TOKEN_DAYS,
    TOKEN_PREFIX,
    APIToken,
    Membership,
    SignedInSession,
    SignInSettings,
    TokenScope,
    User,
    hash_secret,
    validate_time_zone,
)
from apps.core.audit import save_with_history

SECOND_FACTOR_FOR_TOKENS = (
    "Your role needs a second factor before you create an API token: set up an authenticator "
    "app or a passkey (My profile → Two-factor authentication), or confirm the one you have."
)


@transaction.atomic
def set_time_zone(*, user, time_zone: str, from_browser: bool = False) -> bool:
    """Set the time zone in which ``user`` reads and types times (an IANA name such as
    ``Europe/Paris``; empty for the site's, ``settings.TIME_ZONE``). Returns whether it changed.

    ``from_browser``: the zone the browser reports, sent once by the pages while the person has
    none; it never replaces a zone already set (by them or by an earlier page).
    """
    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from error
    if from_browser and not time_zone:
        raise ValidationError({"time_zone": "The browser sent no time zone."})
    person = User.objects.select_for_update().get(pk=user.pk)
    if (from_browser and person.time_zone) or person.time_zone == time_zone:
        return False
    person.time_zone = time_zone
    reason = "Time zone taken from the browser" if from_browser else "Time zone changed"
    save_with_history(person, by=person, reason=reason, update_fields=["time_zone"])
    user.time_zone = time_zone
    return True


@transaction.atomic
def create_token(
    *,
    user,
    name: str,
    expires_in_days: int | None = None,
    scope: str = TokenScope.FULL,
    second_factor: bool | None = None,
) -> tuple[APIToken, str]:
    """A new token for ``user``; returns it with its secret, which is never shown again.

    ``second_factor``: whether the person asking, in a browser, has a second factor in this
    session (:func:`apps.accounts.second_factor.session_has_second_factor`); pages and the API
    always say, and a person whose role needs one (the sign-in settings) gets no token without
    it. ``None`` (code of the register's own, such as a management command) is not checked.

    ``scope``: :class:`~apps.accounts.models.TokenScope` (a monitoring token's systems are
    granted by ``apps.monitoring.services.create_monitoring_token``, which calls this)."""
    name = (name or "").strip()
    errors = {}
    if scope not in TokenScope.values:
        errors["scope"] = "Choose a full or a monitoring token."
    if not name:
        errors["name"] = "Name the token after what will use it."
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = f"A token lasts between 1 and {MAX_TOKEN_DAYS} days."
    if errors:
        raise ValidationError(errors)
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Only active people have API tokens.")
    if second_factor is False and selectors.needs_second_factor(user):
        raise PermissionDenied(SECOND_FACTOR_FOR_TOKENS)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = APIToken(
        user=user,
        name=name[:100],
        key_hash=hash_secret(secret),
        hint=secret[: len(TOKEN_PREFIX) + 4],
        created_at=now,
        expires_at=now + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
        scope=scope,
    )
    save_with_history(token, by=user, reason="Created")
    return token, secret


@transaction.atomic
def revoke_token(*, token: APIToken, by) -> APIToken:
    """Stop a token from working at once; the row stays, for the record."""
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if not permissions.can_manage_token(by, token):
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.is_revoked:
        raise ValidationError("This token is already revoked.")
    token.revoked_at = timezone.now()
    save_with_history(token, by=by, reason="Revoked")
    return token


def authenticate_secret(secret: str) -> tuple[APIToken | None, str]:
    """The token a client presented and "" — or ``None`` and why it is refused."""
    token = (
        APIToken.objects.select_related("user").filter(key_hash=hash_secret(secret.strip())).first()
    )
    if token is None:
        return None, "Invalid token."
    if token.is_revoked:
        return None, "This token has been revoked."
    if token.is_expired:
        return None, "This token has expired."
    if not token.user.is_active:
        return None, "This account is inactive."
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)  # no history version
        token.last_used_at = now
    return token, ""


# --- Signing in: identity-provider groups, sessions, deactivation ---------------------------------
@transaction.atomic
def apply_group_mappings(*, user, claims: dict[str, list[str]], mappings, source: str) -> bool:
    """Set ``user``'s teams and global roles from the identity provider's ``claims`` (``{claim:
    [values]}``) through ``mappings`` (:class:`~apps.accounts.models.GroupMapping`), at a single
    sign-on through ``source`` (the provider's name). Returns whether the person may come in.

    Only what some mapping names is managed: a team that a mapping gives a role in is joined with
    the highest role matched (contributor over viewer) or left when none is; a global role that a
    mapping gives is held exactly while a matching group says so. Everything else (teams and roles
    an administrator gave by hand) is left alone. Where mappings exist and none matches, the
    person loses what the mappings gave and may not come in. Each change is recorded in the
    history of the membership or the person, saying which groups it came from.
    """
    mappings = list(mappings)
    if not mappings:
        return True
    matched = [m for m in mappings if m.value in claims.get(m.claim, [])]
    values = sorted({m.value for m in matched})
    reason = f"Single sign-on through {source}: " + (
        f"groups {', '.join(values)}" if matched else "in no mapped group"
    )
    if len(reason) > REASON_LENGTH:  # the history keeps 100 characters
        reason = reason[: REASON_LENGTH - 1] + "…"
    _apply_team_mappings(user=user, mappings=mappings, matched=matched, reason=reason)
    _apply_global_mappings(user=user, mappings=mappings, matched=matched, reason=reason)
    return bool(matched)


def _apply_team_mappings(*, user, mappings, matched, reason: str) -> None:
    managed = {m.team_id for m in mappings if m.team_id}
    wanted: dict[int, str] = {}
    for mapping in matched:
        if mapping.team_id and wanted.get(mapping.team_id) != Membership.Role.CONTRIBUTOR:
            wanted[mapping.team_id] = mapping.team_role
    existing = {
        membership.team_id: membership
        for membership in Membership.objects.select_for_update().filter(
            user=user, team_id__in=managed
        )
    }
    for team_id in sorted(managed):
        membership, role = existing.get(team_id), wanted.get(team_id)
        if role and membership is None:
            save_with_history(
                Membership(user=user, team_id=team_id, role=role), by=None, reason=reason
            )
        elif role and membership.role != role:
            membership.role = role
            save_with_history(membership, by=None, reason=reason)
        elif not role and membership is not None:
            membership._history_user = None
            membership._change_reason = reason
            membership.delete()
    user.__dict__.pop("_team_roles_cache", None)


REASON_LENGTH = 100

GLOBAL_ROLE_FIELDS = {
    "is_committee_member": ["is_committee_member"],
    "is_auditor": ["is_auditor"],
    "is_administrator": ["is_superuser", "is_staff"],
}


def _apply_global_mappings(*, user, mappings, matched, reason: str) -> None:
    changed = []
    for flag, fields in GLOBAL_ROLE_FIELDS.items():
        if not any(getattr(m, flag) for m in mappings):
            continue  # no mapping gives this role: an administrator's business
        wanted = any(getattr(m, flag) for m in matched)
        if flag == "is_administrator" and not wanted and _is_break_glass(user):
            continue  # the way back in when the identity provider fails keeps its rights
        for field in fields:
            if getattr(user, field) != wanted:
                setattr(user, field, wanted)
                changed.append(field)
    if changed:
        save_with_history(user, by=None, reason=reason, update_fields=changed)


def _is_break_glass(user) -> bool:
    settings = SignInSettings.load()
    return settings.is_saved and settings.break_glass_users.filter(pk=user.pk).exists()


def record_sign_in(*, request, user, method: str = "") -> SignedInSession | None:
    """Record the session a sign-in opened (for "My sessions" and "sign out everywhere")."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    if not session.session_key:
        session.save()
    now = timezone.now()
    record, _ = SignedInSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "method": method[:100],
            "created_at": now,
            "last_seen_at": now,
        },
    )
    return record


def client_ip(request) -> str | None:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_ipv46_address

    address = request.META.get("REMOTE_ADDR", "")
    try:
        validate_ipv46_address(address)
    except DjangoValidationError:
        return None
    return address


def _end(records) -> int:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    ended = 0
    for record in records:
        store.delete(record.session_key)
        record.delete()
        ended += 1
    return ended


@transaction.atomic
def end_session(*, record: SignedInSession, by) -> None:
    """Sign out one of one's own sessions (another browser): it stops working at once."""
    if not (by and by.is_authenticated and (record.user_id == by.pk or by.is_superuser)):
        raise PermissionDenied("You can only sign out your own sessions.")
    _end([record])


@transaction.atomic
def end_sessions(*, user, by, keep_session_key: str | None = None) -> int:
    """Sign ``user`` out everywhere (but in the session ``keep_session_key``, the one asking):
    each session stops working at once. Returns how many were ended."""
    if not (by and by.is_authenticated and (user.pk == by.pk or by.is_superuser)):
        raise PermissionDenied("You can only sign yourself out everywhere.")
    records = SignedInSession.objects.select_for_update().filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    return _end(list(records))


@transaction.atomic
def deactivate_person(*, user, by, reason: str = "Deactivated") -> int:
    """Stop ``user`` at once: the account is inactive (history says who and why), every session
    ends and their API tokens are refused (an inactive person's tokens never authenticate).
    Returns the number of sessions ended."""
    if not (by and by.is_authenticated and by.is_superuser and by.is_active):
        raise PermissionDenied("Only administrators deactivate people.")
    if user.pk == by.pk:
        raise ValidationError("You cannot deactivate yourself.")
    person = User.objects.select_for_update().get(pk=user.pk)
    if person.is_active:
        person.is_active = False
        save_with_history(person, by=by, reason=reason, update_fields=["is_active"])
    user.is_active = False
    return _end(list(SignedInSession.objects.select_for_update().filter(user=person)))


@transaction.atomic
def configure_sign_in(*, by, reason: str, **values) -> SignInSettings:
    """Change the sign-in settings (fields of :class:`SignInSettings`; ``break_glass_users`` a
    list of administrators), with a version in their history."""
    settings = SignInSettings.objects.select_for_update().filter(pk=1).first() or SignInSettings(
        pk=1
    )
    break_glass = values.pop("break_glass_users", None)
    unknown = set(values) - {field.name for field in SignInSettings._meta.concrete_fields}
    if unknown:
        raise ValidationError(f"Unknown sign-in settings: {', '.join(sorted(unknown))}.")
    if break_glass is not None and any(not person.is_superuser for person in break_glass):
        raise ValidationError({"break_glass_users": "Only administrators can be break-glass."})
    for field, value in values.items():
        setattr(settings, field, value)
    save_with_history(settings, by=by, reason=reason)
    if break_glass is not None:
        settings.break_glass_users.set(break_glass)
    return settings
