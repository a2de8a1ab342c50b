"""The Statement of Applicability as a spreadsheet and as a PDF.

The spreadsheet goes through :class:`apps.core.api.exports.Exporter` (one column list, read with
``values_list``, written by the shared XLSX writer): :class:`SoAVersionExporter` for a frozen
version, :class:`SoADraftExporter` for the draft, whose cells the database fills from the
controls and their entries in one query. The PDF is the page's table laid out by WeasyPrint, with
nothing fetched from the network (as :mod:`apps.reviews.pdf`).
"""

from __future__ import annotations

import tempfile

from django.db.models import CharField, F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.http import FileResponse, HttpResponse
from django.utils import timezone

from apps.compliance.models_soa import (
    ControlApplicability,
    ControlImplementation,
    SoAEntry,
    SoAVersion,
    SoAVersionEntry,
)
from apps.core import pdf as core_pdf
from apps.core.api.exports import FORMATS, Column, Exporter, JoinedText, ReferenceText, write_xlsx
from apps.mitigations.models import Mitigation

PDF_TEMPLATE = "compliance/soa/pdf.html"


def _mitigations_text(frozen: list[dict] | None) -> str:
    return "; ".join(f"{m['reference']} {m['title']} ({m['system']})" for m in frozen or [])


def _label(choices):
    labels = dict(choices)

    def convert(value):
        return str(labels.get(value, value)) if value else value

    return convert


_COMMON_DESCRIPTIONS = {
    "control": "The Annex A control, as ISO/IEC 42001 numbers it.",
    "title": "The control's title.",
    "objective": "The control objective it belongs to.",
    "applicability": "Applicable, Not applicable, or Not decided yet.",
    "justification": "Why the control is included or excluded.",
    "implementation": "Implemented, Being implemented, or Not implemented.",
    "mitigations": "The register's mitigations that implement it: reference, title (system).",
    "policies": "Policies and procedures that implement it, one per line.",
}


def _columns(sources: dict[str, str], mitigations_convert=None) -> list[Column]:
    converts = {
        "applicability": _label(ControlApplicability.choices),
        "implementation": _label(ControlImplementation.choices),
        "mitigations": mitigations_convert,
    }
    return [
        Column(name, source, _COMMON_DESCRIPTIONS[name], converts.get(name))
        for name, source in sources.items()
    ]


class SoAVersionExporter(Exporter):
    """The rows of one frozen version."""

    name = "statement-of-applicability"
    title = "Statement of Applicability"
    formats = ("xlsx",)
    columns = _columns(
        {
            "control": "identifier",
            "title": "title",
            "objective": "objective",
            "applicability": "applicability",
            "justification": "justification",
            "implementation": "implementation",
            "mitigations": "mitigations",
            "policies": "policies",
        },
        mitigations_convert=_mitigations_text,
    )

    @classmethod
    def queryset_of(cls, version: SoAVersion):
        return SoAVersionEntry.objects.filter(version=version).order_by("position", "pk")


class SoADraftExporter(Exporter):
    """The draft: every control of the catalogue in force, with its entry's values (a control
    without one is not decided yet)."""

    name = "statement-of-applicability-draft"
    title = "Statement of Applicability (draft)"
    formats = ("xlsx",)
    columns = _columns(
        {
            "control": "identifier",
            "title": "title",
            "objective": "_objective",
            "applicability": "_applicability",
            "justification": "_justification",
            "implementation": "_implementation",
            "mitigations": "_mitigations",
            "policies": "_policies",
        }
    )

    @classmethod
    def queryset_of(cls, controls):
        """``controls``: :func:`apps.compliance.soa.soa_controls`, annotated here."""
        entry = SoAEntry.objects.filter(requirement=OuterRef("pk"))
        links = (
            SoAEntry.mitigations.through.objects.filter(soaentry__requirement=OuterRef("pk"))
            .order_by("mitigation_id")
            .values(
                _cell=Concat(
                    ReferenceText(Mitigation.REFERENCE_PREFIX, F("mitigation_id")),
                    Value(" "),
                    F("mitigation__title"),
                    output_field=CharField(),
                )
            )
        )

        def value(field, default=""):
            return Coalesce(
                Subquery(entry.values(field)[:1]), Value(default), output_field=TextField()
            )

        return controls.annotate(
            _objective=Concat(
                Coalesce(F("parent__identifier"), Value("")),
                Value(" "),
                Coalesce(F("parent__title"), Value("")),
                output_field=CharField(),
            ),
            _applicability=value("applicability", ControlApplicability.UNDECIDED),
            _justification=value("justification"),
            _implementation=value("implementation", ControlImplementation.NOT_IMPLEMENTED),
            _policies=value("policies"),
            _mitigations=JoinedText(links),
        )


def xlsx_response(exporter: type[Exporter], queryset, filename: str) -> FileResponse:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 — closed when the response is
    write_xlsx(exporter, queryset, spool, frozen_header=True)
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=filename)
    response["Content-Type"] = FORMATS["xlsx"]
    response["Cache-Control"] = "no-store"
    return response


def render_pdf(context: dict) -> bytes:
    """The PDF of the statement (``context`` as for ``compliance/soa/pdf.html``); nothing is
    fetched while rendering."""
    return core_pdf.render_pdf(PDF_TEMPLATE, {**context, "generated_at": timezone.now()})


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
