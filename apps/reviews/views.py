"""Pages of the review workflow: thin, calling selectors and services.

Every page finds its record among those the user may see (another team's review or system is a
404) and asks :mod:`apps.accounts.permissions` before writing (a reader gets a 403 with the
reason). The plan document has one template, used by the live plan, each frozen version and the
PDF.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from apps.core.ids import parse_id
from apps.core.models import Evidence
from apps.core.spreadsheets import spreadsheet_row
from apps.core.views.generic import (
    FilteredListView,
    ObjectHistoryView,
    PaginationMixin,
    ServiceFormView,
    add_service_errors,
)
from apps.mitigations.forms import EvidenceForm
from apps.reviews import pdf, permissions, selectors, services
from apps.reviews.filters import ReviewFilterSet
from apps.reviews.forms import (
    AssignReviewersForm,
    ChecklistItemForm,
    DecisionForm,
    SubmitPlanForm,
)
from apps.reviews.models import (
    ChecklistItem,
    ChecklistKey,
    Decision,
    PlanVersion,
    Review,
    ReviewerAssignment,
    ReviewKind,
    ReviewStatus,
)
from apps.reviews.plan import assemble_plan, compare_plans, plan_sections
from apps.systems import permissions as system_permissions
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem

HISTORY_ON_DETAIL_PAGE = 20


# --- Finding records ------------------------------------------------------------------------------
class ReviewObjectMixin:
    def get_review(self) -> Review:
        if not hasattr(self, "_review"):
            self._review = get_object_or_404(
                selectors.review_detail(self.request.user), pk=self.kwargs["pk"]
            )
        return self._review


class SystemObjectMixin:
    """The system of a plan page, among those the user may see: another team's is a 404."""

    def get_system(self) -> AISystem:
        if not hasattr(self, "_system"):
            self._system = get_object_or_404(
                system_selectors.system_detail(self.request.user), pk=self.kwargs["system_pk"]
            )
        return self._system


class VersionObjectMixin(SystemObjectMixin):
    def get_version(self) -> PlanVersion:
        if not hasattr(self, "_version"):
            try:
                self._version = selectors.version_of(self.get_system(), self.kwargs["number"])
            except PlanVersion.DoesNotExist as error:
                raise Http404("No such version of this plan.") from error
        return self._version


def _submitter_ids(review: Review) -> set[int]:
    return {review.submitted_by_id, *review.versions.values_list("submitted_by", flat=True)}


# --- The plan document ----------------------------------------------------------------------------
def document_context(
    plan: dict, *, version=None, review=None, decisions=None, system_reviews=None
) -> dict:
    """What ``reviews/_plan_document.html`` needs, on screen and in the PDF."""
    return {
        "plan": plan,
        "sections": plan_sections(plan),
        "version": version,
        "review": review,
        "decisions": decisions,
        "system_reviews": system_reviews,
        "is_live": version is None,
        "generated_at": timezone.now(),
    }


def live_document_context(system: AISystem) -> dict:
    reviews = list(
        selectors.reviews_of_system(system).prefetch_related(selectors.decision_prefetch())
    )
    return document_context(assemble_plan(system), system_reviews=reviews)


def version_document_context(version: PlanVersion) -> dict:
    return document_context(
        version.content,
        version=version,
        review=version.review,
        decisions=selectors.decisions_on(version),
    )


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class PlanView(LoginRequiredMixin, SystemObjectMixin, TemplateView):
    """The live safety plan: what would be frozen if it were submitted now."""

    template_name = "reviews/plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.get_system()
        context.update(live_document_context(system))
        context["system"] = system
        context["status"] = selectors.plan_status(system)
        context["can_submit"] = permissions.can_submit_safety_plan(self.request.user, system)
        return context


class PlanPdfView(LoginRequiredMixin, SystemObjectMixin, View):
    def get(self, request, *args, **kwargs):
        system = self.get_system()
        stamp = timezone.localdate().isoformat()
        return pdf_response(
            pdf.render_plan_pdf(live_document_context(system)),
            f"{system.reference}-safety-plan-draft-{stamp}.pdf",
        )


class VersionView(LoginRequiredMixin, VersionObjectMixin, TemplateView):
    """A frozen version: exactly what the reviewers read, with the decisions made on it."""

    template_name = "reviews/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.get_version()
        context.update(version_document_context(version))
        context["system"] = self.get_system()
        context["previous"] = selectors.previous_version(version)
        return context


