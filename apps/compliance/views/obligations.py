"""The organisation's obligations and each obligation's pages: list, export, page, edit form,
history, evidence, and the links to the mitigations and risks that address it."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render

from apps.compliance import permissions, selectors, services
from apps.compliance.api.exports import ObligationExporter
from apps.compliance.filters import ObligationFilterSet
from apps.compliance.forms import EvidenceForm, LinkMitigationForm, LinkRiskForm, ObligationForm
from apps.compliance.models import AcceptanceStatus, Obligation, ObligationStatus
from apps.compliance.pagination import IdsFirstPaginator
from apps.compliance.panels import links_context
from apps.core import services as core_services
from apps.core.ids import parse_id
from apps.core.views import evidence
from apps.core.views.generic import (
    ObjectActionView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectView,
)

LINKS_ANCHOR = "#links"


# --- The organisation's list ----------------------------------------------------------------------
class ObligationListView(ObjectListView):
    """Every obligation the person may see, across systems: filtered, sorted, searched,
    paginated, exported. Those that apply unless ``applicability`` says otherwise."""

    model = Obligation
    selector = staticmethod(selectors.obligation_list)
    filterset_class = ObligationFilterSet
    template_name = "compliance/list.html"
    partial_template_name = "compliance/_list_results.html"
    paginator_class = IdsFirstPaginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The default ("applies") is not a filter the person chose.
        context["is_filtered"] = any(
            value
            for key, value in self.request.GET.items()
            if key not in {"page", "per_page", "ordering"}
            and not (key == "applicability" and value == "applies")
        )
        return context


class ObligationExportView(ObjectExportView):
    """The list's *Download CSV*: the rows of the filtered list, the API export's columns."""

    exporter = ObligationExporter
    filterset_class = ObligationFilterSet


# --- One obligation -------------------------------------------------------------------------------
def can_request_exception(user, obligation: Obligation, live_exception) -> bool:
    """Whether the page offers to ask the committee for an exception (the service has the last
    word): a blocking obligation that applies, is not met, and has none pending or in force."""
    return (
        obligation.requirement.is_blocking
        and obligation.applies
        and not obligation.is_met
        and obligation.status != ObligationStatus.NOT_APPLICABLE
        and live_exception is None
        and permissions.can_change_obligation(user, obligation)
    )


class ObligationView(ObjectView):
    """The requirement, why it applies, where the work stands, its evidence, the mitigations and
    risks that address it, its exceptions and its history."""

    model = Obligation
    selector = staticmethod(selectors.obligation_detail)
    template_name = "compliance/obligation_detail.html"
    evidence_form: EvidenceForm | None = None  # one with errors, shown again

    def get_history(self, obj):
        return selectors.history_of_obligation(obj)

    def get_extra_context(self):
        user, obligation = self.request.user, self.object
        can_edit = permissions.can_change_obligation(user, obligation)
        exceptions = list(obligation.exceptions.select_related("requested_by", "decided_by"))
        live = next((e for e in exceptions if e.is_live), None)
        return {
            "system": obligation.system,
            "requirement": obligation.requirement,
            "can_edit": can_edit,
            "evidence_list": core_services.evidence_of(obligation),
            "evidence_form": (self.evidence_form or EvidenceForm()) if can_edit else None,
            "exceptions": exceptions,
            "live_exception": live,
            "can_request_exception": can_request_exception(user, obligation, live),
            "approved": AcceptanceStatus.APPROVED,
            **links_context(self.request, obligation),
        }


class ObligationEditView(ObjectEditView):
    """Status, justification, owner, due date and notes, through the service (409 on a
    conflicting edit)."""

    model = Obligation
    selector = staticmethod(selectors.obligation_detail)
    form_class = ObligationForm
    service = staticmethod(services.update_obligation)
    template_name = "compliance/obligation_form.html"

    def get_form_instance(self):
        # The form writes what was typed onto its instance: keep the page's record untouched.
        return copy.copy(self.object)

    def check_with_service(self, form):
        data = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        services.check_obligation(obligation=self.object, data=data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}


class ObligationHistoryView(ObjectHistoryView):
    """The obligation's changes, with those of its evidence and exceptions."""

    model = Obligation
    selector = staticmethod(selectors.obligation_detail)

    def get_history(self, obj):
        return selectors.history_of_obligation(obj)


