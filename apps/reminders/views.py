"""Notifications (the bell) and the digest preference: thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from apps.core.views.generic import PaginationMixin
from apps.reminders import selectors, services
from apps.reminders.forms import DigestPreferenceForm


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
            messages.error(request, "Choose daily, weekly, immediately or off.")
        return redirect("accounts:profile")
