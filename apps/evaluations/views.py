"""Pages of evaluations: declarations on the generic views of :mod:`apps.core`.

Test cases (list, page, add under a system's risk, edit, archive, history), evaluation runs
(list, upload, page) and the review of a flagged mitigation. A system's page, a risk's page, a
mitigation's page and a library template's page show their part through panels
(:mod:`apps.evaluations.panels`).
"""

from __future__ import annotations

import copy

from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views import View

from apps.core.ids import parse_id
from apps.core.views.generic import (
    ObjectActionView,
    ObjectArchiveView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
)
from apps.evaluations import permissions, selectors, services, verification
from apps.evaluations.api.exports import EvaluationRunExporter, TestCaseExporter
from apps.evaluations.filters import EvaluationRunFilterSet, TestCaseFilterSet
from apps.evaluations.forms import ReviewedForm, RunUploadForm, TestCaseForm
from apps.evaluations.models import (
    EvaluationRun,
    MitigationEvaluation,
    ResultOutcome,
    TestCase,
)
from apps.systems.permissions import can_create_system
from apps.systems.views import SystemChildCreateView

RESULTS_PER_PAGE = 100


# --- Test cases -----------------------------------------------------------------------------------
class TestCaseListView(ObjectListView):
    model = TestCase
    selector = staticmethod(selectors.test_case_list)
    filterset_class = TestCaseFilterSet
    template_name = "evaluations/test_case_list.html"
    partial_template_name = "evaluations/_test_case_results.html"

    def get_extra_context(self):
        return {"can_create": can_create_system(self.request.user)}


class TestCaseExportView(ObjectExportView):
    exporter = TestCaseExporter
    filterset_class = TestCaseFilterSet


class TestCaseView(ObjectView):
    model = TestCase
    selector = staticmethod(selectors.test_case_detail)
    record_name = "test_case"
    template_name = "evaluations/test_case_detail.html"

    def get_history(self, obj):
        return selectors.history_of_test_case(obj)

    def get_extra_context(self):
        test_case = self.object
        return {
            "system": test_case.system,
            "results": selectors.results_of(test_case),
            "verified_mitigations": selectors.test_case_mitigations(test_case),
            "can_edit": permissions.can_edit_test_case(self.request.user, test_case),
        }


class TestCaseCreateView(SystemChildCreateView):
    """Add a test case to a risk of a system (``?system=``, ``?risk=`` and ``?key=`` fill the
    form in: a run's unknown key links here)."""

    template_name = "evaluations/test_case_form.html"
    form_class = TestCaseForm
    service = staticmethod(services.create_test_case)
    parent_action = "add_test_case"
    success_message = "{obj.reference} “{obj}” is added."
    chooser_title = "Add a test case"
    chooser_question = "A test case probes one risk of one AI system. Which system is it for?"
    chooser_empty = "None of your teams has an active AI system to add test cases to."
    chooser_refusal = "Only contributors of a team can add test cases."
    chooser_list_url = "evaluations:test_case_list"
    chooser_keeps = ("risk", "key")

    def get_initial(self):
        initial = super().get_initial()
        risk = parse_id(self.request.GET.get("risk"))
        if (
            risk is not None
            and self.parent.risks.filter(pk=risk, archived_at__isnull=True).exists()
        ):
            initial["risk"] = risk
        key = self.request.GET.get("key", "").strip()[:255]
        if key:
            initial["key"] = key
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.parent, "user": self.request.user}

    def check_with_service(self, form):
        services.check_test_case(
            system=self.parent,
            data=form.cleaned_data,
            mitigations=form.cleaned_data.get("mitigations"),
        )

    def get_service_kwargs(self, form):
        return {"mitigations": form.cleaned_data["mitigations"]}


class TestCaseEditView(ObjectEditView):
    model = TestCase
    selector = staticmethod(selectors.test_case_detail)
    record_name = "test_case"
    template_name = "evaluations/test_case_form.html"
    form_class = TestCaseForm
    service = staticmethod(services.update_test_case)

    def get_form_instance(self):
        return copy.copy(self.object)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "system": self.object.system,
            "user": self.request.user,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}

    def check_with_service(self, form):
        services.check_test_case(
            system=self.object.system,
            data=form.cleaned_data,
            mitigations=form.cleaned_data.get("mitigations"),
        )

    def get_service_kwargs(self, form):
        return {"mitigations": form.cleaned_data["mitigations"]}


