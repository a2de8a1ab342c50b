"""Submitting a system's safety plan to the committee: the kind of review and its reviewers.

The service freezes the live plan as the next version; what blocks it (an open checklist item,
an untreated Critical risk) is shown on the form.
"""

from __future__ import annotations

from apps.core.views.generic import ServiceFormView
from apps.reviews import selectors, services
from apps.reviews.forms import SubmitPlanForm
from apps.reviews.models import ReviewKind, ReviewStatus
from apps.reviews.views.plans import SystemPlanPage


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
        """A system with an approved plan is due its periodic review; otherwise the initial one."""
        has_approved = self.object.reviews.filter(status=ReviewStatus.APPROVED).exists()
        return {"kind": ReviewKind.PERIODIC if has_approved else ReviewKind.INITIAL}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = selectors.plan_status(self.object)
        context["checklist"] = selectors.checklist_of(self.object)
        return context

    def perform(self, form):
        return services.submit_safety_plan(
            system=self.object,
            by=self.request.user,
            kind=form.cleaned_data["kind"],
            reviewers=form.cleaned_data["reviewers"],
        )
