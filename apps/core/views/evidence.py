"""A record's evidence: the one response every download view returns, and the views that add,
remove and serve a record's evidence, which each app subclasses for its records."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.core import services as core_services
from apps.core.files import stored_file_response
from apps.core.forms import EvidenceForm
from apps.core.models import Evidence
from apps.core.views.generic import ObjectActionView, ObjectMixin, add_service_errors


def evidence_file_response(evidence: Evidence) -> HttpResponse:
    """The file, as an attachment (never shown inline, so an uploaded page cannot run in the
    register's origin), with its original name and checked media type: streamed from the disk
    or the bucket, or a redirect to a short-lived signed URL (:mod:`apps.core.files`)."""
    response = stored_file_response(
        evidence.file,
        filename=evidence.original_name or "evidence",
        content_type=evidence.media_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- The views of a record's evidence (a mitigation, an obligation) -------------------------------
# Each app subclasses them with its model, selector and page view; the templates are shared
# (``includes/evidence_card.html`` on the record's page, ``includes/evidence_remove_confirm.html``).
class AddEvidenceMixin:
    """Put before the record's page view (an :class:`ObjectView`): POST (multipart) a file, a
    link or a note; errors show on the record's page, with what was typed kept."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record = self.object
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                evidence = core_services.add_evidence(
                    record=record, by=request.user, **form.evidence_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The {evidence.get_kind_display().lower()} is added.")
                return redirect(f"{record.get_absolute_url()}#evidence")
        self.evidence_form = form
        return self.render_to_response(self.get_context_data(), status=400)


class EvidenceMixin:
    """The live evidence of the page's record named in the URL: another's is a 404."""

    def get_evidence(self, **filters) -> Evidence:
        return get_object_or_404(
            self.object.evidence.filter(removed_at__isnull=True, **filters),
            pk=self.kwargs["evidence_pk"],
        )


class RemoveEvidenceView(EvidenceMixin, ObjectActionView, TemplateView):
    """GET asks for confirmation; POST takes the evidence off (kept for the audit trail)."""

    http_method_names = ["get", "head", "post"]
    template_name = "includes/evidence_remove_confirm.html"

    def get_context_data(self, **kwargs):
        meta = self.model._meta
        return {
            **super().get_context_data(**kwargs),
            "evidence": self.get_evidence(),
            "record": self.object,
            "record_noun": meta.verbose_name,
            "records_label": str(meta.verbose_name_plural).capitalize(),
            "records_url": reverse(f"{meta.app_label}:list"),
        }

    def act(self, record):
        core_services.remove_evidence(evidence=self.get_evidence(), by=self.request.user)
        return "The evidence is removed; its trace stays in the history."

    def get_success_url(self, record):
        return f"{record.get_absolute_url()}#evidence"


class EvidenceDownloadView(EvidenceMixin, ObjectMixin, View):
    """Serves an evidence file to those who may read the record, never inline."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return evidence_file_response(self.get_evidence(kind=Evidence.Kind.FILE))
