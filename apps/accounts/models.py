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


class TokenScope(models.TextChoices):
    """What a token may do. A *full* token acts with its owner's rights everywhere in the API; a
    *monitoring* token only posts readings of monitored metrics (``POST /api/v1/readings/``)
    for the systems it names (``apps.monitoring``), and every other endpoint refuses it
    (:class:`apps.accounts.api.authentication.APITokenAuthentication`)."""

    FULL = "full", "Full: read and write with my rights"
    MONITORING = "monitoring", "Monitoring: post metric readings only"


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
    scope = models.CharField(
        max_length=20,
        choices=TokenScope.choices,
        default=TokenScope.FULL,
        editable=False,
        help_text="Full: the owner's rights; monitoring: post metric readings only.",
    )

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
    def is_monitoring(self) -> bool:
        return self.scope == TokenScope.MONITORING

    @property
    def state(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"


# --- Sign-in: single sign-on, second factors, sessions --------------------------------------------
# Identity providers themselves are django-allauth's SocialApp rows (admin: Social applications).
class SecondFactorRole(models.TextChoices):
    """The roles a second-factor requirement is set for (:class:`SignInSettings`)."""

    ADMINISTRATOR = "administrator", "Administrators"
    COMMITTEE_MEMBER = "committee_member", "Committee members"
    AUDITOR = "auditor", "Auditors"
    CONTRIBUTOR = "contributor", "Contributors"
    VIEWER = "viewer", "Viewers"


# What identity providers say when they asked for a second factor: OpenID Connect ``amr`` values
# (RFC 8176) and ``acr`` values, SAML ``AuthnContextClassRef``s. Administrators may add their own.
DEFAULT_IDP_MFA_VALUES = "\n".join(
    [
        "mfa",
        "hwk",
        "otp",
        "https://refeds.org/profile/mfa",
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
        "http://schemas.microsoft.com/claims/multipleauthn",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    ]
)


def _required_by_default(role: str) -> bool:
    return role in settings.MFA_REQUIRED_ROLES


def mfa_default_administrator() -> bool:
    return _required_by_default(SecondFactorRole.ADMINISTRATOR)


def mfa_default_committee_member() -> bool:
    return _required_by_default(SecondFactorRole.COMMITTEE_MEMBER)


def mfa_default_auditor() -> bool:
    return _required_by_default(SecondFactorRole.AUDITOR)


def mfa_default_contributor() -> bool:
    return _required_by_default(SecondFactorRole.CONTRIBUTOR)


def mfa_default_viewer() -> bool:
    return _required_by_default(SecondFactorRole.VIEWER)


class SignInSettings(models.Model):
    """How people sign in (a single row that administrators edit, with its history)."""

    password_sign_in = models.BooleanField(
        "password sign-in",
        default=True,
        help_text="Unselect to let people sign in through single sign-on only: the break-glass "
        "administrators below still sign in with their password.",
    )
    break_glass_users = models.ManyToManyField(
        User,
        blank=True,
        related_name="+",
        verbose_name="break-glass administrators",
        limit_choices_to={"is_superuser": True, "is_active": True},
        help_text="Administrators who may always sign in with their password, for when the "
        "identity provider is down. Keep them few, with a strong password and a second factor.",
    )
    mfa_administrators = models.BooleanField(
        "second factor for administrators", default=mfa_default_administrator
    )
    mfa_committee_members = models.BooleanField(
        "second factor for committee members", default=mfa_default_committee_member
    )
    mfa_auditors = models.BooleanField("second factor for auditors", default=mfa_default_auditor)
    mfa_contributors = models.BooleanField(
        "second factor for contributors", default=mfa_default_contributor
    )
    mfa_viewers = models.BooleanField("second factor for viewers", default=mfa_default_viewer)
    trust_idp_mfa = models.BooleanField(
        "trust the identity provider's second factor",
        default=True,
        help_text="A single sign-on whose identity provider says it asked for a second factor "
        "(the values below) needs none here.",
    )
    idp_mfa_values = models.TextField(
        "values that mean a second factor",
        default=DEFAULT_IDP_MFA_VALUES,
        blank=True,
        help_text="One a line: OpenID Connect amr or acr values, SAML AuthnContextClassRef URIs.",
    )

    history = HistoricalRecords(m2m_fields=[break_glass_users])

    class Meta:
        verbose_name = "sign-in settings"
        verbose_name_plural = "sign-in settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="sign_in_settings_single_row"),
        ]

    def __str__(self):
        return "Sign-in settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SignInSettings":
        """The settings; their defaults (unsaved) until an administrator first saves them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def is_saved(self) -> bool:
        return not self._state.adding

    @property
    def roles_needing_mfa(self) -> list[str]:
        """The :class:`SecondFactorRole` values whose people need a second factor."""
        flags = {
            SecondFactorRole.ADMINISTRATOR: self.mfa_administrators,
            SecondFactorRole.COMMITTEE_MEMBER: self.mfa_committee_members,
            SecondFactorRole.AUDITOR: self.mfa_auditors,
            SecondFactorRole.CONTRIBUTOR: self.mfa_contributors,
            SecondFactorRole.VIEWER: self.mfa_viewers,
        }
        return [str(role) for role, required in flags.items() if required]

    @property
    def idp_mfa_value_set(self) -> set[str]:
        return {line.strip() for line in self.idp_mfa_values.splitlines() if line.strip()}


class GroupMapping(models.Model):
    """One identity-provider group (or claim value) and what it gives in the register.

    At each single sign-on, the person's claims are matched against the mappings of that provider
    (and those for every provider): the teams and global roles that any mapping names are set
    from the matches alone, and a person who matches none is refused (see
    :func:`apps.accounts.services.apply_group_mappings`).
    """

    provider = models.ForeignKey(
        "socialaccount.SocialApp",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="group_mappings",
        help_text="The identity provider; empty: every provider.",
    )
    claim = models.CharField(
        max_length=200,
        default="groups",
        help_text="The claim (OpenID Connect) or attribute (SAML) that holds the value, "
        "e.g. groups, roles or http://schemas.microsoft.com/ws/2008/06/identity/claims/groups.",
    )
    value = models.CharField(max_length=255, help_text="The group's name or id, as sent.")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="group_mappings"
    )
    team_role = models.CharField(
        max_length=20,
        choices=Membership.Role.choices,
        blank=True,
        help_text="The role in the team (with a team only).",
    )
    is_committee_member = models.BooleanField("committee member", default=False)
    is_auditor = models.BooleanField("auditor", default=False)
    is_administrator = models.BooleanField("administrator", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "value", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(team__isnull=True) & models.Q(team_role=""))
                | (models.Q(team__isnull=False) & ~models.Q(team_role="")),
                name="group_mapping_team_with_role",
            ),
            models.CheckConstraint(
                condition=models.Q(team__isnull=False)
                | models.Q(is_committee_member=True)
                | models.Q(is_auditor=True)
                | models.Q(is_administrator=True),
                name="group_mapping_grants_something",
            ),
        ]
        indexes = [models.Index(fields=["claim", "value"], name="groupmapping_claim_idx")]

    def __str__(self):
        return f"{self.claim} = {self.value} → {', '.join(self.grants) or 'nothing'}"

    @property
    def grants(self) -> list[str]:
        granted = []
        if self.team_id:
            granted.append(f"{self.get_team_role_display()} of {self.team}")
        if self.is_committee_member:
            granted.append("committee member")
        if self.is_auditor:
            granted.append("auditor")
        if self.is_administrator:
            granted.append("administrator")
        return granted

    def clean(self):
        super().clean()
        errors = {}
        if self.team_id and not self.team_role:
            errors["team_role"] = "Choose the role the group gives in the team."
        if self.team_role and not self.team_id:
            errors["team"] = "Choose the team in which the group gives this role."
        if not (
            self.team_id or self.is_committee_member or self.is_auditor or self.is_administrator
        ):
            errors.setdefault("team", "A mapping gives a team role, a global role or both.")
        if errors:
            raise ValidationError(errors)


class SignedInSession(models.Model):
    """One signed-in browser session of a person: the page "My sessions" lists them, and "sign out
    everywhere" (or deactivating the person) ends them. Recorded at every sign-in, whichever way
    (password, single sign-on, the admin site); last seen at most every few minutes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(
        max_length=100, blank=True, help_text="How the person signed in, e.g. password."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="session_user_seen_idx")]

    def __str__(self):
        return f"{self.user} — {self.user_agent or 'unknown browser'} ({self.ip_address or '?'})"
