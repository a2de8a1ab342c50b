"""Risk acceptances: the team asks, a committee member (four eyes) decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views import View

from apps.core import rules
from apps.core.views.generic import (
    DecisionView,
    ObjectActionView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ServiceFormView,
)
from apps.risks import permissions, selectors, services
from apps.risks.filters import AcceptanceFilterSet
from apps.risks.forms import AcceptanceDecisionForm, AcceptanceRequestForm
from apps.risks.models import AcceptanceStatus, Risk, RiskAcceptance


class AcceptanceRequestView(ObjectMixin, ServiceFormView):
    """The team asks the committee to accept one of its risks as it is, until a date."""

    model = Risk
    selector = staticmethod(selectors.risk_detail)
    action = "request_acceptance"
    template_name = "risks/acceptance_request.html"
    form_class = AcceptanceRequestForm
    success_message = "{obj.reference} is sent to the committee for a decision."

    def perform(self, form):
        return services.request_acceptance(
            risk=self.object,
            by=self.request.user,
            rationale=form.cleaned_data["rationale"],
            expires_on=form.cleaned_data["expires_on"],
        )


class AcceptanceListView(ObjectListView):
    """The committee's queue (pending first) and every acceptance the person may see."""

    model = RiskAcceptance
    selector = staticmethod(selectors.acceptance_queue)
    filterset_class = AcceptanceFilterSet
    template_name = "risks/acceptance_list.html"
    partial_template_name = "risks/_acceptance_results.html"

    def get_extra_context(self):
        return {"can_expire": permissions.can_run_expiry(self.request.user)}


class AcceptanceView(DecisionView):
    """Everyone who may see the risk reads the request; a committee member who may decide gets
    the decision form, and POSTs the decision."""

    model = RiskAcceptance
    selector = staticmethod(selectors.acceptance_list)
    record_name = "acceptance"
    decision_form_class = AcceptanceDecisionForm
    template_name = "risks/acceptance_detail.html"

    def get_extra_context(self):
        user, acceptance = self.request.user, self.object
        pending = acceptance.status == AcceptanceStatus.PENDING
        return {
            "risk": acceptance.risk,
            "pending": pending,
            "can_decide": pending and permissions.can_decide_acceptance(user, acceptance),
            "can_withdraw": pending and permissions.can_withdraw_acceptance(user, acceptance),
        }

    def decide(self, record, **decision):
        return services.decide_acceptance(acceptance=record, **decision)


class AcceptanceWithdrawView(ObjectActionView):
    model = RiskAcceptance
    selector = staticmethod(selectors.acceptance_list)
    action = "withdraw"

    def act(self, acceptance):
        services.withdraw_acceptance(acceptance=acceptance, by=self.request.user)
        return f"{acceptance.reference} is withdrawn."

    def get_success_url(self, acceptance):
        return acceptance.risk.get_absolute_url()


class AcceptanceExpireView(LoginRequiredMixin, View):
    """Runs the expiry now (the daily job does it too): expired acceptances re-open risks."""

    http_method_names = ["post"]

    def post(self, request):
        reason = rules.refusal(request.user, "expire_acceptances")
        if reason:
            raise PermissionDenied(reason)
        expired = services.expire_acceptances()
        if expired:
            messages.success(
                request,
                f"{len(expired)} acceptance{'s' if len(expired) != 1 else ''} expired; "
                "their risks are open again.",
            )
        else:
            messages.info(request, "No acceptance has passed its date.")
        return redirect("risks:acceptance_list")


class AcceptanceHistoryView(ObjectHistoryView):
    model = RiskAcceptance
    selector = staticmethod(selectors.acceptance_list)
