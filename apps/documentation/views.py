"""Pages of technical documentation: declarations on the generic views of :mod:`apps.core`.

Every page finds its document among those whose system the person may read (another team's is
a 404) and asks the rules of :mod:`apps.documentation.permissions` before a write (a 403 with
the reason). The live document is assembled from the register at each visit; a version's page,
PDF, DOCX and comparison read only its frozen content.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.core.ids import NO_VERSION_TO_COMPARE, version_to_compare
from apps.core.views.generic import (
    ObjectActionView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
)
from apps.documentation import annex_iv, annex_viii, outputs, permissions, selectors, services
from apps.documentation.filters import TechnicalDocumentFilterSet
from apps.documentation.forms import GenerateVersionForm, StartDocumentForm, texts_form_class
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion
from apps.systems import selectors as system_selectors
from apps.systems.models import EUAIActTier
from apps.systems.permissions import can_create_system
from apps.systems.views import SystemChildCreateView

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- The list, starting a document ---------------------------------------------------------------
class DocumentListView(ObjectListView):
    model = TechnicalDocument
    selector = staticmethod(selectors.document_list)
    filterset_class = TechnicalDocumentFilterSet
    template_name = "documentation/list.html"
    partial_template_name = "documentation/_list_results.html"

    def get_extra_context(self):
        user = self.request.user
        return {
            "undocumented": list(selectors.high_risk_without_document(user)[:50]),
            "can_start": can_create_system(user),
        }


class DocumentCreateView(SystemChildCreateView):
    """Start the documentation of ``?system=<pk>`` (a system that has one goes to it); without
    a system, choose one: high-risk systems first, any system may have one."""

    template_name = "documentation/start.html"
    form_class = StartDocumentForm
    service = staticmethod(services.start_document)
    parent_action = "start_technical_document"
    chooser_refusal = "Only contributors of a team start technical documentation."
    success_message = "{obj.reference} is started: the record already supplies what it can."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            parent = self.get_parent()
            existing = parent and TechnicalDocument.objects.filter(system=parent).first()
            if existing:
                return redirect(existing.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def choose_parent(self, request):
        systems = list(
            system_selectors.systems_open_for_records(request.user).filter(
                technical_document__isnull=True
            )
        )
        context = {
            "high_risk": [s for s in systems if s.eu_ai_act_tier == EUAIActTier.HIGH_RISK],
            "others": [s for s in systems if s.eu_ai_act_tier != EUAIActTier.HIGH_RISK],
        }
        status = 200 if request.method in ("GET", "HEAD") else 400
        return render(request, "documentation/choose_system.html", context, status=status)


# --- The document ---------------------------------------------------------------------------------
class DocumentView(ObjectView):
    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)
    record_name = "document"

    def get_extra_context(self):
        document, user = self.object, self.request.user
        content = annex_iv.assemble_document(document)
        rows = annex_viii.registration_rows(document)
        return {
            **outputs.document_context(content, document=document, live=True),
            "can_edit": permissions.can_edit_document(user, document),
            "versions": list(selectors.versions_of(document)),
            "gaps": annex_iv.all_gaps(content),
            "registration_rows": rows,
            "registration_missing": sum(1 for row in rows if row.is_missing),
            "registration_applies": annex_viii.applies_to(document.system),
            "generate_form": GenerateVersionForm(),
            "unchanged": content_unchanged(document, content),
        }


def content_unchanged(document: TechnicalDocument, content: dict) -> bool:
    """Whether the live document is exactly the latest version (nothing to generate)."""
    return bool(document.latest_version_number) and (
        annex_iv.content_sha256(content) == document.latest_sha256
    )


class DocumentEditView(ObjectEditView):
    """The texts of one section (``general``, ``development``…) or of the registration data."""

    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)
    record_name = "document"
    service = staticmethod(services.update_document)
    template_name = "documentation/edit.html"
    success_message = "Your changes to {obj.reference} are saved."

    def group(self) -> tuple[str, str]:
        key = self.kwargs["group"]
        if key not in annex_iv.EDITABLE_GROUPS:
            raise Http404("The document has no such part to edit.")
        spec = annex_iv.SECTIONS_BY_KEY.get(key)
        title = f"{spec.number}. {spec.title}" if spec else "EU database registration (Annex VIII)"
        return key, title

    def get_form_class(self):
        return texts_form_class(*self.group())

    def get_context_data(self, **kwargs):
        key, title = self.group()
        spec = annex_iv.SECTIONS_BY_KEY.get(key)
        return super().get_context_data(
            group_key=key, group_title=title, annex=spec.annex if spec else "", **kwargs
        )

    def get_success_url(self, obj=None):
        key = self.group()[0]
        anchor = "registration" if key == "registration" else f"sec-{key}"
        return f"{obj.get_absolute_url()}#{anchor}"


class DocumentHistoryView(ObjectHistoryView):
    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)


class GenerateVersionView(ObjectActionView):
    """Freeze the document as it stands into its next version."""

    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)
    check_before_method = True

    def post(self, request, *args, **kwargs):
        form = GenerateVersionForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            version = services.generate_version(document=self.object, by=request.user, note=note)
        except ValidationError as error:
            return self.respond(" ".join(error.messages), messages.ERROR)
        messages.success(
            request,
            f"Version {version.number} is generated and frozen: SHA-256 {version.sha256}.",
        )
        return redirect(version.get_absolute_url())


class RegistrationSheetView(ObjectMixin, View):
    """The Annex VIII Section A registration data, filled from the record, as XLSX."""

    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)

    def get(self, request, *args, **kwargs):
        document = self.object
        spool = tempfile.TemporaryFile()  # noqa: SIM115 — closed when the response is
        annex_viii.write_registration_xlsx(document, spool)
        spool.seek(0)
        stamp = timezone.localdate().isoformat()
        filename = f"{document.system.reference}-annex-viii-registration-{stamp}.xlsx"
        response = FileResponse(spool, as_attachment=True, filename=filename)
        response["Content-Type"] = XLSX_TYPE
        response["Cache-Control"] = "no-store"
        return response


# --- Versions -------------------------------------------------------------------------------------
def version_or_404(document, number, message="No such version of this document."):
    try:
        return selectors.version_of(document, number)
    except TechnicalDocumentVersion.DoesNotExist as error:
        raise Http404(message) from error


class VersionPage(ObjectMixin):
    """A page of one version: its document is found among those the person may read."""

    model = TechnicalDocument
    selector = staticmethod(selectors.document_detail)
    record_name = "document"

    @property
    def version(self) -> TechnicalDocumentVersion:
        if not hasattr(self, "_version"):
            self._version = version_or_404(self.object, self.kwargs["number"])
        return self._version


class VersionView(VersionPage, TemplateView):
    template_name = "documentation/version.html"

    def get_context_data(self, **kwargs):
        version = self.version
        return super().get_context_data(
            **outputs.document_context(version.content, version=version, document=self.object),
            previous=selectors.previous_version(version),
            verified=annex_iv.content_sha256(version.content) == version.sha256,
            **kwargs,
        )


class VersionPdfView(VersionPage, View):
    def get(self, request, *args, **kwargs):
        version = self.version
        return outputs.file_response(
            outputs.version_pdf(version),
            "application/pdf",
            outputs.version_filename(version, "pdf"),
            inline=True,
        )


class VersionDocxView(VersionPage, View):
    def get(self, request, *args, **kwargs):
        version = self.version
        return outputs.file_response(
            outputs.version_docx(version),
            outputs.DOCX_TYPE,
            outputs.version_filename(version, "docx"),
        )


class CompareView(VersionPage, TemplateView):
    """What changed, section by section, between a version and an earlier one (by default the
    one before it; ``?against=<number>`` another)."""

    template_name = "documentation/compare.html"

    def get_older(self, version):
        return version_to_compare(
            self.request,
            previous=lambda: selectors.previous_version(version),
            numbered=lambda number: version_or_404(self.object, number, NO_VERSION_TO_COMPARE),
        )

    def get_context_data(self, **kwargs):
        version = self.version
        older = self.get_older(version)
        diff = annex_iv.compare_documents(older.content, version.content) if older else None
        return super().get_context_data(
            version=version,
            older=older,
            diff=diff,
            versions=[v for v in selectors.versions_of(self.object) if v.pk != version.pk],
            **kwargs,
        )


class VersionLinkView(ObjectMixin, View):
    """From the audit log to a version's page (found among the versions the person may read)."""

    model = TechnicalDocumentVersion
    selector = staticmethod(selectors.version_detail)
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return redirect(self.object.get_absolute_url())
