"""Links from the audit log: each audited part of a review resolved to the page that shows it.

The part is found among those of the systems the person may see (another team's is a 404, as
on every page), then the person is sent on to its page.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.views import View

from apps.core.views.generic import ObjectMixin
from apps.reviews import selectors
from apps.reviews.models import ChecklistItem, Decision, PlanVersion, ReviewerAssignment


class _LinkView(ObjectMixin, View):
    http_method_names = ["get", "head"]

    def get_visible_queryset(self):
        return selectors.parts_visible_to(self.model, self.request.user)

    def target(self, obj) -> str:
        return obj.get_absolute_url()

    def get(self, request, *args, **kwargs):
        return redirect(self.target(self.object))


class VersionLinkView(_LinkView):
    model = PlanVersion


class DecisionLinkView(_LinkView):
    model = Decision

    def target(self, decision):
        return decision.review.get_absolute_url() + f"#decision-{decision.pk}"


class AssignmentLinkView(_LinkView):
    model = ReviewerAssignment

    def target(self, assignment):
        return assignment.review.get_absolute_url() + "#reviewers"


class ChecklistItemLinkView(_LinkView):
    model = ChecklistItem
