"""Evidence of a mitigation: add a file, a link or a note; remove one (its trace stays);
download a file, never inline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView, View

from apps.core import services as core_services
from apps.core.models import Evidence
from apps.core.views.evidence import evidence_file_response
from apps.core.views.generic import ObjectActionView, ObjectMixin, add_service_errors
from apps.mitigations import selectors
from apps.mitigations.forms import EvidenceForm
from apps.mitigations.models import Mitigation
from apps.mitigations.views.pages import MitigationView


class AddEvidenceView(MitigationView):
    """POST (multipart) a file, a link or a note; errors show on the mitigation's page."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        mitigation = self.object
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                evidence = core_services.add_evidence(
                    record=mitigation, by=request.user, **form.evidence_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The {evidence.get_kind_display().lower()} is added.")
                return redirect(f"{mitigation.get_absolute_url()}#evidence")
        self.evidence_form = form
        return self.render_to_response(self.get_context_data(), status=400)


class EvidenceMixin:
    """The live evidence of the page's mitigation named in the URL: another's is a 404."""

    def get_evidence(self, **filters) -> Evidence:
        return get_object_or_404(
            self.object.evidence.filter(removed_at__isnull=True, **filters),
            pk=self.kwargs["evidence_pk"],
        )


class RemoveEvidenceView(EvidenceMixin, ObjectActionView, TemplateView):
    """GET asks for confirmation; POST takes the evidence off (kept for the audit trail)."""

    model = Mitigation
    selector = staticmethod(selectors.mitigation_detail)
    http_method_names = ["get", "head", "post"]
    template_name = "mitigations/evidence_remove_confirm.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "evidence": self.get_evidence()}

    def act(self, mitigation):
        core_services.remove_evidence(evidence=self.get_evidence(), by=self.request.user)
        return "The evidence is removed; its trace stays in the history."

    def get_success_url(self, mitigation):
        return f"{mitigation.get_absolute_url()}#evidence"


class EvidenceDownloadView(EvidenceMixin, ObjectMixin, View):
    """Serves an evidence file to those who may read the mitigation, never inline."""

    model = Mitigation
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        evidence = self.get_evidence(kind=Evidence.Kind.FILE)
        return evidence_file_response(evidence)