class TestCaseArchiveView(ObjectArchiveView):
    model = TestCase
    selector = staticmethod(selectors.test_case_detail)
    record_name = "test_case"
    template_name = "evaluations/test_case_archive.html"
    archive_service = staticmethod(services.archive_test_case)
    restore_service = staticmethod(services.restore_test_case)


class TestCaseHistoryView(ObjectHistoryView):
    model = TestCase
    selector = staticmethod(selectors.test_case_detail)

    def get_history(self, obj):
        return selectors.history_of_test_case(obj)


# --- Runs -----------------------------------------------------------------------------------------
class RunListView(ObjectListView):
    model = EvaluationRun
    selector = staticmethod(selectors.run_list)
    filterset_class = EvaluationRunFilterSet
    template_name = "evaluations/run_list.html"
    partial_template_name = "evaluations/_run_results.html"

    def get_extra_context(self):
        return {"can_upload": can_create_system(self.request.user)}


class RunExportView(ObjectExportView):
    exporter = EvaluationRunExporter
    filterset_class = EvaluationRunFilterSet


class RunView(ObjectView):
    """A run: its figures, the mitigations it verified or flagged, the results whose key no test
    case has, and its results (``?outcome=failed`` shows those only), a hundred a page."""

    model = EvaluationRun
    selector = staticmethod(selectors.run_detail)
    record_name = "run"
    template_name = "evaluations/run_detail.html"

    def get_extra_context(self):
        run = self.object
        outcome = self.request.GET.get("outcome", "")
        outcome = outcome if outcome in ResultOutcome.values else ""
        page = Paginator(selectors.results_of_run(run, outcome or None), RESULTS_PER_PAGE)
        return {
            "system": run.system,
            "outcome_filter": outcome,
            "outcome_choices": ResultOutcome.choices,
            "results_page": page.get_page(self.request.GET.get("page")),
            "unknown": list(selectors.unknown_results(run)[:200]),
            "evaluations": selectors.mitigations_verified_by(run),
            "can_add_test_case": permissions.can_add_test_cases(self.request.user, run.system),
        }


class RunUploadView(SystemChildCreateView):
    """Upload a run's report (JUnit XML or JSON) for a system: all or nothing."""

    template_name = "evaluations/run_upload.html"
    form_class = RunUploadForm
    parent_action = "upload_run"
    chooser_title = "Upload an evaluation run"
    chooser_question = "Which AI system did the run evaluate?"
    chooser_empty = "None of your teams has an active AI system to upload runs for."
    chooser_refusal = "Only contributors of a team upload evaluation runs."
    chooser_list_url = "evaluations:run_list"

    def perform(self, form):
        return services.ingest_run(system=self.parent, by=self.request.user, **form.service_data())

    def get_success_message(self, run):
        flagged = run.failed + run.errors
        verdict = (
            "passed" if run.is_passing else f"failed ({_count(flagged, 'result')} did not pass)"
        )
        unknown = (
            f"; {_count(run.unknown_count, 'result')} with a key no test case of the system has "
            "(listed below)"
            if run.unknown_count
            else ""
        )
        return (
            f"{run.reference}: {_count(run.total, 'result')} recorded; the run {verdict}{unknown}."
        )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


# --- A flagged mitigation -------------------------------------------------------------------------
class MitigationReviewedView(ObjectActionView):
    """POST ``note``: the flagged mitigation and the residual assessment of its risks were
    checked; the flag is cleared (back to the mitigation's page)."""

    model = MitigationEvaluation
    selector = staticmethod(selectors.evaluation_detail)
    action = "review"

    def act(self, evaluation):
        form = ReviewedForm(self.request.POST)
        note = form.data.get("note", "")
        verification.mark_reviewed(evaluation=evaluation, by=self.request.user, note=note)
        return f"{evaluation.mitigation.reference}: the flag is cleared, with your note."


class MitigationEvaluationLinkView(ObjectMixin, View):
    """The audit log's link to a mitigation's evaluation: its mitigation's page."""

    model = MitigationEvaluation
    selector = staticmethod(selectors.evaluation_detail)
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return redirect(self.object.get_absolute_url())