class VersionPdfView(LoginRequiredMixin, VersionObjectMixin, View):
    def get(self, request, *args, **kwargs):
        version = self.get_version()
        content = pdf.render_version_pdf(version, lambda: version_document_context(version))
        return pdf_response(
            content, f"{version.system.reference}-safety-plan-v{version.number}.pdf"
        )


class CompareView(LoginRequiredMixin, VersionObjectMixin, TemplateView):
    """What changed between a version and an earlier one (by default the one before it)."""

    template_name = "reviews/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.get_version()
        against = self.request.GET.get("against", "")
        if against:
            if parse_id(against) is None:
                raise Http404("No such version to compare with.")
            try:
                older = selectors.version_of(self.get_system(), parse_id(against))
            except PlanVersion.DoesNotExist as error:
                raise Http404("No such version to compare with.") from error
        else:
            older = selectors.previous_version(version)
        context.update(
            {
                "system": self.get_system(),
                "version": version,
                "older": older,
                "diff": compare_plans(older.content, version.content) if older else None,
                "versions": PlanVersion.objects.filter(system=version.system)
                .exclude(pk=version.pk)
                .defer("content")
                .order_by("-number"),
            }
        )
        return context


# --- Reviews: list, queue, detail -----------------------------------------------------------------
class ReviewListView(FilteredListView):
    filterset_class = ReviewFilterSet
    template_name = "reviews/list.html"
    partial_template_name = "reviews/_list_results.html"

    def get_base_queryset(self):
        return selectors.review_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context["queue_count"] = selectors.queue_count(self.request.user)
        return context


class _Echo:
    def write(self, value):
        return value


EXPORT_HEADER = [
    "reference",
    "system_reference",
    "system",
    "team",
    "kind",
    "status",
    "version",
    "submitted_by",
    "submitted_at",
    "due_date",
    "approvals",
    "required_approvals",
    "closed_at",
]


def _export_lines(queryset):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_HEADER)
    for review in queryset.iterator(chunk_size=500):
        yield writer.writerow(
            spreadsheet_row(
                [
                    review.reference,
                    review.system.reference,
                    review.system.name,
                    review.system.team.name,
                    review.get_kind_display(),
                    review.get_status_display(),
                    review.current_version.number if review.current_version else "",
                    review.submitted_by.email,
                    timezone.localtime(review.submitted_at).isoformat(timespec="minutes"),
                    review.due_date.isoformat(),
                    review.approvals,
                    review.required_approvals,
                    timezone.localtime(review.closed_at).isoformat(timespec="minutes")
                    if review.closed_at
                    else "",
                ]
            )
        )


