"""Pages of mitigations: thin, calling selectors and services.

Every view finds its record among those the user may see (another team's mitigation is a 404)
and asks :mod:`apps.accounts.permissions` before writing (a reader gets a 403 with the reason).
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import DetailView, TemplateView, View

from apps.core import services as core_services
from apps.core.ids import parse_id
from apps.core.models import Evidence
from apps.core.views.generic import (
    FilteredListView,
    ObjectHistoryView,
    ServiceFormView,
    add_service_errors,
)
from apps.mitigations import permissions, selectors, services
from apps.mitigations.filters import MitigationFilterSet
from apps.mitigations.forms import (
    EvidenceForm,
    MitigationForm,
    RiskPanelAddForm,
    RiskPanelLinkForm,
    StatusForm,
)
from apps.mitigations.models import Mitigation
from apps.risks import permissions as risk_permissions
from apps.risks.models import Risk
from apps.risks.treatment import MitigationStatus
from apps.systems import permissions as system_permissions
from apps.systems.models import AISystem

HISTORY_ON_DETAIL_PAGE = 20
PANEL_ID = "mitigations-panel"

# The next steps a mitigation's page and a risk's panel offer, from each status.
STATUS_ACTIONS: dict[str, list[tuple[str, str]]] = {
    MitigationStatus.PLANNED: [
        (MitigationStatus.IN_PROGRESS, "Mark in progress"),
        (MitigationStatus.IMPLEMENTED, "Mark implemented"),
    ],
    MitigationStatus.IN_PROGRESS: [(MitigationStatus.IMPLEMENTED, "Mark implemented")],
    MitigationStatus.IMPLEMENTED: [(MitigationStatus.VERIFIED, "Mark verified")],
    MitigationStatus.VERIFIED: [(MitigationStatus.VERIFIED, "Verified again today")],
    MitigationStatus.RETIRED: [],
}


def status_actions(mitigation: Mitigation) -> list[dict]:
    return [
        {"status": status, "label": label} for status, label in STATUS_ACTIONS[mitigation.status]
    ]


def _refuse_edit(mitigation: Mitigation) -> PermissionDenied:
    if mitigation.system.is_archived:
        return PermissionDenied(
            f"{mitigation.system.reference} is archived: its mitigations are read-only."
        )
    return PermissionDenied("Only contributors of the system's team can change this mitigation.")


def _check_can_edit(user, mitigation: Mitigation) -> None:
    if not permissions.can_edit_mitigation(user, mitigation):
        raise _refuse_edit(mitigation)


def _check_can_edit_risk(user, risk) -> None:
    if risk_permissions.can_edit_risk(user, risk):
        return
    if risk.system.is_archived:
        raise PermissionDenied(f"{risk.system.reference} is archived: it is read-only.")
    if risk.is_archived:
        raise PermissionDenied(f"{risk.reference} is archived: its mitigations cannot change.")
    raise PermissionDenied("Only contributors of the system's team can change its mitigations.")


class MitigationObjectMixin:
    """Finds the mitigation among those the user may see: another team's is a 404."""

    def get_mitigation(self) -> Mitigation:
        if not hasattr(self, "_mitigation"):
            self._mitigation = get_object_or_404(
                selectors.mitigation_detail(self.request.user), pk=self.kwargs["pk"]
            )
        return self._mitigation


class RiskObjectMixin:
    """Finds the risk of the panel among those the user may see: another team's is a 404."""

    def get_risk(self):
        if not hasattr(self, "_risk"):
            self._risk = get_object_or_404(
                Risk.objects.visible_to(self.request.user).select_related("system", "system__team"),
                pk=self.kwargs["risk_pk"],
            )
        return self._risk


# --- List, detail, history ------------------------------------------------------------------------
class MitigationListView(FilteredListView):
    filterset_class = MitigationFilterSet
    template_name = "mitigations/list.html"
    partial_template_name = "mitigations/_list_results.html"

    def get_base_queryset(self):
        return selectors.mitigation_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A contributor of some team (or an administrator) can plan mitigations somewhere.
        context["can_create"] = system_permissions.can_create_system(self.request.user)
        return context


