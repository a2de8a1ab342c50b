"""The register of mitigations and each mitigation's pages: list, page, history, plan, edit and
the status buttons (which, from a risk's panel, answer with the panel)."""

from __future__ import annotations

import copy

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from apps.core import services as core_services
from apps.core.forms import EvidenceForm
from apps.core.ids import parse_id
from apps.core.views.generic import (
    ObjectActionView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectView,
)
from apps.mitigations import permissions, selectors, services
from apps.mitigations.api.exports import MitigationExporter
from apps.mitigations.filters import MitigationFilterSet
from apps.mitigations.forms import MitigationForm, StatusForm
from apps.mitigations.models import Mitigation
from apps.mitigations.panels import status_actions
from apps.mitigations.views.risk_panel import panel_response
from apps.risks.treatment import MitigationStatus
from apps.systems.views import SystemChildCreateView


# --- List, detail, history ------------------------------------------------------------------------
class MitigationListView(ObjectListView):
    model = Mitigation
    selector = staticmethod(selectors.mitigation_list)
    filterset_class = MitigationFilterSet
    template_name = "mitigations/list.html"
    partial_template_name = "mitigations/_list_results.html"

    def get_extra_context(self):
        return {"can_create": permissions.can_plan_mitigations_somewhere(self.request.user)}


class MitigationExportView(ObjectExportView):
    """The list's *Download CSV*: the rows of the filtered list, the API export's columns."""

    exporter = MitigationExporter
    filterset_class = MitigationFilterSet


class MitigationView(ObjectView):
    """The mitigation, the risks it treats, its evidence (and the form to add some)."""

    model = Mitigation
    selector = staticmethod(selectors.mitigation_detail)
    evidence_form: EvidenceForm | None = None  # one with errors, shown again

    def get_history(self, obj):
        return selectors.history_of_mitigation(obj)

    def get_extra_context(self):
        mitigation = self.object
        can_edit = permissions.can_edit_mitigation(self.request.user, mitigation)
        return {
            "system": mitigation.system,
            "risks": selectors.risks_of(mitigation),
            "evidence_list": core_services.evidence_of(mitigation),
            "can_edit": can_edit,
            "status_actions": status_actions(mitigation) if can_edit else [],
            "evidence_form": (self.evidence_form or EvidenceForm()) if can_edit else None,
        }


class MitigationHistoryView(ObjectHistoryView):
    """The mitigation's changes and those of its evidence."""

    model = Mitigation

    def get_history(self, obj):
        return selectors.history_of_mitigation(obj)


# --- Create and edit ------------------------------------------------------------------------------
class MitigationCreateView(SystemChildCreateView):
    """Plan a mitigation for ``?system=<pk>`` (and ``?risk=<pk>`` to treat that risk).

    Those who may plan no mitigation anywhere are refused before the system is looked up.
    """

    template_name = "mitigations/form.html"
    form_class = MitigationForm
    service = staticmethod(services.create_mitigation)
    parent_action = "plan_mitigations"
    success_message = "{obj.reference} “{obj}” is planned."
    chooser_title = "Plan a mitigation"
    chooser_question = (
        "A mitigation belongs to one AI system and treats some of its risks. "
        "Which system is it for?"
    )
    chooser_empty = "None of your teams has an active AI system to plan mitigations for."
    chooser_refusal = "Only contributors of a team can plan mitigations."
    chooser_list_url = "mitigations:list"
    chooser_keeps = ("risk",)

    def get_parent(self):
        self.refuse_without_parent()
        return super().get_parent()

    def get_initial(self):
        initial = super().get_initial()
        risk = parse_id(self.request.GET.get("risk"))
        risks = self.parent.risks.filter(archived_at__isnull=True)
        if risk is not None and risks.filter(pk=risk).exists():
            initial["risks"] = [risk]
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.parent, "user": self.request.user}

    def check_with_service(self, form):
        services.check_mitigation(system=self.parent, data=form.cleaned_data)

    def get_service_kwargs(self, form):
        return {"risks": form.cleaned_data["risks"]}


class MitigationEditView(ObjectEditView):
    model = Mitigation
    selector = staticmethod(selectors.mitigation_detail)
    form_class = MitigationForm
    service = staticmethod(services.update_mitigation)

    def get_form_instance(self):
        # The form writes what was typed onto its instance: keep the page's record untouched.
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
        services.check_mitigation(
            system=self.object.system,
            data=form.cleaned_data,
            current_owner_id=self.object.owner_id,
        )

    def get_service_kwargs(self, form):
        return {"risks": form.cleaned_data["risks"]}


# --- Status ---------------------------------------------------------------------------------------
class SetStatusView(ObjectActionView):
    """POST ``status`` (and ``risk`` when used from a risk's panel, to go back there)."""

    model = Mitigation
    selector = staticmethod(selectors.mitigation_detail)

    def post(self, request, *args, **kwargs):
        self.risk = None
        if request.POST.get("risk", ""):
            risk_id = parse_id(request.POST["risk"])
            if risk_id is None:
                return HttpResponse("Unknown risk.", status=400)
            self.risk = get_object_or_404(
                selectors.risks_with_their_system(request.user),
                pk=risk_id,
                system_id=self.object.system_id,
            )
        self.form = StatusForm(request.POST)
        if not self.form.is_valid():
            choices = ", ".join(MitigationStatus.values)
            return HttpResponse(f"Choose one of: {choices}.", status=400)
        return super().post(request, *args, **kwargs)

    def act(self, mitigation):
        status = self.form.cleaned_data["status"]
        mitigation = services.set_status(mitigation=mitigation, by=self.request.user, status=status)
        return f"{mitigation.reference} is now {mitigation.get_status_display().lower()}."

    def respond(self, text, level):
        if self.risk is not None:
            return panel_response(self.request, self.risk, text=text, level=level)
        return super().respond(text, level)
