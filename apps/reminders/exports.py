"""The files that long export jobs write (run by :func:`apps.reminders.services.run_export`).

Each writer takes the job and a binary file to write into, reports progress on the job as it
goes, and returns ``(file name, row count)``.
"""

from __future__ import annotations

import datetime
import zipfile
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from apps.accounts import permissions
from apps.core.ids import parse_id
from apps.core.models import Level
from apps.core.spreadsheets import neutralise_formula
from apps.reminders.models import ExportJob, ExportKind
from apps.risks import selectors as risk_selectors
from apps.risks.filters import RiskFilterSet
from apps.risks.models import Risk
from apps.risks.views.register import EXPORT_HEADER
from apps.systems.models import AISystem

CHUNK_SIZE = 2000


def register_queryset(user, params: str):
    """The register's rows as the person saw them: their filters, over the risks they may see.

    Evaluated when the job runs, so a person who lost access since asking gets only what they
    may see now (nothing, if their account was deactivated).
    """
    filterset = RiskFilterSet(
        QueryDict(params),
        queryset=risk_selectors.risk_list(user),
        request=SimpleNamespace(user=user),
    )
    return filterset.qs


def _cell(sheet, value):
    """A typed cell; text is always text (a title starting with ``=`` is not a formula, and
    shows with a leading apostrophe as in every other export)."""
    if isinstance(value, str):
        value = neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _naive(moment: datetime.datetime | None):
    """Excel has no time zones: local time, without its offset."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def register_cells(row) -> list:
    """One register row (``apps.risks.selectors.export_rows``) as the CSV export's columns."""
    (pk, system_id, system, team, title, scenario, parent, category, owner) = row[:9]
    (il, ii, iscore, ilevel, rl, ri, rscore, rlevel, treatment, status) = row[9:19]
    (due, archived_at, updated_at) = row[19:]
    if parent is None:  # a risk filed under a top-level category
        parent, category = category, ""
    return [
        Risk.format_reference(pk),
        AISystem.format_reference(system_id),
        system,
        team,
        title,
        scenario,
        parent,
        category,
        owner,
        il,
        ii,
        iscore,
        Level(ilevel).label,
        rl,
        ri,
        rscore,
        Level(rlevel).label,
        treatment,
        status,
        due,
        "yes" if archived_at else "no",
        _naive(updated_at),
    ]


def write_register_xlsx(job: ExportJob, output) -> tuple[str, int]:
    """The filtered register as an XLSX workbook, written row by row (openpyxl write-only)."""
    from apps.reminders.services import set_export_progress

    queryset = register_queryset(job.user, job.params)
    total = queryset.count()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Risk register")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in EXPORT_HEADER:
        cell = _cell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in risk_selectors.export_rows(queryset).iterator(chunk_size=CHUNK_SIZE):
        sheet.append([_cell(sheet, value) for value in register_cells(row)])
        written += 1
        if written % CHUNK_SIZE == 0:
            # Saving the workbook is the last step: stay below 100 until the file exists.
            set_export_progress(job, min(99, written * 100 // max(total, 1)))
    workbook.save(output)
    stamp = timezone.localtime(job.created_at).strftime("%Y-%m-%d-%H%M")
    return f"risk-register-{stamp}.xlsx", written


def team_of(user, params: str):
    """The team named by ``team=<id>`` in ``params`` if the person may see it, else ``None``."""
    team_id = QueryDict(params).get("team", "")
    pk = parse_id(team_id)
    if pk is None:
        return None
    return permissions.visible_teams(user).filter(pk=pk).first()


def write_team_plan_pdfs(job: ExportJob, output) -> tuple[str, int]:
    """The live safety plan of every active system of a team, one PDF each, in a ZIP file.

    The PDFs are the reviews app's (the same document as the plan's page and its PDF link).
    """
    from apps.reminders.services import set_export_progress
    from apps.reviews.pdf import render_plan_pdf
    from apps.reviews.views import live_document_context

    team = team_of(job.user, job.params)
    systems = (
        list(
            AISystem.objects.visible_to(job.user)
            .active()
            .filter(team=team)
            .select_related("team", "business_owner", "technical_owner")
            .order_by("name", "pk")
        )
        if team
        else []
    )
    stamp = timezone.localtime(job.created_at).strftime("%Y-%m-%d")
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, system in enumerate(systems, start=1):
            name = f"{system.reference}-{slugify(system.name)}-safety-plan-{stamp}.pdf"
            archive.writestr(name, render_plan_pdf(live_document_context(system)))
            set_export_progress(job, min(99, done * 100 // len(systems)))
    return f"{team.slug if team else 'team'}-safety-plans-{stamp}.zip", len(systems)


def validate(kind: str, user, params: str) -> None:
    """Refuse, before queueing, an export the person may not ask for."""
    if kind == ExportKind.TEAM_PLAN_PDFS and team_of(user, params) is None:
        raise ValidationError("Choose one of your teams.")


WRITERS = {
    ExportKind.REGISTER_XLSX: write_register_xlsx,
    ExportKind.TEAM_PLAN_PDFS: write_team_plan_pdfs,
}
