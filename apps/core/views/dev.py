"""``/dev/outbox/``: the e-mails the app sent while developing (:mod:`apps.core.devmail`).

Only with ``DEBUG`` on (a 404 otherwise, whoever asks). Signed-in people see the e-mails sent
to their own address; staff see every e-mail (a password-reset link to someone else is not for
everyone's eyes, even on a developer's machine).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.core import devmail
from apps.core.views.generic import PaginationMixin


class DevOutboxMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404("The development outbox exists only with DEBUG on.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def sees_everything(self) -> bool:
        user = self.request.user
        return user.is_active and user.is_staff

    def get_message(self, name: str) -> devmail.StoredEmail:
        message = devmail.stored_email(name)
        if message is None or not (self.sees_everything or message.is_for(self.request.user.email)):
            raise Http404("No such e-mail.")
        return message


class DevOutboxView(DevOutboxMixin, PaginationMixin, ListView):
    template_name = "core/dev_outbox.html"
    context_object_name = "messages_sent"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return devmail.stored_emails(
            for_address=None if self.sees_everything else self.request.user.email
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sees_everything"] = self.sees_everything
        context["folder"] = devmail.folder()
        context["backend_is_dev_outbox"] = settings.EMAIL_BACKEND == (
            "apps.core.devmail.DevOutboxBackend"
        )
        return context


class DevOutboxMessageView(DevOutboxMixin, TemplateView):
    template_name = "core/dev_outbox_message.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["message"] = self.get_message(kwargs["name"])
        return context


class DevOutboxHtmlView(DevOutboxMixin, View):
    """The message's HTML part as a page of its own, sandboxed: no script runs, nothing loads
    from elsewhere."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, name):
        message = self.get_message(name)
        if message.html is None:
            raise Http404("This e-mail has no HTML part.")
        response = HttpResponse(message.html, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
