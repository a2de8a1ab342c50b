"""Every write to technical documentation: starting a system's document, writing its texts
(optimistic concurrency, history) and generating a version (frozen, numbered, hashed).

Each checks the rules of :mod:`apps.documentation.permissions`, writes in one transaction and
leaves history that says who did it and why; a generated version's SHA-256 is in the history
of the version and of the document.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.documentation import permissions
from apps.documentation.annex_iv import EDITABLE_GROUPS, assemble_document, content_sha256
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion
from apps.systems.models import AISystem

TEXT_FIELDS = tuple(name for names in EDITABLE_GROUPS.values() for name in names)


def _assign(document: TechnicalDocument, data: dict[str, Any]) -> None:
    unknown = set(data) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Not texts of a technical document: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(document, name, value.strip() if isinstance(value, str) else value)


def _validate(document: TechnicalDocument) -> None:
    document.full_clean(exclude=["system", "created_by"])


@transaction.atomic
def start_document(
    *, system: AISystem, by, data: dict[str, Any] | None = None, reason: str = ""
) -> TechnicalDocument:
    """Start the Annex IV documentation of ``system`` (one per system), with any texts given."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    refusal = permissions.why_cannot_start_document(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    document = TechnicalDocument(system=system, created_by=by)
    _assign(document, data or {})
    _validate(document)
    save_with_history(document, by=by, reason=reason or "Started")
    return document


@transaction.atomic
def update_document(
    *,
    document: TechnicalDocument,
    by,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> TechnicalDocument:
    """Write texts of the document. ``expected_version`` is the version the person read: texts
    someone else changed since, and this person did not, keep theirs; a text both changed is an
    :class:`~apps.core.concurrency.EditConflict`."""
    document = (
        TechnicalDocument.objects.select_for_update().select_related("system").get(pk=document.pk)
    )
    refusal = permissions.why_cannot_edit_document(by, document)
    if refusal:
        raise PermissionDenied(refusal)
    data = check_version(document, expected_version, data)
    _assign(document, data)
    _validate(document)
    save_with_history(document, by=by, reason=reason or "Edited")
    return document


@transaction.atomic
def generate_version(
    *, document: TechnicalDocument, by, note: str = ""
) -> TechnicalDocumentVersion:
    """Freeze the document as it is assembled now into its next numbered version, with the
    SHA-256 of its content. Refused when nothing changed since the latest version (the same
    content, the same SHA-256): that version already says it."""
    document = (
        TechnicalDocument.objects.select_for_update().select_related("system").get(pk=document.pk)
    )
    refusal = permissions.why_cannot_edit_document(by, document)
    if refusal:
        raise PermissionDenied(refusal)
    content = assemble_document(document)
    sha256 = content_sha256(content)
    if document.latest_version_number and sha256 == document.latest_sha256:
        raise ValidationError(
            f"Nothing changed since version {document.latest_version_number} (the same "
            f"SHA-256, {sha256[:12]}…): it already is this document."
        )
    number = (document.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    reason = f"Generated version {number} (SHA-256 {sha256})"
    version = TechnicalDocumentVersion(
        document=document,
        number=number,
        content=content,
        sha256=sha256,
        gap_count=content["gap_count"],
        note=(note or "").strip(),
        generated_by=by,
    )
    save_with_history(version, by=by, reason=reason)
    document.latest_version_number = number
    document.latest_sha256 = sha256
    save_with_history(document, by=by, reason=reason)
    return version
