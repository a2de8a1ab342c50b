"""Pages of fundamental rights impact assessments: declarations on the generic views of
:mod:`apps.core`.

Every page finds its assessment (or system) among those the person may read — another team's is
a 404 — and asks the rules of :mod:`apps.assessments.permissions` before a write: a 403 whose
page says why (Art. 27 does not apply to the system, the person is not of its team…).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from apps.assessments import document, pdf, permissions, selectors, services
from apps.assessments.api.exports import AssessmentExporter
from apps.assessments.filters import AssessmentFilterSet
from apps.assessments.forms import AssessmentForm, SubmitAssessmentForm
from apps.assessments.models import SECTIONS, AssessmentVersion, FundamentalRightsAssessment
from apps.core.ids import NO_VERSION_TO_COMPARE, version_to_compare
from apps.core.views.generic import (
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    ServiceFormView,
)
from apps.reviews import selectors as review_selectors
from apps.risks.forms import RiskForm
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem


# --- List, export ---------------------------------------------------------------------------------
class AssessmentListView(ObjectListView):
    model = FundamentalRightsAssessment
    selector = staticmethod(selectors.assessment_list)
    filterset_class = AssessmentFilterSet
    template_name = "assessments/list.html"
    partial_template_name = "assessments/_list_results.html"


class AssessmentExportView(ObjectExportView):
    exporter = AssessmentExporter
    filterset_class = AssessmentFilterSet


# --- Starting one ---------------------------------------------------------------------------------
class StartAssessmentView(ObjectMixin, TemplateView):
    """What the assessment asks, then (POST) its empty draft, for a system Art. 27 applies to;
    elsewhere a 403 that says why."""

    model = AISystem
    selector = staticmethod(system_selectors.system_detail)
    pk_url_kwarg = "system_pk"
    record_name = "system"
    action = "start_assessment"
    template_name = "assessments/start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["obligation"] = selectors.art27_obligation(self.object)
        context["sections"] = SECTIONS
        return context

    def post(self, request, *args, **kwargs):
        assessment = services.start_assessment(system=self.object, by=request.user)
        messages.success(
            request, f"{assessment.reference} is started: fill in its sections, then submit it."
        )
        return redirect("assessments:edit", assessment.pk)


# --- The assessment's page, its draft -------------------------------------------------------------
class AssessmentPage(ObjectMixin):
    """A page of one assessment; its history is the draft's and its versions'."""

    model = FundamentalRightsAssessment
    selector = staticmethod(selectors.assessment_detail)
    record_name = "assessment"

    def get_history(self, obj):
        return selectors.history_of_assessment(obj)


class AssessmentView(AssessmentPage, ObjectView):
    def get_extra_context(self):
        assessment, user = self.object, self.request.user
        versions = selectors.versions_of(assessment)
        latest = versions[0] if versions else None
        return {
            "system": assessment.system,
            "draft": document.document_sections(services.frozen_content(assessment)),
            "versions": versions,
            "latest": latest,
            "approved": next((v for v in versions if v.is_approved), None),
            "not_required": selectors.why_not_required(assessment.system),
            "obligation": selectors.art27_obligation(assessment.system),
            "can_edit": permissions.can_edit_assessment(user, assessment),
        }


class AssessmentEditView(AssessmentPage, ObjectEditView):
    form_class = AssessmentForm
    service = staticmethod(services.update_assessment)
    template_name = "assessments/form.html"


class AssessmentHistoryView(AssessmentPage, ObjectHistoryView):
    pass


class AddRiskView(AssessmentPage, ServiceFormView):
    """A new risk of the system, written here and linked to the assessment."""

    action = "add_risk"
    template_name = "assessments/add_risk.html"
    form_class = RiskForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object.system}

    def get_initial(self):
        return {"owner": self.request.user}

    def perform(self, form):
        return services.add_new_risk(
            assessment=self.object,
            by=self.request.user,
            data=form.service_data(),
            reason=form.cleaned_data["change_reason"],
        )

    def get_success_message(self, obj):
        return f"{obj.reference} “{obj.title}” is added to the register and to the assessment."

    def get_success_url(self, obj=None):
        return self.object.get_absolute_url()


class SubmitAssessmentView(AssessmentPage, ServiceFormView):
    """Freeze the draft as a version and send it to the committee (again, after changes)."""

    action = "submit"
    template_name = "assessments/submit.html"
    form_class = SubmitAssessmentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["reviewers"] = review_selectors.eligible_reviewers(
            self.object.system, {self.request.user.pk}
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = selectors.latest_version(self.object)
        context["latest"] = latest
        context["resubmission"] = latest is not None and latest.state == "changes_requested"
        context["problems"] = services.submission_problems(
            self.object, services.frozen_content(self.object), latest
        )
        return context

    def check_with_service(self, form):
        services.check_submission(assessment=self.object, by=self.request.user)

    def perform(self, form):
        return services.submit_assessment(
            assessment=self.object,
            by=self.request.user,
            reviewers=form.cleaned_data["reviewers"],
            note=form.cleaned_data["note"],
        )

    def get_success_message(self, obj):
        return (
            f"Version {obj.number} of {self.object.reference} is with the committee "
            f"({obj.review.reference})."
        )


# --- Versions -------------------------------------------------------------------------------------
def version_or_404(assessment, number: int, message="No such version of this assessment."):
    try:
        return selectors.version_of(assessment, number)
    except AssessmentVersion.DoesNotExist as error:
        raise Http404(message) from error


class VersionView(AssessmentPage, TemplateView):
    template_name = "assessments/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = version_or_404(self.object, self.kwargs["number"])
        context.update(document.version_context(version))
        context["system"] = self.object.system
        context["previous"] = selectors.previous_version(version)
        return context


class VersionPdfView(AssessmentPage, View):
    def get(self, request, *args, **kwargs):
        return pdf.pdf_response(version_or_404(self.object, self.kwargs["number"]))


class CompareView(AssessmentPage, TemplateView):
    """Two versions side by side, section by section (by default with the one before)."""

    template_name = "assessments/compare.html"

    def get_older(self, version: AssessmentVersion) -> AssessmentVersion | None:
        return version_to_compare(
            self.request,
            previous=lambda: selectors.previous_version(version),
            numbered=lambda number: version_or_404(self.object, number, NO_VERSION_TO_COMPARE),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = version_or_404(self.object, self.kwargs["number"])
        older = self.get_older(version)
        rows = document.compare_versions(older.content, version.content) if older else []
        context.update(
            {
                "system": self.object.system,
                "version": version,
                "older": older,
                "rows": rows,
                "changed": sum(1 for row in rows if row["changed"]),
                "versions": selectors.other_versions(version),
            }
        )
        return context


class VersionLinkView(ObjectMixin, View):
    """The audit log's link to a version: on to its page."""

    model = AssessmentVersion

    def get(self, request, *args, **kwargs):
        return redirect(self.object.get_absolute_url())
