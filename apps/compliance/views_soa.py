"""The Statement of Applicability's pages: the draft, a control's answer, submitting, each
version (with the committee's decision), the history, and the XLSX and PDF exports.

Every page is the organisation's, not a team's: who may read it (committee members, auditors,
administrators) and who may change it are rules about no record (:mod:`.permissions_soa`), asked
before anything else; a refusal is a 403 that says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.compliance import exports_soa, permissions_soa, soa
from apps.compliance.forms_soa import DecideSoAForm, SoAEntryForm, SubmitSoAForm
from apps.compliance.models import Requirement
from apps.compliance.models_soa import (
    SOA_FRAMEWORK,
    SOA_REQUIREMENT_KIND,
    SoAEntry,
    control_url,
)
from apps.core import rules
from apps.core.selectors import history_of
from apps.core.views.generic import PaginationMixin, ServiceFormView

HISTORY_ON_PAGE = 10
CHECKED_FIELDS = ("applicability", "justification", "implementation")


def grouped(rows, objective=lambda row: row.objective) -> list[dict]:
    """Rows (draft rows or frozen entries, in order) under their control objectives."""
    groups: list[dict] = []
    for row in rows:
        name = objective(row)
        if not groups or groups[-1]["objective"] != name:
            groups.append({"objective": name, "rows": []})
        groups[-1]["rows"].append(row)
    return groups


class SoAPage(LoginRequiredMixin):
    """A page of the Statement of Applicability: ``action`` (a rule about no record) is asked
    before the method, so that a GET of a POST-only page is refused as the write would be."""

    action = "view_soa"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        reason = rules.refusal(request.user, self.action)
        if reason:
            raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)


class VersionPage(SoAPage):
    """A page about one version (``pk``); ``version_action`` is its rule on that version."""

    version_action: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        reason = rules.refusal(request.user, self.action)
        if reason:
            raise PermissionDenied(reason)
        self.version = get_object_or_404(soa.soa_versions(), pk=kwargs["pk"])
        if self.version_action:
            reason = rules.refusal(request.user, self.version_action, self.version)
            if reason:
                raise PermissionDenied(reason)
        return super(SoAPage, self).dispatch(request, *args, **kwargs)


# --- The draft ----------------------------------------------------------------------------------
class SoAView(SoAPage, TemplateView):
    template_name = "compliance/soa/draft.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        catalogue = soa.soa_catalogue()
        rows = soa.soa_draft(catalogue)
        history = list(soa.soa_history()[: HISTORY_ON_PAGE + 1])
        context.update(
            {
                "catalogue": catalogue,
                "groups": grouped(rows),
                "summary": soa.summarise(rows),
                "problems": soa.submission_problems(rows),
                "changed": sum(1 for row in rows if row.changed_since_approved),
                "in_force": soa.current_soa_version(),
                "pending": soa.pending_soa_version(),
                "versions": list(soa.soa_versions()),
                "can_edit": permissions_soa.can_edit_soa(self.request.user),
                "history": history[:HISTORY_ON_PAGE],
                "history_truncated": len(history) > HISTORY_ON_PAGE,
            }
        )
        return context


class SoAControlView(SoAPage, ServiceFormView):
    """The draft's answer for one control (``pk``: the control)."""

    action = "edit_soa"
    template_name = "compliance/soa/control_form.html"
    form_class = SoAEntryForm

    @cached_property
    def requirement(self) -> Requirement:
        return get_object_or_404(
            Requirement.objects.select_related("catalogue", "parent", "soa_entry"),
            pk=self.kwargs["pk"],
            kind=SOA_REQUIREMENT_KIND,
            catalogue__framework=SOA_FRAMEWORK,
            catalogue__retired_at__isnull=True,
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        try:
            kwargs["instance"] = self.requirement.soa_entry
        except SoAEntry.DoesNotExist:
            kwargs["instance"] = SoAEntry(requirement=self.requirement)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = context["form"].instance
        context["requirement"] = self.requirement
        context["entry"] = entry
        context["history"] = list(history_of(entry)[:HISTORY_ON_PAGE]) if entry.pk else []
        return context

    def check_with_service(self, form) -> None:
        soa.check_soa_entry(
            requirement=self.requirement,
            data={k: v for k, v in form.cleaned_data.items() if k in CHECKED_FIELDS},
        )

    def perform(self, form):
        return soa.update_soa_entry(
            requirement=self.requirement,
            by=self.request.user,
            data=form.service_data(),
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
        )

    def get_success_message(self, obj) -> str:
        return f"{self.requirement.identifier} is saved in the draft."

    def get_success_url(self, obj=None):
        return control_url(self.requirement.pk)


class SoAEntryLinkView(SoAPage, View):
    """The audit log's link to an entry: the control on the draft's page."""

    def get(self, request, pk):
        entry = get_object_or_404(SoAEntry, pk=pk)
        return redirect(entry.get_absolute_url())


class SoAHistoryView(SoAPage, PaginationMixin, ListView):
    template_name = "compliance/soa/history.html"
    paginate_by = 50

    def get_queryset(self):
        return soa.soa_history()


# --- Submitting, deciding, withdrawing ----------------------------------------------------------
class SoASubmitView(SoAPage, ServiceFormView):
    action = "edit_soa"
    template_name = "compliance/soa/submit.html"
    form_class = SubmitSoAForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = soa.soa_draft()
        context["summary"] = soa.summarise(rows)
        context["problems"] = soa.submission_problems(rows)
        context["pending"] = soa.pending_soa_version()
        return context

    def perform(self, form):
        return soa.submit_soa(by=self.request.user, note=form.cleaned_data["note"])

    def get_success_message(self, obj) -> str:
        return f"Version {obj.number} is with the committee."


class SoAVersionView(VersionPage, TemplateView):
    template_name = "compliance/soa/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.version
        entries = list(soa.version_entries(version))
        user = self.request.user
        context.update(
            {
                "version": version,
                "groups": grouped(entries, objective=lambda entry: entry.objective),
                "summary": soa.summarise(entries),
                "in_force": soa.current_soa_version(),
                "can_decide": not permissions_soa.why_cannot_decide_soa(user, version),
                "can_withdraw": not permissions_soa.why_cannot_withdraw_soa(user, version),
                "decide_form": kwargs.get("decide_form") or DecideSoAForm(),
                "history": list(history_of(version)[:HISTORY_ON_PAGE]),
            }
        )
        return context


class SoADecideView(VersionPage, ServiceFormView):
    """The committee's decision: a POST from the version's page (GET shows the form alone)."""

    version_action = "decide"
    template_name = "compliance/soa/decide.html"
    form_class = DecideSoAForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["version"] = self.version
        return context

    def perform(self, form):
        return soa.decide_soa(
            version=self.version,
            by=self.request.user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )

    def get_success_message(self, obj) -> str:
        return f"Version {obj.number} is {obj.get_status_display().lower()}."


class SoAWithdrawView(VersionPage, View):
    version_action = "withdraw"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            version = soa.withdraw_soa(
                version=self.version, by=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.version.get_absolute_url())
        messages.success(request, f"Version {version.number} is withdrawn; the draft is yours.")
        return redirect("compliance_org:soa")


# --- Exports ------------------------------------------------------------------------------------
def _stamp() -> str:
    return timezone.localdate().isoformat()


class SoAExportView(SoAPage, View):
    """The draft as XLSX or PDF."""

    def get(self, request, file_format):
        catalogue = soa.soa_catalogue()
        if catalogue is None:
            raise Http404("The ISO/IEC 42001 catalogue is not loaded.")
        filename = f"statement-of-applicability-draft-{_stamp()}.{file_format}"
        if file_format == "xlsx":
            queryset = exports_soa.SoADraftExporter.queryset_of(soa.soa_controls(catalogue))
            return exports_soa.xlsx_response(exports_soa.SoADraftExporter, queryset, filename)
        rows = soa.soa_draft(catalogue)
        content = exports_soa.render_pdf(
            {
                "catalogue": catalogue,
                "groups": grouped(rows),
                "summary": soa.summarise(rows),
                "is_draft": True,
            }
        )
        return exports_soa.pdf_response(content, filename)


class SoAVersionExportView(VersionPage, View):
    """A version as XLSX or PDF."""

    def get(self, request, pk, file_format):
        version = self.version
        filename = f"statement-of-applicability-v{version.number}.{file_format}"
        if file_format == "xlsx":
            queryset = exports_soa.SoAVersionExporter.queryset_of(version)
            return exports_soa.xlsx_response(exports_soa.SoAVersionExporter, queryset, filename)
        entries = list(soa.version_entries(version))
        content = exports_soa.render_pdf(
            {
                "catalogue": version.catalogue,
                "version": version,
                "groups": grouped(entries, objective=lambda entry: entry.objective),
                "summary": soa.summarise(entries),
            }
        )
        return exports_soa.pdf_response(content, filename)
