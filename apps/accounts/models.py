"""People, teams and roles.

Roles come in two kinds:

* per team, through a :class:`Membership`: a *contributor* writes the team's records, a *viewer*
  reads them;
* global, as flags on the :class:`User`: a *committee member* reviews every system's safety plan,
  an *auditor* reads everything and writes nothing, an *administrator* (a Django superuser)
  manages users, teams and catalogues.

A person may hold several roles. What each role may do is decided in
:mod:`apps.accounts.permissions`, nowhere else.
"""

import datetime
import hashlib
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


def time_zone_names() -> list[str]:
    """Every IANA time zone this machine knows, sorted."""
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"“{value}” is not a time zone: choose one such as Europe/Paris or America/New_York."
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("An administrator must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    is_committee_member = models.BooleanField(
        "committee member",
        default=False,
        help_text="Reviews and decides on safety plans and risk acceptances of every team.",
    )
    is_auditor = models.BooleanField(
        "auditor",
        default=False,
        help_text="Reads every record and its history; never writes anything.",
    )
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="May sign in to the administration site.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Unselect this instead of deleting the account.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Times on the pages are shown, and typed, in this zone (an IANA name such as "
        "Europe/Paris). Empty: the browser's zone is taken at the next sign-in.",
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_administrator(self) -> bool:
        return self.is_active and self.is_superuser

    @property
    def role_labels(self) -> list[str]:
        """The global roles, in words, for display."""
        labels = []
        if self.is_administrator:
            labels.append("Administrator")
        if self.is_committee_member:
            labels.append("Committee member")
        if self.is_auditor:
            labels.append("Auditor")
        return labels


class Team(models.Model):
    """A group of people who own AI systems."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="teams")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("systems:list") + f"?team={self.pk}"


class Membership(models.Model):
    """A person's role in one team."""

    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="unique_membership_per_team"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.team}"


# --- API tokens ----------------------------------------------------------------------------------
# How scripts sign in to the REST API. A token is a random secret shown once, when it is created;
# the register keeps only its SHA-256 hash, so a copy of the database gives no access. Each token
# has a name (what it is for), may expire, records when it was last used, and is revoked rather
# than deleted, so the audit trail keeps who could act and until when. Tokens are looked up by the
# hash of what the client presents (a unique index); the secrets are 256-bit random, so their
# plain hash is enough (no salt or slow hash is needed as for a password a person chose).
# The services that create, revoke and check them are in apps.accounts.services.
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