class ReviewExportView(LoginRequiredMixin, View):
    """Exactly the rows of the filtered review list, as CSV, streamed."""

    def get(self, request):
        filterset = ReviewFilterSet(
            request.GET, queryset=selectors.review_list(request.user), request=request
        )
        response = StreamingHttpResponse(
            _export_lines(filterset.qs), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="reviews-{stamp}.csv"'
        return response


def queue_item_context(review: Review, user, *, form=None, notice=None) -> dict:
    """One entry of the committee's queue (also the htmx fragment after a decision)."""
    version = review.current_version
    return {
        "review": review,
        "version": version,
        "last_approved": selectors.last_approved_version(review.system, before=version.number),
        "previous": selectors.previous_version(version),
        "form": form
        or DecisionForm(initial={"version": version.number}, prefix_id=f"rev{review.pk}"),
        "can_decide": review.status == ReviewStatus.PENDING
        and permissions.can_decide_review(user, review)
        and not Decision.objects.filter(version=version, reviewer=user).exists(),
        "my_decision": Decision.objects.filter(version=version, reviewer=user).first(),
        "notice": notice,
    }


def decision_notice(decision: Decision, review: Review) -> str:
    """What the reviewer is told after deciding: what they did, and where the review is now."""
    done = f"You {decision.outcome_verb} version {decision.version.number} of {review.reference}"
    if review.status == ReviewStatus.CHANGES_REQUESTED:
        return f"{done}: it goes back to the team for changes."
    return f"{done}: it is now {review.get_status_display().lower()}."


class ReviewQueueView(LoginRequiredMixin, PaginationMixin, ListView):
    """The committee's queue: what waits for me, overdue first, with the buttons to decide."""

    template_name = "reviews/queue.html"
    context_object_name = "reviews"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_committee_member:
            raise PermissionDenied("The review queue is the committee's.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.review_queue(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = [
            queue_item_context(review, self.request.user) for review in context["page_obj"]
        ]
        return context


class ReviewDetailView(LoginRequiredMixin, ReviewObjectMixin, DetailView):
    """The review: its versions, reviewers, every decision and comment, and what to do next."""

    template_name = "reviews/detail.html"
    context_object_name = "review"

    def get_object(self, queryset=None):
        return self.get_review()

    def get_context_data(self, decision_form=None, assign_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        review, user = self.object, self.request.user
        decisions = selectors.decisions_of(review)
        current = review.current_version
        assignments = selectors.assignments_of(review)
        decided_now = {d.reviewer_id: d for d in decisions if d.version_id == current.pk}
        can_assign = review.is_open and permissions.can_assign_reviewers(user, review)
        context.update(
            {
                "system": review.system,
                "version": current,
                "versions": selectors.versions_of(review),
                "decisions": decisions,
                "reviewer_rows": [
                    {"assignment": a, "decision": decided_now.get(a.reviewer_id)}
                    for a in assignments
                ],
                "approvals": sum(1 for d in decided_now.values() if d.outcome == "approve"),
                "previous": selectors.previous_version(current),
                "last_approved": selectors.last_approved_version(
                    review.system, before=current.number
                ),
                "can_decide": review.status == ReviewStatus.PENDING
                and permissions.can_decide_review(user, review)
                and user.pk not in decided_now,
                "decision_form": decision_form or DecisionForm(initial={"version": current.number}),
                "can_resubmit": review.status == ReviewStatus.CHANGES_REQUESTED
                and permissions.can_submit_safety_plan(user, review.system),
                "can_withdraw": review.is_open
                and permissions.can_submit_safety_plan(user, review.system),
                "assign_form": (
                    assign_form
                    or AssignReviewersForm(
                        reviewers=selectors.eligible_reviewers(
                            review, _submitter_ids(review)
                        ).exclude(pk__in=[a.reviewer_id for a in assignments])
                    )
                )
                if can_assign
                else None,
                "history": selectors.history_of_review(review)[:HISTORY_ON_DETAIL_PAGE],
            }
        )
        return context


class DecideView(LoginRequiredMixin, ReviewObjectMixin, View):
    """POST a decision. From the queue (htmx) the entry is swapped for its new state; otherwise
    back to the review's page (or its form, with the problem shown)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        refusal = permissions.why_cannot_decide_review(request.user, review)
        if refusal:
            raise PermissionDenied(refusal)
        from_queue = request.POST.get("from") == "queue"
        form = DecisionForm(request.POST, prefix_id=f"rev{review.pk}" if from_queue else "decision")
        if form.is_valid():
            try:
                decision = services.decide_review(
                    review=review,
                    reviewer=request.user,
                    decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"],
                    conditions=form.cleaned_data["conditions"],
                    version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                review.refresh_from_db()
                text = decision_notice(decision, review)
                if request.htmx:
                    return render(
                        request,
                        "reviews/_queue_item.html",
                        queue_item_context(review, request.user, notice=text),
                    )
                messages.success(request, text)
                return redirect("reviews:queue" if from_queue else review.get_absolute_url())
        if request.htmx:
            # 200 so that htmx swaps the entry in with the problem next to the fields.
            return render(
                request,
                "reviews/_queue_item.html",
                queue_item_context(review, request.user, form=form),
            )
        view = ReviewDetailView(request=request, kwargs=self.kwargs, args=args)
        view.object = review
        view._review = review
        return render(
            request,
            "reviews/detail.html",
            view.get_context_data(decision_form=form),
            status=400,
        )


class ResubmitView(LoginRequiredMixin, ReviewObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        if not permissions.can_submit_safety_plan(request.user, review.system):
            raise PermissionDenied("Only contributors of the system's team submit its safety plan.")
        try:
            review = services.resubmit_safety_plan(review=review, by=request.user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(
                request,
                f"Version {review.current_version.number} of the plan is with the committee.",
            )
        return redirect(review.get_absolute_url())


class WithdrawView(LoginRequiredMixin, ReviewObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        if not permissions.can_submit_safety_plan(request.user, review.system):
            raise PermissionDenied("Only contributors of the system's team withdraw its review.")
        try:
            services.withdraw_review(
                review=review, by=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{review.reference} is withdrawn.")
        return redirect(review.get_absolute_url())


class AssignReviewersView(LoginRequiredMixin, ReviewObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        if not permissions.can_assign_reviewers(request.user, review):
            raise PermissionDenied(
                "Committee members, administrators and the system's team assign reviewers."
            )
        form = AssignReviewersForm(
            request.POST,
            reviewers=selectors.eligible_reviewers(review, _submitter_ids(review)),
        )
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
        view = ReviewDetailView(request=request, kwargs=self.kwargs, args=args)
        view.object = review
        view._review = review
        return render(
            request, "reviews/detail.html", view.get_context_data(assign_form=form), status=400
        )


class ReviewHistoryView(ReviewObjectMixin, ObjectHistoryView):
    """The review's changes, with its versions, reviewers and decisions."""

    def get_object(self):
        return self.get_review()

    def get_queryset(self):
        self.object = self.get_object()
        return selectors.history_of_review(self.object)


# --- Submitting -----------------------------------------------------------------------------------
class SubmitPlanView(SystemObjectMixin, ServiceFormView):
    template_name = "reviews/submit.html"
    form_class = SubmitPlanForm
    success_message = (
        "{obj.reference}: version {obj.current_version.number} of the plan is with the committee."
    )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            system = self.get_system()
            if not permissions.can_submit_safety_plan(request.user, system):
                raise PermissionDenied(
                    f"{system.reference} is archived."
                    if system.is_archived
                    else "Only contributors of the system's team submit its safety plan."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs["reviewers"] = selectors.eligible_reviewers(self.get_system(), {user.pk})
        return kwargs

    def get_initial(self):
        system = self.get_system()
        has_approved = system.reviews.filter(status=ReviewStatus.APPROVED).exists()
        return {"kind": ReviewKind.PERIODIC if has_approved else ReviewKind.INITIAL}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.get_system()
        context["system"] = system
        context["status"] = selectors.plan_status(system)
        context["checklist"] = selectors.checklist_of(system)
        return context

    def perform(self, form):
        return services.submit_safety_plan(
            system=self.get_system(),
            by=self.request.user,
            kind=form.cleaned_data["kind"],
            reviewers=form.cleaned_data["reviewers"],
        )


# --- The deployment checklist ---------------------------------------------------------------------
class ChecklistView(LoginRequiredMixin, SystemObjectMixin, TemplateView):
    template_name = "reviews/checklist.html"

    def get_context_data(self, forms_by_key=None, evidence_forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.get_system()
        can_edit = permissions.can_submit_safety_plan(self.request.user, system)
        forms_by_key = forms_by_key or {}
        evidence_forms = evidence_forms or {}
        rows = selectors.checklist_of(system)
        for row in rows:
            item = row["item"]
            row["form"] = (
                forms_by_key.get(row["key"])
                or ChecklistItemForm(
                    key=row["key"],
                    initial={"status": row["status"], "note": item.note if item else ""},
                )
                if can_edit
                else None
            )
            row["evidence_form"] = (
                evidence_forms.get(row["key"])
                or EvidenceForm(auto_id=f"evidence-{row['key']}-%s", initial={"kind": "note"})
                if can_edit
                else None
            )
        context.update(
            {
                "system": system,
                "rows": rows,
                "can_edit": can_edit,
                "complete": sum(1 for row in rows if row["complete"]),
            }
        )
        return context


class _ChecklistWriteMixin(SystemObjectMixin):
    http_method_names = ["post"]

    def get_key(self) -> str:
        key = self.kwargs["key"]
        if key not in ChecklistKey.values:
            raise Http404("No such checklist item.")
        return key

    def check_rights(self):
        system = self.get_system()
        if not permissions.can_submit_safety_plan(self.request.user, system):
            raise PermissionDenied("Only contributors of the system's team keep its checklist.")
        return system

    def redisplay(self, **forms):
        view = ChecklistView(request=self.request, kwargs=self.kwargs)
        view._system = self.get_system()
        return render(
            self.request,
            "reviews/checklist.html",
            view.get_context_data(**forms),
            status=400,
        )

    def back(self):
        return redirect(
            reverse("reviews:checklist", args=[self.get_system().pk]) + f"#item-{self.get_key()}"
        )


class ChecklistItemUpdateView(LoginRequiredMixin, _ChecklistWriteMixin, View):
    def post(self, request, *args, **kwargs):
        system, key = self.check_rights(), self.get_key()
        form = ChecklistItemForm(request.POST, key=key)
        if form.is_valid():
            try:
                item = services.update_checklist_item(
                    system=system,
                    key=key,
                    by=request.user,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"“{item.get_key_display()}” is {item.get_status_display().lower()}."
                )
                return self.back()
        return self.redisplay(forms_by_key={key: form})


class ChecklistEvidenceAddView(LoginRequiredMixin, _ChecklistWriteMixin, View):
    def post(self, request, *args, **kwargs):
        system, key = self.check_rights(), self.get_key()
        form = EvidenceForm(request.POST, request.FILES, auto_id=f"evidence-{key}-%s")
        if form.is_valid():
            try:
                evidence = services.add_checklist_evidence(
                    system=system, key=key, by=request.user, **form.evidence_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The {evidence.get_kind_display().lower()} is added.")
                return self.back()
        return self.redisplay(evidence_forms={key: form})


class _ChecklistEvidenceMixin:
    def get_item(self) -> ChecklistItem:
        if not hasattr(self, "_item"):
            self._item = get_object_or_404(
                ChecklistItem.objects.filter(
                    system__in=AISystem.objects.visible_to(self.request.user)
                ).select_related("system"),
                pk=self.kwargs["item_pk"],
            )
        return self._item

    def get_evidence(self, **filters) -> Evidence:
        return get_object_or_404(
            self.get_item().evidence.filter(removed_at__isnull=True, **filters),
            pk=self.kwargs["evidence_pk"],
        )


class ChecklistEvidenceRemoveView(LoginRequiredMixin, _ChecklistEvidenceMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        if not permissions.can_submit_safety_plan(request.user, item.system):
            raise PermissionDenied("Only contributors of the system's team keep its checklist.")
        services.remove_checklist_evidence(item=item, evidence=self.get_evidence(), by=request.user)
        messages.success(request, "The evidence is removed; its trace stays in the history.")
        return redirect(item.get_absolute_url())


class ChecklistEvidenceDownloadView(LoginRequiredMixin, _ChecklistEvidenceMixin, View):
    """Serves a checklist evidence file to those who may read the system, never inline."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        evidence = self.get_evidence(kind=Evidence.Kind.FILE)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as error:
            raise Http404("The file is missing from storage.") from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name or "evidence",
            content_type=evidence.media_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# --- Links from the audit log ---------------------------------------------------------------------
class _LinkView(LoginRequiredMixin, View):
    """Resolves an audited record to the page that shows it (for the audit log's links)."""

    http_method_names = ["get", "head"]
    model = None

    def target(self, obj) -> str:
        raise NotImplementedError

    def get(self, request, pk):
        obj = get_object_or_404(self.model.objects.select_related(*self.related), pk=pk)
        system = self.system_of(obj)
        if not system_permissions.can_view_system(request.user, system):
            raise Http404("No such record.")
        return redirect(self.target(obj))


class VersionLinkView(_LinkView):
    model, related = PlanVersion, ("system",)

    def system_of(self, obj):
        return obj.system

    def target(self, obj):
        return obj.get_absolute_url()


class DecisionLinkView(_LinkView):
    model, related = Decision, ("review__system",)

    def system_of(self, obj):
        return obj.review.system

    def target(self, obj):
        return obj.review.get_absolute_url() + f"#decision-{obj.pk}"


class AssignmentLinkView(_LinkView):
    model, related = ReviewerAssignment, ("review__system",)

    def system_of(self, obj):
        return obj.review.system

    def target(self, obj):
        return obj.review.get_absolute_url() + "#reviewers"


class ChecklistItemLinkView(_LinkView):
    model, related = ChecklistItem, ("system",)

    def system_of(self, obj):
        return obj.system

    def target(self, obj):
        return obj.get_absolute_url()
