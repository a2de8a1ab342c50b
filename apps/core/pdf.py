"""Documents as PDF files: a template laid out by WeasyPrint, nothing fetched from the network.

Only ``data:`` URLs are allowed while rendering, so a link or an image typed into a document can
never make the server reach the network. WeasyPrint is imported on first use (processes that
never render a PDF do not load it). A frozen version's PDF never changes but for what the
version's cover says of its state: :func:`cached` keeps it under a key that moves with that state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import render_to_string

CACHE_SECONDS = 7 * 24 * 60 * 60

# WeasyPrint reports every rendering step at INFO; only its warnings belong in the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML document (its stylesheet inlined: no URL but ``data:`` is
    fetched)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    return HTML(string=html, base_url="", url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF bytes of ``template`` rendered with ``context``."""
    return html_to_pdf(render_to_string(template, context))


def warm_up() -> None:
    """Import WeasyPrint and lay out a line of text (fontconfig, Pango, the fonts) so that the
    first PDF of a web worker is as quick as the next ones; ``config/gunicorn.py`` calls it when
    a worker starts."""
    html_to_pdf("<p>AI Risk Register</p>")


def cached(key: str, make: Callable[[], bytes], seconds: int = CACHE_SECONDS) -> bytes:
    """The PDF cached under ``key``, made by ``make()`` when it is not there."""
    content = cache.get(key)
    if content is None:
        content = make()
        cache.set(key, content, seconds)
    return content
