"""API tokens: how scripts sign in to the REST API.

A token is a random secret shown once, when it is created; the register keeps only its SHA-256
hash, so a copy of the database gives no access. Each token has a name (what it is for), may
expire, records when it was last used, and is revoked rather than deleted, so the audit trail
keeps who could act and until when. A person manages their tokens on their profile page.

Tokens are looked up by the hash of what the client presents (a unique index), which compares
nothing secret in Python; the secrets are 256-bit random, so their plain hash is enough (no
salt or slow hash is needed as it would be for a password a person chose).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

TOKEN_PREFIX = "arr_"  # noqa: S105 — not a secret, a marker; "AI risk register": recognisable in logs and by secret scanners
MAX_TOKEN_DAYS = 366
LAST_USED_PRECISION = datetime.timedelta(minutes=1)  # write last_used at most once a minute


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class APITokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class APIToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “audit export”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=12, editable=False, help_text="The secret's first characters, to recognise it."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    objects = APITokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_idx")]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not (self.is_revoked or self.is_expired)

    @property
    def state(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"


# --- Services -------------------------------------------------------------------------------------
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
    from apps.accounts import permissions

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
