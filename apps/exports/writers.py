"""The files that long export jobs write (run by :func:`apps.exports.jobs.run_export`).

Each writer takes the job, a binary file to write into and a ``progress`` function to call with
the per cent done as it goes, and returns ``(file name, row count)``. The register is written by
the register's one exporter (the page CSV's columns) through the shared XLSX writer of
:mod:`apps.core.api.exports`; the safety plans are the reviews app's PDFs.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts import permissions
from apps.core import replica
from apps.core.api.exports import write_xlsx
from apps.core.ids import parse_id
from apps.exports.models import ExportJob, ExportKind
from apps.reviews.pdf import render_plan_pdf
from apps.reviews.plan import live_document_context
from apps.risks.api.exports import RegisterPageExporter
from apps.risks.filters import RiskFilterSet
from apps.systems.models import AISystem

# Rows read from the database at a time, and between two progress reports.
CHUNK_SIZE = 2000

Progress = Callable[[int], None]


def register_queryset(user, params: str):
    """The register's rows as the person saw them: their filters, over the risks they may see.

    Evaluated when the job runs, so a person who lost access since asking gets only what they
    may see now (nothing, if their account was deactivated).
    """
    filterset = RiskFilterSet(
        QueryDict(params),
        queryset=RegisterPageExporter.get_queryset(user),
        request=SimpleNamespace(user=user),
    )
    return filterset.qs


def write_register_xlsx(job: ExportJob, output, progress: Progress) -> tuple[str, int]:
    """The filtered register as an XLSX workbook for people to read: the page CSV's columns
    with a bold, frozen header, dates as the spreadsheet's dates (in local time), written row
    by row."""
    # An auditor's register is read from the replica when there is one (apps.core.replica).
    queryset = register_queryset(job.user, job.params)
    queryset = queryset.using(replica.alias_for(job.user))
    total = max(queryset.count(), 1)
    written = write_xlsx(
        RegisterPageExporter,
        queryset,
        output,
        local_dates=True,
        frozen_header=True,
        describe_columns=False,
        # Saving the workbook is the last step: stay below 100 until the file exists.
        progress=lambda rows: progress(min(99, rows * 100 // total)),
        progress_every=CHUNK_SIZE,
    )
    stamp = timezone.localtime(job.created_at).strftime("%Y-%m-%d-%H%M")
    return f"risk-register-{stamp}.xlsx", written


def team_of(user, params: str):
    """The team named by ``team=<id>`` in ``params`` if the person may see it, else ``None``."""
    pk = parse_id(QueryDict(params).get("team", ""))
    if pk is None:
        return None
    return permissions.visible_teams(user).filter(pk=pk).first()


def write_team_plan_pdfs(job: ExportJob, output, progress: Progress) -> tuple[str, int]:
    """The live safety plan of every active system of a team, one PDF each, in a ZIP file.

    The PDFs are the reviews app's (the same document as the plan's page and its PDF link).
    """
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
            progress(min(99, done * 100 // len(systems)))
    return f"{team.slug if team else 'team'}-safety-plans-{stamp}.zip", len(systems)


def validate(kind: str, user, params: str) -> None:
    """Refuse, before queueing, an export the person may not ask for."""
    if kind == ExportKind.TEAM_PLAN_PDFS and team_of(user, params) is None:
        raise ValidationError("Choose one of your teams.")


WRITERS = {
    ExportKind.REGISTER_XLSX: write_register_xlsx,
    ExportKind.TEAM_PLAN_PDFS: write_team_plan_pdfs,
}
