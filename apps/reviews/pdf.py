"""The safety plan as a PDF: the same document template as the page, laid out by WeasyPrint.

Nothing is fetched while rendering: the stylesheet is inlined and every other URL (links typed
into the plan, images) is refused, so a plan can never make the server reach the network.
WeasyPrint is imported on first use, so that processes which never render a PDF (the Celery
worker, management commands) do not load it; web workers load it when they start (``warm_up``).

Layout time follows the page count: the risk catalogue and the treatment plans are blocks as
wide as the page (in narrow table columns a 50-risk plan was 42 pages and 3.5 s; it is about 20
pages and 1.5 s). The PDF of a frozen version is also cached: its content never changes, and the
key moves on with each decision on it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Max
from django.template.loader import render_to_string

TEMPLATE = "reviews/plan_pdf.html"
# Bump when the document template or its stylesheet changes, so cached PDFs are redone.
LAYOUT_VERSION = 5
CACHE_SECONDS = 7 * 24 * 60 * 60

# WeasyPrint reports every rendering step at INFO; only its warnings belong in the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_plan_pdf(context: dict) -> bytes:
    """The PDF bytes of a plan document (``context`` as for ``reviews/_plan_document.html``)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    html = render_to_string(TEMPLATE, context)
    return HTML(string=html, base_url="", url_fetcher=fetcher).write_pdf()


def warm_up() -> None:
    """Import WeasyPrint and lay out a line of text (fontconfig, Pango, the fonts) so that the
    first plan PDF of a web worker is as quick as the next ones; ``config/gunicorn.py`` calls it
    when a worker starts."""
    from weasyprint import HTML

    HTML(string="<p>AI Risk Register</p>").write_pdf()


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
    key = version_cache_key(version)
    content = cache.get(key)
    if content is None:
        content = render_plan_pdf(context())
        cache.set(key, content, CACHE_SECONDS)
    return content
