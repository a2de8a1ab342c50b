"""A version of an assessment as a PDF: the version page's document laid out by WeasyPrint
(:mod:`apps.core.pdf`: nothing fetched from the network), in the safety plan's look (its
stylesheet, ``reviews/pdf.css``, is shared). A version's content never changes; its PDF is
cached until what its cover says of its state changes (the committee's decision).
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse

from apps.assessments.document import version_context
from apps.core import pdf as core_pdf

TEMPLATE = "assessments/version_pdf.html"
# Bump when the document template or its stylesheet changes, so cached PDFs are redone.
LAYOUT_VERSION = 1


def render_pdf(context: dict) -> bytes:
    """The PDF bytes of a version (``context`` as for ``assessments/version_pdf.html``)."""
    return core_pdf.render_pdf(TEMPLATE, context)


def cache_key(version) -> str:
    """Changes whenever what the PDF shows can change: the version's state (its content never
    does)."""
    raw = f"{LAYOUT_VERSION}:{version.pk}:{version.state}"
    return "assessments:pdf:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def pdf_response(version) -> HttpResponse:
    """The version's PDF, as the page's download and the API's."""
    content = core_pdf.cached(cache_key(version), lambda: render_pdf(version_context(version)))
    response = HttpResponse(content, content_type="application/pdf")
    name = f"{version.assessment.reference}-v{version.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
