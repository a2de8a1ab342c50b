"""Writes shared by every app: evidence attached to records."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.core import rules
from apps.core.audit import save_with_history
from apps.core.models import Evidence

# What evidence files may be, and how each kind of file starts (None: text, checked as UTF-8).
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".txt": ("text/plain", None),
    ".md": ("text/markdown", None),
    ".csv": ("text/csv", None),
    ".json": ("application/json", None),
    ".log": ("text/plain", None),
}
# The part every real Office document of each kind holds (a ZIP archive is not enough).
OFFICE_MAIN_PARTS = {
    ".xlsx": "xl/workbook.xml",
    ".docx": "word/document.xml",
    ".pptx": "ppt/presentation.xml",
}
# Macros are refused: an .xlsx, .docx or .pptx never holds any (those are .xlsm, .docm, .pptm).
OFFICE_MACRO_PARTS = ("vbaproject.bin",)
# A "text" file that starts like this is a web page or an image that a browser would run.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")


def _check_file(upload) -> str:
    """The media type of an acceptable upload; ``ValidationError`` otherwise."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(EVIDENCE_TYPES))
        raise ValidationError(
            {"file": f"Files of type “{suffix or name}” are not accepted ({allowed})."}
        )
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
                f"{limit / 1_048_576:.0f} MB."
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": f"“{name}” is empty."})
    media_type, signatures = EVIDENCE_TYPES[suffix]
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    not_real = ValidationError({"file": f"“{name}” is not a real {suffix[1:].upper()} file."})
    if signatures is None:
        _check_text(name, head)
    elif not head.startswith(signatures):
        raise not_real
    elif suffix in OFFICE_MAIN_PARTS:
        _check_office_document(upload, name, suffix, not_real)
    return media_type


def _check_text(name: str, head: bytes) -> None:
    """Plain UTF-8 text: no binary content, and not a web page under a text file's name."""
    if b"\x00" in head:
        raise ValidationError({"file": f"“{name}” is not a text file (it holds binary data)."})
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character may be cut at the end of the sample: allow that only.
        if error.start < len(head) - 3:
            raise ValidationError({"file": f"“{name}” is not a UTF-8 text file."}) from error
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(MARKUP_STARTS):
        raise ValidationError(
            {"file": f"“{name}” is a web page or an SVG image, which are not accepted as text."}
        )


def _check_office_document(upload, name: str, suffix: str, not_real: ValidationError) -> None:
    """An Office Open XML package of the kind its name says, without macros."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = {info.filename.lower() for info in archive.infolist()}
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise not_real from error
    finally:
        upload.seek(0)
    if "[content_types].xml" not in names or OFFICE_MAIN_PARTS[suffix] not in names:
        raise not_real
    if any(part.rsplit("/", 1)[-1] in OFFICE_MACRO_PARTS for part in names):
        raise ValidationError(
            {"file": f"“{name}” contains macros, which are not accepted in evidence."}
        )


@transaction.atomic
def add_evidence(*, record, by, kind: str, file=None, url: str = "", note: str = "") -> Evidence:
    """Attach a file, a link or a note to a record the person may edit."""
    if not rules.allows(by, "change", record):
        raise PermissionDenied("You cannot add evidence to this record.")
    evidence = Evidence(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        kind=kind,
        added_by=by,
    )
    if kind == Evidence.Kind.FILE:
        if not file:
            raise ValidationError({"file": "Choose a file to upload."})
        evidence.media_type = _check_file(file)
        evidence.original_name = PurePath(file.name).name[:255]
        evidence.size = file.size
    elif kind == Evidence.Kind.LINK:
        url = url.strip()
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise ValidationError({"url": "Enter a full http:// or https:// address."}) from error
        evidence.url = url
    elif kind == Evidence.Kind.NOTE:
        if not note.strip():
            raise ValidationError({"note": "Write the note."})
        evidence.note = note.strip()
    else:
        raise ValidationError({"kind": "Choose a file, a link or a note."})
    evidence._history_user = by
    evidence._change_reason = f"Evidence added to {getattr(record, 'reference', record)}"
    if kind == Evidence.Kind.FILE:
        evidence.file.save(file.name, file, save=False)  # under a random name: see the model
    try:
        evidence.save()
    except Exception:
        # The row is rolled back: take the stored file away too, so nothing is half-written.
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence, by) -> Evidence:
    """Take evidence off a record; the row and its file stay for the audit trail."""
    if not rules.allows(by, "change", evidence.content_object):
        raise PermissionDenied("You cannot remove this evidence.")
    if evidence.is_removed:
        raise ValidationError("This evidence is already removed.")
    evidence.removed_at = timezone.now()
    evidence.removed_by = by
    save_with_history(evidence, by=by, reason="Evidence removed")
    return evidence


def evidence_of(record):
    """The live evidence of a record, oldest first."""
    return Evidence.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        removed_at__isnull=True,
    ).select_related("added_by")
