"""A system's safety plan: the live plan, each frozen version, what changed between two versions,
and each as a PDF. The document has one template (``reviews/_plan_document.html``) for the pages
and the PDF; what it shows comes from :mod:`apps.reviews.plan`.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.core.ids import NO_VERSION_TO_COMPARE, version_to_compare
from apps.core.views.generic import ObjectMixin
from apps.reviews import pdf, permissions, selectors
from apps.reviews.models import PlanVersion
from apps.reviews.plan import compare_plans, live_document_context, version_document_context
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem


class SystemPlanPage(ObjectMixin):
    """A page under ``plans/<system_pk>/``: its record is the system, found among those the person
    may see (the plan, its versions, submitting it and the checklist)."""

    model = AISystem
    selector = staticmethod(system_selectors.system_detail)
    pk_url_kwarg = "system_pk"
    record_name = "system"


def version_or_404(system: AISystem, number: int, message="No such version of this plan."):
    try:
        return selectors.version_of(system, number)
    except PlanVersion.DoesNotExist as error:
        raise Http404(message) from error


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class PlanView(SystemPlanPage, TemplateView):
    """The live safety plan: what would be frozen if it were submitted now."""

    template_name = "reviews/plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.object
        context.update(live_document_context(system))
        context["status"] = selectors.plan_status(system)
        context["can_submit"] = permissions.can_submit_safety_plan(self.request.user, system)
        return context


class PlanPdfView(SystemPlanPage, View):
    def get(self, request, *args, **kwargs):
        system = self.object
        stamp = timezone.localdate().isoformat()
        return pdf_response(
            pdf.render_plan_pdf(live_document_context(system)),
            f"{system.reference}-safety-plan-draft-{stamp}.pdf",
        )


class VersionView(SystemPlanPage, TemplateView):
    """A frozen version: exactly what the reviewers read, with the decisions made on it."""

    template_name = "reviews/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = version_or_404(self.object, self.kwargs["number"])
        context.update(version_document_context(version))
        context["previous"] = selectors.previous_version(version)
        return context


class VersionPdfView(SystemPlanPage, View):
    def get(self, request, *args, **kwargs):
        version = version_or_404(self.object, self.kwargs["number"])
        content = pdf.render_version_pdf(version, lambda: version_document_context(version))
        return pdf_response(
            content, f"{version.system.reference}-safety-plan-v{version.number}.pdf"
        )


class CompareView(SystemPlanPage, TemplateView):
    """What changed between a version and an earlier one (by default the one before it)."""

    template_name = "reviews/compare.html"

    def get_older(self, version: PlanVersion) -> PlanVersion | None:
        """The version named by ``?against=``, or the one before ``version``."""
        return version_to_compare(
            self.request,
            previous=lambda: selectors.previous_version(version),
            numbered=lambda number: version_or_404(self.object, number, NO_VERSION_TO_COMPARE),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = version_or_404(self.object, self.kwargs["number"])
        older = self.get_older(version)
        context.update(
            {
                "version": version,
                "older": older,
                "diff": compare_plans(older.content, version.content) if older else None,
                "versions": selectors.other_versions(version),
            }
        )
        return context