class MitigationDetailView(LoginRequiredMixin, MitigationObjectMixin, DetailView):
    template_name = "mitigations/detail.html"
    context_object_name = "mitigation"

    def get_object(self, queryset=None):
        return self.get_mitigation()

    def get_context_data(self, evidence_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mitigation = self.object
        can_edit = permissions.can_edit_mitigation(user, mitigation)
        history = selectors.history_of_mitigation(mitigation)
        context.update(
            {
                "system": mitigation.system,
                "risks": selectors.risks_of(mitigation),
                "evidence_list": core_services.evidence_of(mitigation),
                "history": history[:HISTORY_ON_DETAIL_PAGE],
                "history_truncated": history.count() > HISTORY_ON_DETAIL_PAGE,
                "can_edit": can_edit,
                "status_actions": status_actions(mitigation) if can_edit else [],
                "evidence_form": (evidence_form or EvidenceForm()) if can_edit else None,
            }
        )
        return context


class MitigationHistoryView(MitigationObjectMixin, ObjectHistoryView):
    """The mitigation's changes and those of its evidence."""

    def get_object(self):
        return self.get_mitigation()

    def get_queryset(self):
        self.object = self.get_object()
        return selectors.history_of_mitigation(self.object)


# --- Create and edit ------------------------------------------------------------------------------
class MitigationCreateView(ServiceFormView):
    """Plan a mitigation for ``?system=<pk>`` (and ``?risk=<pk>`` to treat that risk).

    Without a system it first asks which one, among those the user may plan for.
    """

    template_name = "mitigations/form.html"
    form_class = MitigationForm
    success_message = "{obj.reference} “{obj}” is planned."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not system_permissions.can_create_system(request.user):
                raise PermissionDenied("Only contributors of a team can plan mitigations.")
            self.system = self._get_system()
            if self.system is not None and not system_permissions.can_edit_system(
                request.user, self.system
            ):
                raise PermissionDenied(
                    f"{self.system.reference} is archived: it is read-only."
                    if self.system.is_archived
                    else "Only contributors of the system's team can plan its mitigations."
                )
        return super().dispatch(request, *args, **kwargs)

    def _get_system(self):
        pk = parse_id(self.request.GET.get("system"))
        if pk is None:
            return None
        return get_object_or_404(
            AISystem.objects.visible_to(self.request.user).select_related("team"), pk=pk
        )

    def get(self, request, *args, **kwargs):
        if self.system is None:
            return render(
                request,
                "mitigations/choose_system.html",
                {
                    "systems": selectors.systems_open_for_mitigations(request.user),
                    "risk": request.GET.get("risk", ""),
                },
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.system is None:
            return HttpResponse("Choose the system of the mitigation (?system=<id>).", status=400)
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        risk = parse_id(self.request.GET.get("risk"))
        risks = self.system.risks.filter(archived_at__isnull=True)
        if risk is not None and risks.filter(pk=risk).exists():
            initial["risks"] = [risk]
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["system"] = self.system
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.system
        return context

    def perform(self, form):
        return services.create_mitigation(
            system=self.system,
            by=self.request.user,
            data=form.mitigation_data(),
            risks=form.cleaned_data["risks"],
            reason=form.cleaned_data["change_reason"],
        )


class MitigationEditView(MitigationObjectMixin, ServiceFormView):
    template_name = "mitigations/form.html"
    form_class = MitigationForm
    success_message = "Your changes to {obj.reference} are saved."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_can_edit(request.user, self.get_mitigation())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        mitigation = self.get_mitigation()
        kwargs["system"] = mitigation.system
        kwargs["user"] = self.request.user
        # The form writes what was typed onto its instance: keep the page's record untouched.
        kwargs["instance"] = copy.copy(mitigation)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mitigation"] = self.get_mitigation()
        context["system"] = self.get_mitigation().system
        return context

    def perform(self, form):
        return services.update_mitigation(
            mitigation=self.get_mitigation(),
            by=self.request.user,
            data=form.mitigation_data(),
            risks=form.cleaned_data["risks"],
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
        )


# --- Status ---------------------------------------------------------------------------------------
class SetStatusView(LoginRequiredMixin, MitigationObjectMixin, View):
    """POST ``status`` (and ``risk`` when used from a risk's panel, to go back there)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        mitigation = self.get_mitigation()
        _check_can_edit(request.user, mitigation)
        risk = None
        risk_pk = request.POST.get("risk", "")
        if risk_pk:
            if parse_id(risk_pk) is None:
                return HttpResponse("Unknown risk.", status=400)
            risk = get_object_or_404(
                Risk.objects.visible_to(request.user).select_related("system", "system__team"),
                pk=risk_pk,
                system_id=mitigation.system_id,
            )
        form = StatusForm(request.POST)
        if not form.is_valid():
            return HttpResponse(
                "Choose one of: " + ", ".join(MitigationStatus.values) + ".", status=400
            )
        try:
            mitigation = services.set_status(
                mitigation=mitigation, by=request.user, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            text, level = " ".join(error.messages), messages.ERROR
        else:
            text = f"{mitigation.reference} is now {mitigation.get_status_display().lower()}."
            level = messages.SUCCESS
        if risk is not None:
            return panel_response(request, risk, text=text, level=level)
        messages.add_message(request, level, text)
        return redirect(mitigation.get_absolute_url())


# --- Evidence -------------------------------------------------------------------------------------
class AddEvidenceView(MitigationDetailView):
    """POST (multipart) a file, a link or a note; errors show on the mitigation's page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = mitigation = self.get_mitigation()
        _check_can_edit(request.user, mitigation)
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
        context = self.get_context_data(object=mitigation, evidence_form=form)
        return self.render_to_response(context, status=400)


class EvidenceMixin(MitigationObjectMixin):
    def get_evidence(self, **filters) -> Evidence:
        return get_object_or_404(
            self.get_mitigation().evidence.filter(removed_at__isnull=True, **filters),
            pk=self.kwargs["evidence_pk"],
        )


class RemoveEvidenceView(LoginRequiredMixin, EvidenceMixin, TemplateView):
    """GET asks for confirmation; POST takes the evidence off (kept for the audit trail)."""

    template_name = "mitigations/evidence_remove_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_can_edit(request.user, self.get_mitigation())
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mitigation"] = self.get_mitigation()
        context["evidence"] = self.get_evidence()
        return context

    def post(self, request, *args, **kwargs):
        mitigation = self.get_mitigation()
        try:
            core_services.remove_evidence(evidence=self.get_evidence(), by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The evidence is removed; its trace stays in the history.")
        return redirect(f"{mitigation.get_absolute_url()}#evidence")


class EvidenceDownloadView(LoginRequiredMixin, EvidenceMixin, View):
    """Serves an evidence file to those who may read the mitigation, never inline."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        mitigation = self.get_mitigation()
        if not permissions.can_view_mitigation(request.user, mitigation):
            raise Http404("No such evidence.")
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


# --- The panel on a risk's page ------------------------------------------------------------------
def risk_panel_context(request, risk, *, add_form=None, link_form=None, notice=None) -> dict:
    """What ``mitigations/_risk_panel.html`` needs, under one key so it never clobbers the page.

    The risk's page merges this into its context and includes the template; the panel's own
    endpoints render the same template as an htmx fragment.
    """
    user = request.user
    can_edit = risk_permissions.can_edit_risk(user, risk)
    mitigations = list(selectors.mitigations_of_risk(risk))
    panel = {
        "risk": risk,
        "rows": [
            {"mitigation": m, "actions": status_actions(m) if can_edit else []} for m in mitigations
        ],
        "can_edit": can_edit,
        "notice": notice,
        "create_url": f"{reverse('mitigations:create')}?system={risk.system_id}&risk={risk.pk}",
    }
    if can_edit:
        panel["add_form"] = add_form or RiskPanelAddForm(system=risk.system, user=user)
        panel["link_form"] = link_form or RiskPanelLinkForm(risk=risk, user=user)
        panel["add_open"] = bool(add_form is not None and add_form.errors)
    return {"mitigation_panel": panel}


def panel_response(request, risk, *, text="", level=messages.SUCCESS, **forms):
    """The refreshed panel for htmx; otherwise back to the risk's page (works without JS)."""
    if request.htmx:
        notice = {"text": text, "level": "danger" if level == messages.ERROR else "success"}
        return render(
            request,
            "mitigations/_risk_panel.html",
            risk_panel_context(request, risk, notice=notice if text else None, **forms),
        )
    if text:
        messages.add_message(request, level, text)
    return HttpResponseRedirect(f"{risk.get_absolute_url()}#{PANEL_ID}")


class RiskPanelView(LoginRequiredMixin, RiskObjectMixin, View):
    """GET: the panel as a fragment, for anyone who may read the risk."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return render(
            request, "mitigations/_risk_panel.html", risk_panel_context(request, self.get_risk())
        )


class RiskPanelAddView(LoginRequiredMixin, RiskObjectMixin, View):
    """POST: plan a new mitigation that treats this risk."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        risk = self.get_risk()
        _check_can_edit_risk(request.user, risk)
        form = RiskPanelAddForm(request.POST, system=risk.system, user=request.user)
        if form.is_valid():
            try:
                mitigation = services.create_mitigation(
                    system=risk.system,
                    by=request.user,
                    data=form.mitigation_data(),
                    risks=[risk],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return panel_response(
                    request, risk, text=f"{mitigation.reference} “{mitigation}” is planned."
                )
        if request.htmx:
            # 200 so that htmx swaps the panel in with the errors next to the fields.
            return panel_response(request, risk, add_form=form)
        context = risk_panel_context(request, risk, add_form=form)
        return render(request, "mitigations/risk_panel_page.html", context)


class RiskPanelLinkView(LoginRequiredMixin, RiskObjectMixin, View):
    """POST ``mitigation``: an existing mitigation of the same system also treats this risk."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        risk = self.get_risk()
        _check_can_edit_risk(request.user, risk)
        form = RiskPanelLinkForm(request.POST, risk=risk, user=request.user)
        if form.is_valid():
            mitigation = form.cleaned_data["mitigation"]
            try:
                services.link_risk(mitigation=mitigation, risk=risk, by=request.user)
            except ValidationError as error:
                return panel_response(
                    request, risk, text=" ".join(error.messages), level=messages.ERROR
                )
            return panel_response(
                request, risk, text=f"{mitigation.reference} now treats {risk.reference}."
            )
        return panel_response(
            request,
            risk,
            text=" ".join(form.errors.get("mitigation", ["Choose a mitigation."])),
            level=messages.ERROR,
        )


class RiskPanelUnlinkView(LoginRequiredMixin, RiskObjectMixin, View):
    """POST: this mitigation no longer treats this risk (the mitigation itself stays)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        risk = self.get_risk()
        _check_can_edit_risk(request.user, risk)
        mitigation = get_object_or_404(
            risk.mitigations.select_related("system"), pk=self.kwargs["pk"]
        )
        services.unlink_risk(mitigation=mitigation, risk=risk, by=request.user)
        return panel_response(
            request, risk, text=f"{mitigation.reference} no longer treats {risk.reference}."
        )
