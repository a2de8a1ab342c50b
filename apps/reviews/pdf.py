"""The safety plan as a PDF: the same document template as the page, laid out by WeasyPrint.

Nothing is fetched while rendering: the stylesheet is inlined and every other URL (links typed
into the plan, images) is refused, so a plan can never make the server reach the network.
WeasyPrint is imported on first use (:mod:`apps.core.pdf`), so that processes which never render
a PDF (the Celery worker, management commands) do not load it; web workers load it when they
start (``apps.core.pdf.warm_up``).

Layout time follows the page count: the risk catalogue and the treatment plans are blocks as
wide as the page (in narrow table columns a 50-risk plan was 42 pages and 3.5 s; it is about 20
pages and 1.5 s). The PDF of a frozen version is also cached: its content never changes, and the
key moves on with each decision on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db.models import Max

from apps.core import pdf as core_pdf

TEMPLATE = "reviews/plan_pdf.html"
# Bump when the document template or its stylesheet changes, so cached PDFs are redone.
LAYOUT_VERSION = 5


def render_plan_pdf(context: dict) -> bytes:
    """The PDF bytes of a plan document (``context`` as for ``reviews/_plan_document.html``)."""
    return core_pdf.render_pdf(TEMPLATE, context)


def version_cache_key(version) -> str:
    """Changes whenever what the PDF of this version shows can change: the decisions on it and
    the review's status (the version's own content never changes)."""
    review = (
        type(version.review).objects.only("status", "current_version_id").get(pk=version.review_id)
    )
    decisions = version.decisions.aggregate(last=Max("pk"))["last"] or 0
    raw = f"{LAYOUT_VERSION}:{version.pk}:{review.status}:{review.current_version_id}:{decisions}"
    return "reviews:pdf:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def render_version_pdf(version, context: Callable[[], dict]) -> bytes:
    """The PDF of a frozen version, from the cache when nothing it shows has changed."""
    return core_pdf.cached(version_cache_key(version), lambda: render_plan_pdf(context()))
