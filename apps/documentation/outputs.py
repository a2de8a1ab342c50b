"""A generated version as files: a PDF (WeasyPrint, the safety plan's look) and a DOCX
(python-docx, for legal teams to edit a copy). Both are made from the version's frozen content
only, and both carry its SHA-256; as that content never changes, the files are cached by the
version's hash (and the layout's version, bumped when the templates change).

Nothing is fetched while the PDF is laid out: the stylesheet is inlined and every URL other
than ``data:`` is refused, as for the safety plan (:mod:`apps.reviews.pdf`).
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core import pdf as core_pdf
from apps.documentation.annex_iv import EDITABLE_GROUPS

PDF_TEMPLATE = "documentation/pdf.html"
# Bump when the document template, the stylesheets or the DOCX layout change.
LAYOUT_VERSION = 1
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_context(content: dict, *, version=None, document=None, live=False) -> dict:
    """What ``documentation/_document.html`` needs, on the pages and in the PDF."""
    return {
        "content": content,
        "version": version,
        "document": document,
        "live": live,
        "gap_total": content["gap_count"],
        "editable_groups": list(EDITABLE_GROUPS),
    }


def _cache_key(version, kind: str) -> str:
    return f"documentation:{kind}:{LAYOUT_VERSION}:{version.pk}:{version.sha256}"


def _cached(version, kind: str, make) -> bytes:
    return core_pdf.cached(_cache_key(version, kind), make)


# --- PDF ------------------------------------------------------------------------------------------
def pdf_html(version) -> str:
    """The HTML that WeasyPrint lays out as the version's PDF."""
    context = {
        **document_context(version.content, version=version),
        "pdf": True,
        "generated_at": timezone.now(),
    }
    return render_to_string(PDF_TEMPLATE, context)


def build_pdf(version) -> bytes:
    return core_pdf.html_to_pdf(pdf_html(version))


def version_pdf(version) -> bytes:
    """The PDF of a generated version (from the cache when it was made before)."""
    return _cached(version, "pdf", lambda: build_pdf(version))


# --- DOCX -----------------------------------------------------------------------------------------
def _paragraphs(doc, text: str, *, style: str | None = None) -> None:
    for part in text.split("\n\n"):
        paragraph = doc.add_paragraph(style=style)
        lines = part.split("\n")
        for index, line in enumerate(lines):
            run = paragraph.add_run(line)
            if index < len(lines) - 1:
                run.add_break()


def _table(doc, header: list[str] | None, rows: list[list[str]]) -> None:
    """A table of ``rows`` under a bold ``header``; without one, a two-column table of facts
    whose labels are bold."""
    table = doc.add_table(rows=0, cols=len(header) if header else 2)
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        if not header:
            label, value = table.add_row().cells
            label.paragraphs[0].add_run(row[0]).bold = True
            value.text = row[1] or "—"
            continue
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text or "—"
    doc.add_paragraph()


def build_docx(version) -> bytes:
    from docx import Document
    from docx.shared import Pt

    content = version.content
    system = content["system"]
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    properties = doc.core_properties
    properties.title = f"Technical documentation — {system['reference']} {system['name']}"
    properties.subject = "EU AI Act Annex IV technical documentation"
    properties.author = system["team"]
    properties.created = properties.modified = version.generated_at
    properties.revision = version.number
    properties.comments = f"SHA-256 of the frozen content: {version.sha256}"

    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = (
        f"{system['reference']} · Annex IV version {version.number} · SHA-256 {version.sha256}"
    )
    footer.runs[0].font.size = Pt(7)

    doc.add_paragraph("AI Risk Register · EU AI Act Annex IV", style="Subtitle")
    doc.add_heading(f"Technical documentation of {system['name']}", level=0)
    generated = timezone.localtime(version.generated_at).strftime("%d %B %Y, %H:%M")
    _table(
        doc,
        None,
        [
            ["System", f"{system['reference']} {system['name']} ({system['team']})"],
            ["EU AI Act tier", system["tier"]],
            ["Our role", system["role"]],
            ["Document", content["document"]["reference"]],
            ["Version", str(version.number)],
            ["Generated", f"{generated} by {version.generated_by}"],
            ["SHA-256 of the content", version.sha256],
            ["What the record does not supply yet", str(content["gap_count"])],
        ],
    )
    doc.add_paragraph(
        "An editable copy: the version in the register, and its SHA-256, are the reference. "
        "The SHA-256 is that of the version's content as canonical JSON (keys sorted, no "
        "spaces, UTF-8), as the register's API serves it.",
        style="Intense Quote",
    )
    for section in content["sections"]:
        doc.add_heading(f"{section['number']}. {section['title']}", level=1)
        doc.add_paragraph(section["annex"], style="Caption")
        for block in section["blocks"]:
            _docx_block(doc, block)
        if section["gaps"]:
            doc.add_heading("What the record does not supply yet", level=3)
            for gap in section["gaps"]:
                doc.add_paragraph(gap["text"], style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_block(doc, block: dict) -> None:
    if block["kind"] == "facts":
        _table(doc, None, [[row["label"], row["value"]] for row in block["rows"]])
    elif block["kind"] == "table":
        doc.add_heading(block["title"], level=3)
        if block["rows"]:
            _table(doc, block["columns"], block["rows"])
        else:
            doc.add_paragraph(block["empty"])
    else:
        doc.add_heading(block["label"], level=3)
        if block["text"]:
            _paragraphs(doc, block["text"])
        else:
            doc.add_paragraph(
                "Not written yet." if block["required"] else "None (where applicable)."
            )


def version_docx(version) -> bytes:
    """The DOCX of a generated version (from the cache when it was made before)."""
    return _cached(version, "docx", lambda: build_docx(version))


# --- Responses ------------------------------------------------------------------------------------
def version_filename(version, suffix: str) -> str:
    return f"{version.document.system.reference}-annex-iv-v{version.number}.{suffix}"


def file_response(content: bytes, content_type: str, filename: str, *, inline=False):
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
