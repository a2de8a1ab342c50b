"""Exceptions for blocking obligations: the team asks, a committee member (four eyes)
decides, the team may withdraw a request not yet decided; they lapse on their date."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from apps.compliance import permissions, selectors, services
from apps.compliance.forms import ExceptionDecisionForm, ExceptionRequestForm
from apps.compliance.models import AcceptanceStatus, Obligation, ObligationException
from apps.compliance.views.obligations import can_request_exception
from apps.core.views.generic import (
    DecisionView,
    ObjectActionView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ServiceFormView,
)


def exceptions_visible_to(user):
    return ObligationException.objects.visible_to(user).select_related(
        "obligation",
        "obligation__system",
        "obligation__system__team",
        "obligation__requirement",
        "requested_by",
        "decided_by",
    )


def exception_queue(user):
    """Pending requests first (oldest first), then the others, newest first."""
    pending = Case(
        When(status=AcceptanceStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return exceptions_visible_to(user).order_by(pending, "-requested_at", "-pk")


class ExceptionRequestView(ObjectMixin, ServiceFormView):
    """The team asks the committee to let the system go ahead before a blocking obligation is
    met, until a date."""

    model = Obligation
    selector = staticmethod(selectors.obligation_detail)
    action = "request_exception"
    template_name = "compliance/exception_request.html"
    form_class = ExceptionRequestForm
    success_message = "{obj.reference} is sent to the committee for a decision."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obligation = self.object
        live = (
            obligation.exceptions.filter(
                status__in=[AcceptanceStatus.PENDING, AcceptanceStatus.APPROVED]
            )
            .order_by("-requested_at")
            .first()
        )
        context["live_exception"] = live
        context["needs_exception"] = can_request_exception(self.request.user, obligation, live)
        return context

    def perform(self, form):
        return services.request_exception(
            obligation=self.object,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            expires_on=form.cleaned_data["expires_on"],
        )


class ExceptionListView(ObjectListView):
    """The committee's queue (pending first) and every exception the person may see."""

    model = ObligationException
    selector = staticmethod(exception_queue)
    template_name = "compliance/exception_list.html"
    partial_template_name = "compliance/_exception_results.html"


class ExceptionView(DecisionView):
    """Everyone who may see the obligation reads the request; a committee member who may decide
    gets the decision form, and POSTs the decision."""

    model = ObligationException
    selector = staticmethod(exceptions_visible_to)
    record_name = "exception"
    decision_form_class = ExceptionDecisionForm
    template_name = "compliance/exception_detail.html"

    def get_extra_context(self):
        user, exception = self.request.user, self.object
        pending = exception.status == AcceptanceStatus.PENDING
        return {
            "obligation": exception.obligation,
            "pending": pending,
            "can_decide": pending and permissions.can_decide_exception(user, exception),
            "can_withdraw": pending and permissions.can_withdraw_exception(user, exception),
        }

    def decide(self, record, **decision):
        return services.decide_exception(exception=record, **decision)


class ExceptionWithdrawView(ObjectActionView):
    model = ObligationException
    selector = staticmethod(exceptions_visible_to)
    action = "withdraw"

    def act(self, exception):
        services.withdraw_exception(exception=exception, by=self.request.user)
        return f"{exception.reference} is withdrawn."

    def get_success_url(self, exception):
        return exception.obligation.get_absolute_url()


class ExceptionHistoryView(ObjectHistoryView):
    model = ObligationException
    selector = staticmethod(exceptions_visible_to)