# --- Evidence -------------------------------------------------------------------------------------
class AddEvidenceView(evidence.AddEvidenceMixin, ObligationView):
    """POST a file, a link or a note; errors show on the obligation's page."""


class RemoveEvidenceView(evidence.RemoveEvidenceView):
    model = Obligation
    selector = staticmethod(selectors.obligation_detail)


class EvidenceDownloadView(evidence.EvidenceDownloadView):
    model = Obligation


# --- Links to mitigations and risks ---------------------------------------------------------------
class _LinksAction(ObjectActionView):
    """A change of the obligation's links: with htmx, answered with the refreshed links panel;
    otherwise back to the obligation's page (works without JavaScript)."""

    model = Obligation
    selector = staticmethod(selectors.obligation_detail)
    forms: dict | None = None

    def respond(self, text, level):
        if self.request.htmx:
            notice = {"text": text, "level": "danger" if level == messages.ERROR else "success"}
            context = links_context(
                self.request, self.object, notice=notice if text else None, forms=self.forms
            )
            return render(self.request, "compliance/_links_panel.html", context)
        if text:
            messages.add_message(self.request, level, text)
        return HttpResponseRedirect(self.get_success_url(self.object))

    def get_success_url(self, obligation):
        return f"{obligation.get_absolute_url()}{LINKS_ANCHOR}"


def _form_error(form, name: str) -> ValidationError:
    return ValidationError(" ".join(form.errors.get(name, [])) or "Choose a record to link.")


class LinkMitigationView(_LinksAction):
    """POST ``mitigation``: a mitigation of the same system addresses the obligation."""

    def act(self, obligation):
        form = LinkMitigationForm(self.request.POST, obligation=obligation)
        if not form.is_valid():
            self.forms = {"mitigation": form}
            raise _form_error(form, "mitigation")
        mitigation = form.cleaned_data["mitigation"]
        services.link_mitigation(obligation=obligation, mitigation=mitigation, by=self.request.user)
        return f"{mitigation.reference} now addresses {obligation.reference}."


class UnlinkMitigationView(_LinksAction):
    """POST: this mitigation no longer addresses the obligation (the mitigation stays)."""

    def act(self, obligation):
        mitigation = get_object_or_404(
            obligation.mitigations.all(), pk=self.kwargs["mitigation_pk"]
        )
        services.unlink_mitigation(
            obligation=obligation, mitigation=mitigation, by=self.request.user
        )
        return f"{mitigation.reference} no longer addresses {obligation.reference}."


class LinkRiskView(_LinksAction):
    """POST ``risk``: a risk of the same system is what the obligation is about. With
    ``back=risk`` (the suggestions on a risk's page), the person goes back to that risk."""

    def post(self, request, *args, **kwargs):
        self.back_to = None
        if request.POST.get("back") == "risk":
            risk_id = parse_id(request.POST.get("risk"))
            self.back_to = self.object.system.risks.filter(pk=risk_id).first()
        return super().post(request, *args, **kwargs)

    def act(self, obligation):
        form = LinkRiskForm(self.request.POST, obligation=obligation)
        if not form.is_valid():
            self.forms = {"risk": form}
            raise _form_error(form, "risk")
        risk = form.cleaned_data["risk"]
        services.link_risk(obligation=obligation, risk=risk, by=self.request.user)
        return f"{risk.reference} is linked to {obligation.reference}."

    def get_success_url(self, obligation):
        if self.back_to is not None:
            return f"{self.back_to.get_absolute_url()}#obligations"
        return super().get_success_url(obligation)


class UnlinkRiskView(_LinksAction):
    """POST: this risk is no longer linked to the obligation (the risk stays)."""

    def act(self, obligation):
        risk = get_object_or_404(obligation.risks.all(), pk=self.kwargs["risk_pk"])
        services.unlink_risk(obligation=obligation, risk=risk, by=self.request.user)
        return f"{risk.reference} is no longer linked to {obligation.reference}."
