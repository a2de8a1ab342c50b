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

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


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


# API tokens live in their own module; imported here so that Django registers the model.
from apps.accounts.tokens import APIToken  # noqa: E402, F401
