"""The risk register and each risk's pages: declarations on the generic views of
:mod:`apps.core`.

A risk's page shows what other apps plug into it (its mitigations: see their ``panels.py``).
"""

from __future__ import annotations

from apps.accounts.permissions import is_contributor_somewhere
from apps.core.views.generic import (
    ObjectArchiveView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectView,
)
from apps.risks import permissions, selectors, services
from apps.risks.api.exports import RegisterPageExporter
from apps.risks.filters import RiskFilterSet
from apps.risks.forms import RiskForm
from apps.risks.models import Risk, RiskMatrix
from apps.systems.views import SystemChildCreateView


class RiskListView(ObjectListView):
    """The register: every risk the person may see, across systems."""

    model = Risk
    selector = staticmethod(selectors.risk_list)
    filterset_class = RiskFilterSet
    template_name = "risks/list.html"
    partial_template_name = "risks/_list_results.html"

    def get_extra_context(self):
        return {"can_add_risk": is_contributor_somewhere(self.request.user)}


class RiskExportView(ObjectExportView):
    exporter = RegisterPageExporter
    filterset_class = RiskFilterSet


class RiskView(ObjectView):
    model = Risk
    selector = staticmethod(selectors.risk_detail)

    def get_extra_context(self):
        user, risk = self.request.user, self.object
        can_edit = permissions.can_edit_risk(user, risk)
        acceptances = list(risk.acceptances.select_related("requested_by", "decided_by"))
        live_acceptance = next((a for a in acceptances if a.is_live), None)
        return {
            "can_edit": can_edit,
            "can_archive": permissions.can_archive_risk(user, risk),
            "acceptances": acceptances,
            "live_acceptance": live_acceptance,
            "can_request_acceptance": can_edit and not live_acceptance,
            "deadline_days": RiskMatrix.load().deadline_days(risk.inherent_level),
        }


class RiskCreateView(SystemChildCreateView):
    """Add a risk to a system (``?system=<pk>``); without one, choose the system first."""

    template_name = "risks/form.html"
    form_class = RiskForm
    service = staticmethod(services.create_risk)
    parent_action = "add_risk"
    success_message = "{obj.reference} “{obj}” is in the register."
    chooser_title = "Add a risk"
    chooser_question = "Which AI system is the risk about?"
    chooser_empty = "Your teams have no active AI system yet."
    chooser_refusal = "Only contributors of a team can add risks."
    chooser_list_url = "risks:list"

    def get_initial(self):
        return {"owner": self.request.user}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.parent}


class RiskEditView(ObjectEditView):
    model = Risk
    selector = staticmethod(selectors.risk_detail)
    form_class = RiskForm
    service = staticmethod(services.update_risk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object.system}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}


class RiskArchiveView(ObjectArchiveView):
    model = Risk
    selector = staticmethod(selectors.risk_detail)
    archive_service = staticmethod(services.archive_risk)
    restore_service = staticmethod(services.restore_risk)
    restored_message = "{obj.reference} is back in the register."


class RiskHistoryView(ObjectHistoryView):
    model = Risk
