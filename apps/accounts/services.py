"""Writes of the accounts app: API tokens (see :class:`apps.accounts.models.APIToken`)."""

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
    hash_secret,
)


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
    token._history_user = user
    token._change_reason = "Created"
    token.save()
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
    token._history_user = by
    token._change_reason = "Revoked"
    token.save()
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
