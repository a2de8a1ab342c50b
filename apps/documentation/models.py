"""Annex IV technical documentation (EU AI Act Art. 11) and the Annex VIII registration data.

* A :class:`TechnicalDocument` is the one document of one AI system. Most of what Annex IV asks
  is already in the register (the system's record, its risks, mitigations, metrics,
  evaluations, versions, incidents) and is read from it when the document is assembled
  (:mod:`apps.documentation.annex_iv`); the document itself keeps only what no record holds:
  the free-text answers (the provider, the forms it is placed on the market in, the
  development methods, the harmonised standards applied…), edited with history.
* A :class:`TechnicalDocumentVersion` is the assembled document frozen as JSON when someone
  generates a version: numbered per document, immutable, with the SHA-256 of its canonical JSON
  (:func:`apps.documentation.annex_iv.content_sha256`) so that anyone can check a PDF, a DOCX or
  an API copy against it. The PDF and the DOCX are made from the frozen content, on demand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import ReferenceMixin, TimeStampedModel, VersionedModel


class ImmutableVersionError(Exception):
    """Raised on any attempt to change or delete a generated version."""


def _text(verbose_name: str, help_text: str) -> models.TextField:
    return models.TextField(verbose_name, blank=True, help_text=help_text)


class TechnicalDocumentQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class TechnicalDocument(ReferenceMixin, VersionedModel, TimeStampedModel):
    """The Annex IV technical documentation of one AI system: its free-text parts."""

    REFERENCE_PREFIX = "DOC"

    system = models.OneToOneField(
        "systems.AISystem", on_delete=models.PROTECT, related_name="technical_document"
    )

    # 1. General description (Annex IV point 1)
    provider = _text(
        "provider",
        "Who places the system on the market or puts it into service under their name: "
        "name, address and contact details (Annex IV 1(a), Annex VIII A.1).",
    )
    interactions = _text(
        "interaction with other hardware and software",
        "How the system works with hardware or software that is not part of it, other AI "
        "systems included (Annex IV 1(b)).",
    )
    market_forms = _text(
        "forms placed on the market",
        "Every form in which it is made available or put into service: an API, a download, "
        "software embedded in a product… (Annex IV 1(d)).",
    )
    hardware = _text(
        "hardware it runs on",
        "The hardware the system is meant to run on (Annex IV 1(e)).",
    )
    user_interface = _text(
        "user interface for the deployer",
        "A short description of what the deployer's people see and use (Annex IV 1(g)).",
    )
    instructions_for_use = _text(
        "instructions for use",
        "Where the deployer's instructions for use are, and what they cover (Annex IV 1(h), "
        "Art. 13).",
    )

    # 2. Elements of the system and its development (Annex IV point 2)
    development_methods = _text(
        "development methods and steps",
        "How it was built, including pre-trained models or third-party tools and how they "
        "were adapted (Annex IV 2(a)).",
    )
    design_choices = _text(
        "design specifications and key choices",
        "The general logic of the system and its algorithms, the main choices and their "
        "reasons, who it is optimised for, trade-offs made (Annex IV 2(b)).",
    )
    architecture = _text(
        "system architecture",
        "How the software components build on or feed into each other, and the computing "
        "resources used to develop, train, test and validate it (Annex IV 2(c)).",
    )
    data_governance = _text(
        "data and data governance",
        "The training, validation and test data: where they come from, scope, main "
        "characteristics, how they were obtained, selected, labelled and cleaned (Annex IV "
        "2(d), Art. 10).",
    )
    predetermined_changes = _text(
        "pre-determined changes",
        "Where applicable: changes to the system and its performance planned in advance, and "
        "how they stay compliant (Annex IV 2(f)).",
    )
    cybersecurity = _text(
        "cybersecurity measures",
        "The measures that protect the system against attacks, beyond the mitigations of its "
        "security risks listed from the register (Annex IV 2(h), Art. 15).",
    )

    # 3. Monitoring, functioning and control (Annex IV point 3)
    capabilities_limitations = _text(
        "capabilities and limitations",
        "What it does well and where it fails, the overall accuracy expected for its purpose "
        "and for the groups it is meant for (Annex IV 3).",
    )
    input_specifications = _text(
        "input data specifications",
        "What input it expects and what it must not be given (Annex IV 3, Annex VIII A.6).",
    )

    # 4. Performance metrics (Annex IV point 4)
    metrics_appropriateness = _text(
        "why these metrics are appropriate",
        "Why the declared performance metrics are the right ones for this system (Annex IV 4).",
    )

    # 7. and 8. Standards and the declaration of conformity (Annex IV points 7 and 8)
    harmonised_standards = _text(
        "harmonised standards applied",
        "The harmonised standards applied, in full or in part; where none is, the solutions "
        "adopted to meet the requirements and the other standards or specifications used "
        "(Annex IV 7).",
    )
    declaration_of_conformity = _text(
        "EU declaration of conformity",
        "The reference of the EU declaration of conformity (Art. 47): its number, date and "
        "where the signed copy is kept (Annex IV 8, Annex VIII A.11).",
    )
    notified_body_certificate = _text(
        "notified body certificate",
        "Where applicable: the certificate's type, number and expiry date, and the notified "
        "body's name or number (Annex VIII A.8).",
    )

    # 9. Post-market monitoring (Annex IV point 9)
    post_market_plan = _text(
        "post-market monitoring plan",
        "How the system's performance is evaluated once in use: what is collected, how often, "
        "who looks at it and what triggers action (Annex IV 9, Art. 72).",
    )

    # Annex VIII Section A: what registration in the EU database asks besides the above
    trade_name = models.CharField(
        "trade name",
        max_length=200,
        blank=True,
        help_text="The name it is sold or offered under, if not the system's name (Annex VIII "
        "A.4).",
    )
    registrant = _text(
        "registered on the provider's behalf by",
        "Where applicable: who submits the registration for the provider, with address and "
        "contact details (Annex VIII A.2).",
    )
    authorised_representative = _text(
        "authorised representative",
        "Where applicable: the provider's authorised representative in the Union, with address "
        "and contact details (Annex VIII A.3).",
    )
    member_states = _text(
        "Member States",
        "The Member States where it is placed on the market, put into service or made "
        "available (Annex VIII A.10).",
    )
    information_url = models.URLField(
        "address for more information",
        max_length=500,
        blank=True,
        help_text="Optional: a web page with more about the system (Annex VIII A.13).",
    )

    # Kept by the services when a version is generated: the document's history shows each one.
    latest_version_number = models.PositiveIntegerField(
        "latest generated version", default=0, editable=False
    )
    latest_sha256 = models.CharField(
        "SHA-256 of the latest version", max_length=64, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    objects = TechnicalDocumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "technical document"
        ordering = ["system__name", "pk"]
        indexes = [models.Index(fields=["updated_at"], name="techdoc_updated_idx")]

    def __str__(self):
        return f"Annex IV technical documentation of {self.system}"

    def get_absolute_url(self):
        return reverse_pk("documentation:detail", self.pk)


class TechnicalDocumentVersionQuerySet(TeamScopedQuerySet):
    team_path = "document__system__team"

    def update(self, **kwargs):
        raise ImmutableVersionError("Generated versions of a technical document never change.")

    def delete(self):
        raise ImmutableVersionError("Generated versions of a technical document are never deleted.")


class TechnicalDocumentVersion(models.Model):
    """The assembled document, frozen: numbered 1, 2, 3… per document, never changed."""

    document = models.ForeignKey(
        TechnicalDocument, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(
        "SHA-256",
        max_length=64,
        help_text="Of the content as canonical JSON (keys sorted, no spaces, UTF-8).",
    )
    gap_count = models.PositiveIntegerField(
        "gaps", default=0, help_text="What the record did not supply when it was generated."
    )
    note = models.TextField(blank=True, help_text="Why this version was generated.")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(default=timezone.now)

    objects = TechnicalDocumentVersionQuerySet.as_manager()
    # The content is frozen in this table; the history records who generated which version.
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        verbose_name = "technical document version"
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="unique_techdoc_version_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="techdoc_version_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="techdoc_version_sha256_hex"
            ),
        ]

    def __str__(self):
        return f"{self.document.system} · Annex IV version {self.number} ({self.sha256[:12]})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersionError(
                "A generated version of a technical document never changes."
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("documentation:version", args=[self.document_id, self.number])

    @property
    def version_date(self):
        """When the version was generated (the "Compare with" list: core/_compare_with.html)."""
        return self.generated_at

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError("A generated version of a technical document is never deleted.")
