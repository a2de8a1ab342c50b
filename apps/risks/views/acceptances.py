"""Risk acceptances: the team asks, a committee member (four eyes) decides."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView

from apps.accounts import permissions as roles
from apps.core import selectors as core_selectors
from apps.core.views.generic import (
    FilteredListView,
    ObjectHistoryView,
    ServiceFormView,
    add_service_errors,
)
from apps.risks import permissions, selectors, services
from apps.risks.forms import AcceptanceDecisionForm, AcceptanceRequestForm
from apps.risks.models import AcceptanceStatus, RiskAcceptance
from apps.risks.views.register import RiskObjectMixin


class AcceptanceFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AcceptanceStatus.choices, empty_label="Any status")
    mine_to_decide = django_filters.BooleanFilter(
        method="filter_mine_to_decide",
        label="Waiting for me",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = RiskAcceptance
        fields = []

    def filter_mine_to_decide(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        return (
            queryset.filter(status=AcceptanceStatus.PENDING)
            .exclude(requested_by=user)
            .exclude(risk__system__business_owner=user)
            .exclude(risk__system__technical_owner=user)
        )


class AcceptanceObjectMixin:
    def get_acceptance(self) -> RiskAcceptance:
        if not hasattr(self, "_acceptance"):
            self._acceptance = get_object_or_404(
                selectors.acceptance_list(self.request.user), pk=self.kwargs["pk"]
            )
        return self._acceptance


class AcceptanceRequestView(RiskObjectMixin, ServiceFormView):
    template_name = "risks/acceptance_request.html"
    form_class = AcceptanceRequestForm
    success_message = "{obj.reference} is sent to the committee for a decision."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_edit_risk(
            request.user, self.get_risk()
        ):
            raise PermissionDenied("Only contributors of the system's team can request this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["risk"] = self.get_risk()
        return context

    def perform(self, form):
        return services.request_acceptance(
            risk=self.get_risk(),
            by=self.request.user,
            rationale=form.cleaned_data["rationale"],
            expires_on=form.cleaned_data["expires_on"],
        )


class AcceptanceListView(FilteredListView):
    """The committee's queue (pending first) and every acceptance the user may see."""

    filterset_class = AcceptanceFilterSet
    template_name = "risks/acceptance_list.html"
    partial_template_name = "risks/_acceptance_results.html"

    def get_base_queryset(self):
        return selectors.acceptance_list(self.request.user)

    def get_queryset(self):
        # Pending requests first, then the rest by expiry.
        return (
            super()
            .get_queryset()
            .annotate(
                pending_first=Case(
                    When(status=AcceptanceStatus.PENDING, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("pending_first", "expires_on", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_expire"] = roles.may_write(self.request.user) and (
            self.request.user.is_committee_member or self.request.user.is_superuser
        )
        return context


class AcceptanceDetailView(LoginRequiredMixin, AcceptanceObjectMixin, DetailView):
    """Reads the request; a committee member who may decide gets the decision form."""

    template_name = "risks/acceptance_detail.html"
    context_object_name = "acceptance"

    def get_object(self, queryset=None):
        return self.get_acceptance()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        acceptance = self.object
        user = self.request.user
        context["risk"] = acceptance.risk
        context["can_decide"] = (
            acceptance.status == AcceptanceStatus.PENDING
            and permissions.can_decide_acceptance(user, acceptance)
        )
        context["can_withdraw"] = acceptance.status == AcceptanceStatus.PENDING and (
            permissions.can_edit_risk(user, acceptance.risk)
        )
        context.setdefault("form", AcceptanceDecisionForm())
        context["history"] = core_selectors.history_of(acceptance)[:20]
        return context

    def post(self, request, *args, **kwargs):
        """The committee member's decision."""
        self.object = acceptance = self.get_acceptance()
        refusal = permissions.why_cannot_decide_acceptance(request.user, acceptance)
        if refusal:
            raise PermissionDenied(refusal)
        form = AcceptanceDecisionForm(request.POST)
        if form.is_valid():
            try:
                acceptance = services.decide_acceptance(
                    acceptance=acceptance,
                    by=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{acceptance.reference} is {acceptance.get_status_display().lower()}.",
                )
                return redirect(acceptance.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AcceptanceWithdrawView(LoginRequiredMixin, AcceptanceObjectMixin, View):
    def post(self, request, pk):
        acceptance = self.get_acceptance()
        if not permissions.can_edit_risk(request.user, acceptance.risk):
            raise PermissionDenied("You cannot withdraw this acceptance.")
        try:
            services.withdraw_acceptance(acceptance=acceptance, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{acceptance.reference} is withdrawn.")
        return redirect(acceptance.risk.get_absolute_url())


class AcceptanceExpireView(LoginRequiredMixin, View):
    """Runs the expiry now (the daily job does it too): expired acceptances re-open risks."""

    def post(self, request):
        user = request.user
        if not (roles.may_write(user) and (user.is_committee_member or user.is_superuser)):
            raise PermissionDenied("Committee members and administrators run the expiry.")
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


class AcceptanceHistoryView(AcceptanceObjectMixin, ObjectHistoryView):
    def get_object(self):
        return self.get_acceptance()
