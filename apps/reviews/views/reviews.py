"""The committee's reviews: the list and its CSV, the queue, each review's page and what is done
on it (decide, resubmit, withdraw, assign reviewers), and its history.

A decision or a reviewer refused by the service comes back to the review's page, with the
problem next to the fields (400); from the queue (htmx) a decision swaps its entry instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from apps.core.views.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    add_service_errors,
)
from apps.reviews import permissions, selectors, services, subjects
from apps.reviews.api.exports import ReviewExporter
from apps.reviews.filters import ReviewFilterSet
from apps.reviews.forms import AssignReviewersForm, DecisionForm
from apps.reviews.models import Decision, Review, ReviewStatus


# --- The list, its CSV and the committee's queue --------------------------------------------------
class ReviewListView(ObjectListView):
    model = Review
    selector = staticmethod(selectors.review_list)
    filterset_class = ReviewFilterSet
    template_name = "reviews/list.html"
    partial_template_name = "reviews/_list_results.html"

    def get_extra_context(self):
        return {"queue_count": selectors.queue_count(self.request.user)}


class ReviewExportView(ObjectExportView):
    """Exactly the rows of the filtered review list, as CSV, streamed."""

    exporter = ReviewExporter
    filterset_class = ReviewFilterSet


def decision_options(review: Review, user) -> dict:
    """Whose vote the person may still cast on the current version: their own (if they review
    the plan and have not decided) and that of each reviewer they stand in for today."""
    voted = {
        d.voter_id
        for d in Decision.objects.filter(version_id=review.current_version_id).only(
            "reviewer_id", "on_behalf_of_id"
        )
    }
    assigned = review.assignments.filter(reviewer=user).exists()
    return {
        "for_myself": assigned and user.pk not in voted,
        "acting_for": [h for h in selectors.acting_for(user, review) if h.pk not in voted],
    }


def decision_form(review: Review, user, data=None, *, prefix_id="decision") -> DecisionForm:
    return DecisionForm(
        data,
        initial={"version": review.current_version.number},
        prefix_id=prefix_id,
        with_conditions=not review.is_document_review,
        **decision_options(review, user),
    )


def document_context(review: Review) -> dict:
    """For the review of a document: the document, its words, and the template its app
    registered to show it (``subject_template`` is "" when no installed app registered the
    kind: the page then names the document only). Empty for a safety plan's review."""
    if not review.is_document_review:
        return {}
    registered = subjects.registered(review.kind)
    return {
        "subject": review.subject,
        "subject_description": subjects.describe(review),
        "subject_template": registered.template if registered else "",
    }


def queue_item_context(review: Review, user, *, form=None, notice=None) -> dict:
    """One entry of the committee's queue (also the htmx fragment after a decision)."""
    version = review.current_version
    my_decision = Decision.objects.filter(version=version, reviewer=user).first()
    options = decision_options(review, user)
    return {
        "review": review,
        "version": version,
        "last_approved": selectors.last_approved_version(review.system, before=version.number),
        "previous": selectors.previous_version(version),
        "form": form or decision_form(review, user, prefix_id=f"rev{review.pk}"),
        **document_context(review),
        "can_decide": review.status == ReviewStatus.PENDING
        and permissions.can_decide_review(user, review)
        and (options["for_myself"] or bool(options["acting_for"])),
        "my_decision": my_decision,
        "notice": notice,
    }


class ReviewQueueView(ObjectListView):
    """The committee's queue: what waits for me, overdue first, with the buttons to decide."""

    model = Review
    selector = staticmethod(selectors.review_queue)
    permission_action = "see_review_queue"
    template_name = "reviews/queue.html"
    context_object_name = "reviews"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = [
            queue_item_context(review, self.request.user) for review in context["page_obj"]
        ]
        return context


# --- A review -------------------------------------------------------------------------------------
class ReviewView(ObjectView):
    """The review: its versions, reviewers, every decision and comment, and what to do next.

    ``decision_form`` and ``assign_form`` are the forms a refused POST shows again
    (:func:`refused_on_review_page`); by default empty ones.
    """

    model = Review
    selector = staticmethod(selectors.review_detail)
    record_name = "review"
    template_name = "reviews/detail.html"
    decision_form = None
    assign_form = None

    def get_history(self, obj):
        return selectors.history_of_review(obj)

    def get_extra_context(self):
        review, user = self.object, self.request.user
        decisions = selectors.decisions_of(review)
        current = review.current_version
        assignments = selectors.assignments_of(review)
        decided_now = {d.voter_id: d for d in decisions if d.version_id == current.pk}
        can_submit = permissions.can_submit_safety_plan(user, review.system)
        options = decision_options(review, user)
        seat_rows = selectors.seat_progress(review, decisions)
        return {
            "system": review.system,
            "version": current,
            "versions": selectors.versions_of(review),
            "decisions": decisions,
            "reviewer_rows": [
                {"assignment": a, "decision": decided_now.get(a.reviewer_id)} for a in assignments
            ],
            "approvals": sum(1 for d in decided_now.values() if d.outcome == "approve"),
            "seat_rows": seat_rows,
            "seats_needed": [row["seat"] for row in seat_rows if row["decision"] is None],
            "previous": selectors.previous_version(current),
            "last_approved": selectors.last_approved_version(review.system, before=current.number),
            "can_decide": review.status == ReviewStatus.PENDING
            and permissions.can_decide_review(user, review)
            and (options["for_myself"] or bool(options["acting_for"])),
            "decision_form": self.decision_form or decision_form(review, user),
            "can_resubmit": review.status == ReviewStatus.CHANGES_REQUESTED and can_submit,
            "can_withdraw": review.is_open and can_submit,
            "assign_form": self.get_assign_form(review, assignments),
            "document_versions": selectors.document_versions(review)
            if review.is_document_review
            else None,
            **document_context(review),
        }

    def get_assign_form(self, review: Review, assignments) -> AssignReviewersForm | None:
        """The form to ask more reviewers, for those who may (none otherwise)."""
        if not (review.is_open and permissions.can_assign_reviewers(self.request.user, review)):
            return None
        if self.assign_form is not None:
            return self.assign_form
        reviewers = selectors.eligible_reviewers(review, selectors.submitter_ids(review))
        return AssignReviewersForm(
            reviewers=reviewers.exclude(pk__in=[a.reviewer_id for a in assignments])
        )


