"""The Statement of Applicability: its reads (selectors) and its writes (services).

Selectors read the draft (every Annex A control of the ISO/IEC 42001 catalogue in force, with
its entry or, when none was written yet, an unsaved "not decided" one), the versions and their
frozen rows, in a fixed number of queries. Services write: the draft's entries (with history
and optimistic concurrency), submitting the draft for the committee (frozen as a numbered
version, refused with every problem at once while a control is undecided or unjustified), and
the committee's decision or the submitter's withdrawal. A decided version never changes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet, Subquery
from django.utils import timezone

from apps.compliance import notifications_soa, permissions_soa
from apps.compliance.models import Catalogue, Requirement
from apps.compliance.models_soa import (
    SOA_FRAMEWORK,
    SOA_REQUIREMENT_KIND,
    ControlApplicability,
    ControlImplementation,
    SoAEntry,
    SoAVersion,
    SoAVersionEntry,
    SoAVersionStatus,
)
from apps.core.audit import save_with_history
from apps.core.concurrency import StateConflict, check_version
from apps.core.models import AuditEvent
from apps.core.validation import ErrorCollector
from apps.mitigations.models import Mitigation

EDITABLE_FIELDS = ["applicability", "justification", "implementation", "policies", "mitigations"]
# How many undecided or unjustified controls a refusal names before "and N more".
NAMED_IN_REFUSAL = 12


# --- Reading ------------------------------------------------------------------------------------
def soa_catalogue() -> Catalogue | None:
    """The ISO/IEC 42001 catalogue in force, whose Annex A controls the SoA answers."""
    return Catalogue.objects.current().filter(framework=SOA_FRAMEWORK).first()


def soa_controls(catalogue: Catalogue) -> QuerySet[Requirement]:
    """The catalogue's controls in its order, each with its objective."""
    return (
        catalogue.requirements.filter(kind=SOA_REQUIREMENT_KIND)
        .select_related("parent")
        .order_by("position", "pk")
    )


def _objective(requirement: Requirement) -> str:
    parent = requirement.parent
    return f"{parent.identifier} {parent.title}" if parent else ""


@dataclass
class DraftRow:
    """One control of the draft: its entry (unsaved and "not decided" when none was written),
    and whether it differs from the Statement of Applicability in force."""

    requirement: Requirement
    entry: SoAEntry
    changed_since_approved: bool = False

    @property
    def objective(self) -> str:
        return _objective(self.requirement)

    @property
    def mitigations(self) -> list[Mitigation]:
        return list(self.entry.mitigations.all()) if self.entry.pk else []


def _entry_of(requirement: Requirement) -> SoAEntry:
    try:
        return requirement.soa_entry
    except SoAEntry.DoesNotExist:
        return SoAEntry(requirement=requirement)


def soa_draft(catalogue: Catalogue | None = None) -> list[DraftRow]:
    """Every control of the catalogue in force with its draft entry (three queries: the
    controls with their entries, the entries' mitigations, the rows of the version in force)."""
    catalogue = catalogue or soa_catalogue()
    if catalogue is None:
        return []
    controls = (
        soa_controls(catalogue)
        .select_related("soa_entry")
        .prefetch_related(
            Prefetch(
                "soa_entry__mitigations",
                queryset=Mitigation.objects.select_related("system").order_by("pk"),
            )
        )
    )
    in_force = (
        SoAVersion.objects.filter(status=SoAVersionStatus.APPROVED)
        .order_by("-number")
        .values("pk")[:1]
    )
    approved = {
        row.requirement_id: row
        for row in SoAVersionEntry.objects.filter(version_id=Subquery(in_force))
    }
    rows = []
    for requirement in controls:
        entry = _entry_of(requirement)
        row = DraftRow(requirement, entry)
        frozen = approved.get(requirement.pk)
        if approved:
            row.changed_since_approved = frozen is None or _differs(entry, frozen)
        rows.append(row)
    return rows


def _mitigation_references(mitigations: Iterable[Mitigation]) -> list[str]:
    return sorted(m.reference for m in mitigations)


