"""Notifications (the bell), the digest preference and long export jobs: thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, ListView

from apps.accounts import permissions
from apps.core.views.generic import PaginationMixin
from apps.reminders import selectors, services
from apps.reminders.forms import DigestPreferenceForm
from apps.reminders.models import ExportKind


def _is_htmx(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


# --- Notifications --------------------------------------------------------------------------------
class NotificationListView(LoginRequiredMixin, PaginationMixin, ListView):
    """My notifications, newest first; ``?unread=1`` for the unread ones only."""

    template_name = "reminders/notifications.html"
    context_object_name = "notifications"

    def get_queryset(self):
        return selectors.notifications_for(
            self.request.user, unread_only=self.request.GET.get("unread") == "1"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread_only"] = self.request.GET.get("unread") == "1"
        return context


class NotificationReadView(LoginRequiredMixin, View):
    """POST: mark one of my notifications as read (someone else's is a 404)."""

    def post(self, request, pk):
        notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
        services.mark_notification_read(notification=notification, by=request.user)
        if _is_htmx(request):
            return render(
                request,
                "reminders/_notification_read_response.html",
                {"notification": notification},
            )
        return redirect("reminders:notifications")


class NotificationReadAllView(LoginRequiredMixin, View):
    """POST: mark all my notifications as read."""

    def post(self, request):
        count = services.mark_all_notifications_read(by=request.user)
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked as read."
        )
        return redirect("reminders:notifications")


class DigestPreferenceView(LoginRequiredMixin, View):
    """POST from the profile page: daily, weekly or no digest e-mail."""

    def post(self, request):
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            services.set_digest_preference(user=request.user, digest=form.cleaned_data["digest"])
            messages.success(request, "Your e-mail digest preference is saved.")
        else:
            messages.error(request, "Choose daily, weekly or off.")
        return redirect("accounts:profile")


# --- Export jobs ----------------------------------------------------------------------------------
class ExportListView(LoginRequiredMixin, PaginationMixin, ListView):
    """My export jobs of the last day, and the form to export a team's plans."""

    template_name = "reminders/export_list.html"
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
            return redirect("reminders:export_list")
        return redirect(job.get_absolute_url())


class TeamPlansExportStartView(ExportStartView):
    """POST ``team``: queue the safety plans of a team's systems as PDFs in a ZIP file."""

    kind = ExportKind.TEAM_PLAN_PDFS

    def params(self, request) -> str:
        return f"team={request.POST.get('team', '')}"


class ExportDetailView(LoginRequiredMixin, DetailView):
    """The job's progress; htmx polls the status fragment every 2 seconds while it runs."""

    template_name = "reminders/export_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return selectors.export_jobs_for(self.request.user)

    def get_template_names(self):
        if _is_htmx(self.request):
            return ["reminders/_export_status.html"]
        return [self.template_name]


class ExportDownloadView(LoginRequiredMixin, View):
    """The finished file, to the person who asked for it only."""

    def get(self, request, pk):
        job = get_object_or_404(selectors.export_jobs_for(request.user), pk=pk)
        if job.is_expired:
            return HttpResponse("This export has expired; start a new one.", status=410)
        if not job.is_downloadable:
            raise Http404("This export is not ready.")
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1],
        )
