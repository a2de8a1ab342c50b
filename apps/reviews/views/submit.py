"""Submitting a system's safety plan to the committee: the kind of review and its reviewers.

The service freezes the live plan as the next version; what blocks it (an open checklist item,
an untreated Critical risk) is shown on the form.
"""

from __future__ import annotations

from django.utils.functional import cached_property

from apps.core.views.generic import ServiceFormView
from apps.reviews import selectors, services
from apps.reviews.forms import SubmitPlanForm
from apps.reviews.models import PLAN_KINDS, ReviewKind, ReviewSettings, ReviewStatus
from apps.reviews.views.plans import SystemPlanPage
from apps.systems import selectors as system_selectors


class SubmitPlanView(SystemPlanPage, ServiceFormView):
    action = "submit_plan"
    template_name = "reviews/submit.html"
    form_class = SubmitPlanForm
    success_message = (
        "{obj.reference}: version {obj.current_version.number} of the plan is with the committee."
    )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["reviewers"] = selectors.eligible_reviewers(self.object, {self.request.user.pk})
        return kwargs

    def get_initial(self):
        """A system with an approved plan is due its periodic review, or a change review when
        new versions wait for one; otherwise the initial one."""
        has_approved = self.object.reviews.filter(
            status=ReviewStatus.APPROVED, kind__in=PLAN_KINDS
        ).exists()
        if not has_approved:
            return {"kind": ReviewKind.INITIAL}
        if self.request.GET.get("kind") == ReviewKind.CHANGE or self.pending_versions:
            return {"kind": ReviewKind.CHANGE}
        return {"kind": ReviewKind.PERIODIC}

    @cached_property
    def pending_versions(self):
        return list(system_selectors.pending_versions(self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = selectors.plan_status(self.object)
        context["pending_versions"] = self.pending_versions
        context["checklist"] = selectors.checklist_of(self.object)
        context["required_seats"] = selectors.required_seats(self.object.criticality)
        # Too few committee members may review this plan: say so (and who fixes it) up front.
        context["reviewer_shortage"] = services.reviewer_shortage(
            required=ReviewSettings.load().approvals_required(self.object.criticality),
            available=len(context["form"].fields["reviewers"].queryset),
            criticality=self.object.criticality,
        )
        return context

    def check_with_service(self, form):
        """What the service would refuse besides the form's own errors (a kind not chosen is
        checked as the one the system is due)."""
        services.check_submission(
            system=self.object,
            by=self.request.user,
            kind=form.cleaned_data.get("kind") or self.get_initial()["kind"],
            reviewers=form.cleaned_data.get("reviewers", []),
        )

    def perform(self, form):
        return services.submit_safety_plan(
            system=self.object,
            by=self.request.user,
            kind=form.cleaned_data["kind"],
            reviewers=form.cleaned_data["reviewers"],
        )