def _differs(entry: SoAEntry, frozen: SoAVersionEntry) -> bool:
    if (entry.applicability, entry.implementation) != (frozen.applicability, frozen.implementation):
        return True
    if (entry.justification.strip(), entry.policies.strip()) != (
        frozen.justification.strip(),
        frozen.policies.strip(),
    ):
        return True
    current = _mitigation_references(entry.mitigations.all()) if entry.pk else []
    return current != sorted(m["reference"] for m in frozen.mitigations)


@dataclass
class Summary:
    """How far the statement has got: controls by applicability and implementation."""

    total: int
    counts: Counter

    @property
    def applicable(self) -> int:
        return self.counts[ControlApplicability.APPLICABLE]

    @property
    def excluded(self) -> int:
        return self.counts[ControlApplicability.EXCLUDED]

    @property
    def undecided(self) -> int:
        return self.counts[ControlApplicability.UNDECIDED]

    @property
    def implemented(self) -> int:
        return self.counts[ControlImplementation.IMPLEMENTED]

    @property
    def in_progress(self) -> int:
        return self.counts[ControlImplementation.IN_PROGRESS]

    @property
    def implemented_percent(self) -> int:
        return round(100 * self.implemented / self.applicable) if self.applicable else 0


def summarise(rows: Iterable) -> Summary:
    """``rows``: draft rows, or a version's entries."""
    counts: Counter = Counter()
    total = 0
    for row in rows:
        entry = getattr(row, "entry", row)
        total += 1
        counts[entry.applicability] += 1
        if entry.applicability == ControlApplicability.APPLICABLE:
            counts[entry.implementation] += 1
    return Summary(total, counts)


def soa_versions() -> QuerySet[SoAVersion]:
    """Every version, newest first, with who submitted and decided it."""
    return SoAVersion.objects.select_related("submitted_by", "decided_by", "catalogue").order_by(
        "-number"
    )


def current_soa_version() -> SoAVersion | None:
    """The Statement of Applicability in force: the latest approved version."""
    return (
        SoAVersion.objects.filter(status=SoAVersionStatus.APPROVED)
        .select_related("decided_by", "submitted_by", "catalogue")
        .order_by("-number")
        .first()
    )


def pending_soa_version() -> SoAVersion | None:
    return (
        SoAVersion.objects.filter(status=SoAVersionStatus.PENDING)
        .select_related("submitted_by")
        .first()
    )


def version_entries(version: SoAVersion) -> QuerySet[SoAVersionEntry]:
    return version.entries.order_by("position", "pk")


def soa_entries() -> QuerySet[SoAEntry]:
    """Every entry written in the draft, in the catalogue's order, with its control (and the
    control's catalogue and objective), who last changed it and its mitigations (three queries
    whatever their number). Entries of a retired catalogue's controls too: the API's list keeps
    the catalogue in force's (:func:`current_soa_entries`)."""
    return SoAEntry.objects.select_related(
        "requirement__catalogue", "requirement__parent", "updated_by"
    ).prefetch_related(
        Prefetch("mitigations", queryset=Mitigation.objects.only("pk", "title").order_by("pk"))
    )


def current_soa_entries() -> QuerySet[SoAEntry]:
    """The draft's entries of the controls of the ISO/IEC 42001 catalogue in force (a control
    without an entry is not decided yet)."""
    return soa_entries().filter(
        requirement__catalogue__framework=SOA_FRAMEWORK,
        requirement__catalogue__retired_at__isnull=True,
        requirement__kind=SOA_REQUIREMENT_KIND,
    )


def soa_history() -> QuerySet[AuditEvent]:
    """Every change of the draft's entries and of the versions, newest first."""
    types = ContentType.objects.get_for_models(SoAEntry, SoAVersion)
    return AuditEvent.objects.filter(content_type__in=types.values()).select_related("content_type")


# --- Mitigations named by their references ------------------------------------------------------
_REFERENCE_SPLIT = re.compile(r"[\s,;]+")


def mitigations_from_references(text: str) -> list[Mitigation]:
    """The mitigations named in ``text`` (``MTG-0012, MTG-0345`` or ``12 345``): raises one
    ``ValidationError`` naming every reference that names none."""
    wanted: dict[int, str] = {}
    unknown = []
    for word in filter(None, _REFERENCE_SPLIT.split(text or "")):
        pk = Mitigation.parse_reference(word)
        if pk is None:
            unknown.append(word)
        else:
            wanted.setdefault(pk, word)
    found = {m.pk: m for m in Mitigation.objects.filter(pk__in=wanted)}
    unknown += [word for pk, word in wanted.items() if pk not in found]
    if unknown:
        raise ValidationError(
            {"mitigations": f"No mitigation is called {', '.join(unknown)}."}, code="unknown"
        )
    return [found[pk] for pk in wanted]


