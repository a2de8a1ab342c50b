"""Long export jobs: ask for one, watch its progress, download its file. Each job is its
owner's alone: anyone else's is a 404 (:func:`apps.exports.selectors.export_jobs_for`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.accounts import permissions
from apps.core.files import stored_file_response
from apps.core.views.generic import ObjectMixin, PaginationMixin
from apps.exports import selectors, services
from apps.exports.models import ExportKind


class ExportListView(LoginRequiredMixin, PaginationMixin, ListView):
    """My export jobs of the last day, and the form to export a team's plans."""

    template_name = "exports/list.html"
    context_object_name = "jobs"

    def get_queryset(self):
        return selectors.export_jobs_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["teams"] = permissions.visible_teams(self.request.user).order_by("name")
        return context


class ExportStartView(LoginRequiredMixin, View):
    """POST: queue the register as XLSX with the register's current filters."""

    kind = ExportKind.REGISTER_XLSX

    def params(self, request) -> str:
        return request.POST.get("params", "")

    def post(self, request):
        try:
            job = services.start_export(
                user=request.user, kind=self.kind, params=self.params(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("exports:list")
        return redirect(job.get_absolute_url())


class TeamPlansExportStartView(ExportStartView):
    """POST ``team``: queue the safety plans of a team's systems as PDFs in a ZIP file."""

    kind = ExportKind.TEAM_PLAN_PDFS

    def params(self, request) -> str:
        return f"team={request.POST.get('team', '')}"


class ExportView(ObjectMixin, TemplateView):
    """The job's progress; htmx polls the status fragment every 2 seconds while it runs."""

    selector = staticmethod(selectors.export_jobs_for)
    record_name = "job"
    template_name = "exports/detail.html"

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return ["exports/_status.html"]
        return [self.template_name]


class ExportDownloadView(ObjectMixin, View):
    """The finished file, to the person who asked for it only."""

    selector = staticmethod(selectors.export_jobs_for)

    def get(self, request, *args, **kwargs):
        job = self.object
        if job.is_expired:
            return HttpResponse("This export has expired; start a new one.", status=410)
        if not job.is_downloadable:
            raise Http404("This export is not ready.")
        # Streamed from the disk or the bucket, or a short-lived signed URL (apps.core.files).
        return stored_file_response(job.file, filename=job.file.name.rsplit("/", 1)[-1])