def refused_on_review_page(request, review: Review, **forms):
    """The review's page again, with the refused form (``decision_form`` or ``assign_form``)
    showing what is wrong: a 400."""
    view = ReviewView(request=request, kwargs={"pk": review.pk}, **forms)
    view.object = review
    return view.render_to_response(view.get_context_data(), status=400)


def decision_notice(decision: Decision, review: Review) -> str:
    """What the reviewer is told after deciding: what they did, and where the review is now."""
    done = f"You {decision.outcome_verb} version {decision.version.number} of {review.reference}"
    if review.status == ReviewStatus.CHANGES_REQUESTED:
        return f"{done}: it goes back to the team for changes."
    return f"{done}: it is now {review.get_status_display().lower()}."


class DecideView(ObjectMixin, View):
    """POST a decision. From the queue (htmx) the entry is swapped for its new state; otherwise
    back to the review's page (or its form, with the problem shown)."""

    model = Review
    selector = staticmethod(selectors.review_detail)
    action = "decide"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.object
        from_queue = request.POST.get("from") == "queue"
        form = decision_form(
            review,
            request.user,
            request.POST,
            prefix_id=f"rev{review.pk}" if from_queue else "decision",
        )
        if form.is_valid():
            try:
                decision = services.decide_review(
                    review=review, reviewer=request.user, **form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self.decided(decision, from_queue)
        if request.htmx:
            # 200 so that htmx swaps the entry in with the problem next to the fields.
            context = queue_item_context(review, request.user, form=form)
            return render(request, "reviews/_queue_item.html", context)
        return refused_on_review_page(request, review, decision_form=form)

    def decided(self, decision: Decision, from_queue: bool):
        review = self.object
        review.refresh_from_db()
        text = decision_notice(decision, review)
        if self.request.htmx:
            context = queue_item_context(review, self.request.user, notice=text)
            return render(self.request, "reviews/_queue_item.html", context)
        messages.success(self.request, text)
        return redirect("reviews:queue" if from_queue else review.get_absolute_url())


class ResubmitView(ObjectActionView):
    """The team sends the revised plan back to the committee as a new version."""

    model = Review
    selector = staticmethod(selectors.review_detail)
    action = "resubmit"

    def act(self, review):
        if review.is_document_review:
            # The new version is a new document: submitted from its page, by its app.
            messages.error(
                self.request,
                f"{review.reference} reviews the {review.document_name}: make its new version "
                "and submit it from the document's page.",
            )
            return ""
        try:
            review = services.resubmit_safety_plan(review=review, by=self.request.user)
        except ValidationError as error:
            # Each problem that blocks the new version (an open checklist item…) is shown apart.
            for text in error.messages:
                messages.error(self.request, text)
            return ""
        return f"Version {review.current_version.number} of the plan is with the committee."


class WithdrawView(ObjectActionView):
    model = Review
    selector = staticmethod(selectors.review_detail)
    action = "withdraw"

    def act(self, review):
        reason = self.request.POST.get("reason", "")
        services.withdraw_review(review=review, by=self.request.user, reason=reason)
        return f"{review.reference} is withdrawn."


class AssignReviewersView(ObjectMixin, View):
    model = Review
    selector = staticmethod(selectors.review_detail)
    action = "assign"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.object
        reviewers = selectors.eligible_reviewers(review, selectors.submitter_ids(review))
        form = AssignReviewersForm(request.POST, reviewers=reviewers)
        if form.is_valid():
            try:
                assignments = services.assign_reviewers(
                    review=review, by=request.user, reviewers=form.cleaned_data["reviewers"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                names = ", ".join(str(a.reviewer) for a in assignments)
                verb = "reviews" if len(assignments) == 1 else "review"
                messages.success(request, f"{names} now {verb} {review.reference}.")
                return redirect(review.get_absolute_url())
        return refused_on_review_page(request, review, assign_form=form)


class ReviewHistoryView(ObjectHistoryView):
    """The review's changes, with its versions, reviewers and decisions."""

    model = Review
    selector = staticmethod(selectors.review_detail)

    def get_history(self, obj):
        return selectors.history_of_review(obj)