# --- Editing the draft --------------------------------------------------------------------------
def _check_editor(by) -> None:
    if not permissions_soa.can_edit_soa(by):
        raise PermissionDenied(permissions_soa.EDITORS_ONLY)


def _check_control(requirement: Requirement) -> None:
    catalogue = requirement.catalogue
    if (
        catalogue.framework != SOA_FRAMEWORK
        or catalogue.is_retired
        or requirement.kind != SOA_REQUIREMENT_KIND
    ):
        raise ValidationError(
            f"{requirement.identifier} is not a control of the ISO/IEC 42001 catalogue in force."
        )


def _check_values(entry: SoAEntry, data: dict[str, Any]) -> None:
    """The rules of an entry's values, every problem at once."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of the SoA: {', '.join(sorted(unknown))}")
    errors = ErrorCollector()
    applicability = data.get("applicability", entry.applicability)
    implementation = data.get("implementation", entry.implementation)
    justification = (data.get("justification", entry.justification) or "").strip()
    if applicability not in ControlApplicability.values:
        errors.add(f"Unknown applicability “{applicability}”.", "applicability")
    if implementation not in ControlImplementation.values:
        errors.add(f"Unknown implementation “{implementation}”.", "implementation")
    if applicability == ControlApplicability.EXCLUDED and not justification:
        errors.add("Say why the control does not apply to the organisation.", "justification")
    if (
        applicability != ControlApplicability.APPLICABLE
        and implementation != ControlImplementation.NOT_IMPLEMENTED
    ):
        errors.add(
            "Only a control that applies is implemented: mark it applicable, or not implemented.",
            "implementation",
        )
    errors.raise_if_any()


def check_soa_entry(*, requirement: Requirement, data: dict[str, Any]) -> None:
    """The checks of ``data`` that need no write (the form asks them while it has errors)."""
    _check_control(requirement)
    _check_values(_entry_of(requirement), data)


@transaction.atomic
def update_soa_entry(
    *,
    requirement: Requirement,
    by,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> SoAEntry:
    """Write the draft's answer for one control (``data`` ⊆ :data:`EDITABLE_FIELDS`;
    ``mitigations`` a list of mitigations, replacing the linked ones). ``expected_version``: the
    version of the entry the editor read (none yet: 0 or ``None``)."""
    _check_editor(by)
    _check_control(requirement)
    entry = SoAEntry.objects.select_for_update().filter(requirement=requirement).first()
    if entry is None:
        entry = SoAEntry(requirement=requirement)
    elif expected_version:
        data = check_version(entry, expected_version, data)
    data = dict(data)
    mitigations = data.pop("mitigations", None)
    _check_values(entry, data)
    for name, value in data.items():
        setattr(entry, name, value)
    entry.updated_by = by
    label = requirement.identifier
    save_with_history(entry, by=by, reason=reason or f"Statement of Applicability: {label}")
    if mitigations is not None:
        wanted = {m.pk for m in mitigations}
        if wanted != set(entry.mitigations.values_list("pk", flat=True)):
            entry._history_user = by
            entry._change_reason = reason or f"Statement of Applicability: {label}, mitigations"
            entry.mitigations.set(mitigations)
    return entry


# --- Submitting and deciding --------------------------------------------------------------------
def _named(identifiers: list[str]) -> str:
    shown = ", ".join(identifiers[:NAMED_IN_REFUSAL])
    more = len(identifiers) - NAMED_IN_REFUSAL
    return shown + (f" and {more} more" if more > 0 else "")


def submission_problems(rows: list[DraftRow]) -> list[str]:
    """Why the draft cannot be submitted (empty when it can)."""
    if not rows:
        return ["The ISO/IEC 42001 catalogue is not loaded: run manage.py load_catalogues."]
    undecided = [
        r.requirement.identifier
        for r in rows
        if r.entry.applicability == ControlApplicability.UNDECIDED
    ]
    unjustified = [
        r.requirement.identifier
        for r in rows
        if r.entry.applicability != ControlApplicability.UNDECIDED
        and not r.entry.justification.strip()
    ]
    problems = []
    if undecided:
        problems.append(f"Say whether each control applies; not decided yet: {_named(undecided)}.")
    if unjustified:
        problems.append(
            "Justify why each control is included or excluded (ISO/IEC 42001 asks for both); "
            f"without a justification: {_named(unjustified)}."
        )
    return problems


def _frozen_mitigations(entry: SoAEntry) -> list[dict]:
    if not entry.pk:
        return []
    return [
        {
            "reference": m.reference,
            "title": m.title,
            "system": m.system.reference,
            "status": m.get_status_display(),
        }
        for m in entry.mitigations.all()
    ]


@transaction.atomic
def submit_soa(*, by, note: str = "") -> SoAVersion:
    """Freeze the draft as the next version and ask the committee to decide on it (its members
    but the submitter are told). Refused while another version waits for the committee, and
    while a control is not decided or not justified (every problem at once)."""
    _check_editor(by)
    # One submission at a time: versions are numbered under the catalogue's row lock.
    catalogue = (
        Catalogue.objects.current().select_for_update().filter(framework=SOA_FRAMEWORK).first()
    )
    errors = ErrorCollector()
    pending = pending_soa_version()
    if pending is not None:
        errors.add(
            f"Version {pending.number} is already waiting for the committee: wait for its "
            "decision or withdraw it."
        )
    rows = soa_draft(catalogue) if catalogue is not None else []
    for problem in submission_problems(rows):
        errors.add(problem)
    errors.raise_if_any()
    number = (SoAVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = SoAVersion(number=number, catalogue=catalogue, submitted_by=by, note=note.strip())
    save_with_history(version, by=by, reason=f"Version {number} submitted to the committee")
    SoAVersionEntry.objects.bulk_create(
        [
            SoAVersionEntry(
                version=version,
                requirement=row.requirement,
                position=position,
                identifier=row.requirement.identifier,
                title=row.requirement.title,
                objective=row.objective,
                applicability=row.entry.applicability,
                justification=row.entry.justification.strip(),
                implementation=row.entry.implementation,
                mitigations=_frozen_mitigations(row.entry),
                policies=row.entry.policies.strip(),
            )
            for position, row in enumerate(rows, start=1)
        ]
    )
    notifications_soa.tell_committee(version, by=by)
    return version


def _locked(version: SoAVersion) -> SoAVersion:
    return SoAVersion.objects.select_for_update().get(pk=version.pk)


@transaction.atomic
def decide_soa(*, version: SoAVersion, by, approve: bool, comment: str = "") -> SoAVersion:
    """A committee member's decision on a pending version (not theirs): approved, it is the
    Statement of Applicability in force; rejected (saying why), the draft is revised and
    submitted again. The submitter is told."""
    version = _locked(version)
    if not version.is_pending:
        raise StateConflict(
            f"Version {version.number} is already {version.get_status_display().lower()}."
        )
    refusal = permissions_soa.why_cannot_decide_soa(by, version)
    if refusal:
        raise PermissionDenied(refusal)
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say why the version is rejected: what to change."})
    version.status = SoAVersionStatus.APPROVED if approve else SoAVersionStatus.REJECTED
    version.decided_by = by
    version.decided_at = timezone.now()
    version.decision_comment = comment
    outcome = "approved" if approve else "rejected"
    save_with_history(version, by=by, reason=f"Version {version.number} {outcome}")
    notifications_soa.tell_decision(version)
    return version


@transaction.atomic
def withdraw_soa(*, version: SoAVersion, by, reason: str = "") -> SoAVersion:
    """Take back a version before the committee decides (to revise the draft)."""
    version = _locked(version)
    if not version.is_pending:
        raise StateConflict(
            f"Version {version.number} is already {version.get_status_display().lower()}."
        )
    refusal = permissions_soa.why_cannot_withdraw_soa(by, version)
    if refusal:
        raise PermissionDenied(refusal)
    version.status = SoAVersionStatus.WITHDRAWN
    save_with_history(
        version, by=by, reason=reason.strip() or f"Version {version.number} withdrawn"
    )
    return version
