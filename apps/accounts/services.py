"""Writes of the accounts app: API tokens (see :class:`apps.accounts.models.APIToken`) and a
person's own settings (their time zone)."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.models import (
    LAST_USED_PRECISION,
    MAX_TOKEN_DAYS,
    TOKEN_PREFIX,
    APIToken,
    User,
    hash_secret,
    validate_time_zone,
)
from apps.core.audit import save_with_history


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
def create_token(*, user, name: str, expires_in_days: int | None = None) -> tuple[APIToken, str]:
    """A new token for ``user``; returns it with its secret, which is never shown again."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Name the token after what will use it."
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = f"A token lasts between 1 and {MAX_TOKEN_DAYS} days."
    if errors:
        raise ValidationError(errors)
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Only active people have API tokens.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = APIToken(
        user=user,
        name=name[:100],
        key_hash=hash_secret(secret),
        hint=secret[: len(TOKEN_PREFIX) + 4],
        created_at=now,
        expires_at=now + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
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
