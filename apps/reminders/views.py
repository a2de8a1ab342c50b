"""Notifications (the bell), the digest preference and the committee's escalations: thin
views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from apps.core.views.generic import ObjectListView, PaginationMixin
from apps.reminders import permissions, selectors, services
from apps.reminders.filters import EscalationFilterSet
from apps.reminders.forms import DigestPreferenceForm
from apps.reminders.models import ReminderSettings


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
        context["can_view_escalations"] = permissions.can_view_escalations(self.request.user)
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
            messages.error(request, "Choose daily, weekly, immediately or off.")
        return redirect("accounts:profile")


# --- Escalations ----------------------------------------------------------------------------------
class EscalationListView(ObjectListView):
    """The items escalated to the committee, newest day first: where a committee member's daily
    reminder of escalations leads (``?escalated_on=`` that day). For those who read every team."""

    filterset_class = EscalationFilterSet
    permission_action = "view_escalations"
    template_name = "reminders/escalations.html"
    partial_template_name = "reminders/_escalations_results.html"
    paginate_by = 50

    def get_base_queryset(self):
        return selectors.escalations()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["escalate_after_days"] = ReminderSettings.load().escalate_after_days
        return context
