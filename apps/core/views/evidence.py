"""Serving an evidence file: the one response every app's download view returns."""

from __future__ import annotations

from django.http import FileResponse, Http404

from apps.core.models import Evidence


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The file, as an attachment (never shown inline, so an uploaded page cannot run in the
    register's origin), with its original name and checked media type."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=evidence.media_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
