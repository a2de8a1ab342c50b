"""Pages of incidents: declarations on the generic views of :mod:`apps.core`.

Every page finds its incident among those the person may see (another team's incident is a 404)
and asks the rules of :mod:`apps.incidents.permissions` before a change (a 403 with the reason).
The actions of an incident's page (the next phase, a risk that materialised, a follow-up) show
that page again with the form's errors when they cannot be done (400).
"""

from __future__ import annotations

import copy
from typing import ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from apps.core.charts import line_chart
from apps.core.views.generic import (
    ObjectActionView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectView,
    add_service_errors,
)
from apps.incidents import permissions, selectors, services
from apps.incidents.api.exports import IncidentPageExporter
from apps.incidents.filters import IncidentFilterSet
from apps.incidents.forms import IncidentForm, LinkRiskForm, PhaseForm, RaiseLikelihoodForm
from apps.incidents.models import (
    ART73_DAYS,
    PHASE_STEPS,
    SEVERITY_DEFINITIONS,
    Incident,
    SeriousIncident,
    Severity,
)
from apps.mitigations.forms import RiskPanelAddForm
from apps.risks import permissions as risk_permissions
from apps.systems.views import SystemChildCreateView

TREND_MONTHS = 12


# --- List, export, metrics ------------------------------------------------------------------------
class IncidentListView(ObjectListView):
    model = Incident
    selector = staticmethod(selectors.incident_list)
    filterset_class = IncidentFilterSet
    template_name = "incidents/list.html"
    partial_template_name = "incidents/_list_results.html"

    def get_extra_context(self):
        return {"can_log": permissions.can_log_incidents(self.request.user)}


class IncidentExportView(ObjectExportView):
    exporter = IncidentPageExporter


class IncidentMetricsView(LoginRequiredMixin, TemplateView):
    """Mean time to detect and to resolve, by severity and by month, for the filtered incidents
    (the list's filters); an htmx request gets only the results."""

    template_name = "incidents/metrics.html"
    partial_template_name = "incidents/_metrics_results.html"

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        return [self.partial_template_name if htmx and not htmx.boosted else self.template_name]

    def get_context_data(self, **kwargs):
        request = self.request
        filterset = IncidentFilterSet(
            request.GET, queryset=selectors.incident_list(request.user), request=request
        )
        queryset = filterset.qs
        by_month = selectors.response_times_by_month(queryset, months=TREND_MONTHS)
        return {
            **super().get_context_data(**kwargs),
            "filterset": filterset,
            "filter_form": filterset.form,
            "overall": selectors.response_times(queryset),
            "by_severity": selectors.response_times_by_severity(queryset),
            "by_month": by_month,
            "chart": line_chart(by_month),
            "is_filtered": any(v for k, v in request.GET.items() if k != "ordering"),
        }


# --- The incident's page --------------------------------------------------------------------------
def timeline(incident: Incident) -> list[dict]:
    """Each response phase with its time and the time since the previous recorded one."""
    rows, previous = [], None
    next_step = incident.next_step
    for step in PHASE_STEPS:
        at = getattr(incident, step.field)
        if step.field == "review_done_at" and at is None and not incident.owes_post_incident_review:
            continue  # SEV3/SEV4 may skip the team's post-incident review
        rows.append(
            {
                "label": step.label,
                "at": at,
                "since_previous": (at - previous) if at is not None and previous else None,
                "is_next": next_step is not None and step.field == next_step.field,
            }
        )
        if at is not None:
            previous = at
    return rows


def risk_rows(user, incident: Incident, *, can_edit: bool) -> list[dict]:
    """The risks that materialised, each with whether the person may raise its likelihood."""
    return [
        {
            "risk": risk,
            "added_after": risk.created_at > incident.created_at,
            "can_raise": can_edit
            and risk.residual_likelihood < 5
            and risk_permissions.can_edit_risk(user, risk),
            "raise_form": RaiseLikelihoodForm(risk=risk),
        }
        for risk in selectors.materialised_risks_of(incident)
    ]


def post_incident_review_links(incident: Incident, *, can_edit: bool) -> dict:
    """Where the page points for the post-incident review: the review that settles the debt,
    or the page to submit the safety plan for it (once the reviews pages are mounted)."""
    links = {"review_url": "", "review_reference": "", "submit_url": ""}
    review_id = getattr(incident, "post_incident_review_id", None)
    try:
        if review_id:
            from apps.reviews.models import Review

            links["review_reference"] = Review.format_reference(review_id)
            links["review_url"] = reverse("reviews:detail", args=[review_id])
        elif can_edit and incident.post_incident_review_due:
            links["submit_url"] = reverse("reviews:submit", args=[incident.system_id])
    except NoReverseMatch:
        pass  # the reviews pages are not mounted: the page names the review without a link
    return links


class IncidentView(ObjectView):
    """The incident, its response timeline, what it taught the register and, for those who may
    change it, the forms of its actions (``bound_forms``: one that came back with errors)."""

    model = Incident
    selector = staticmethod(selectors.incident_detail)
    record_name = "incident"
    bound_forms: dict = {}

    def get_extra_context(self):
        user, incident = self.request.user, self.object
        can_edit = permissions.can_edit_incident(user, incident)
        context = {
            "system": incident.system,
            "timeline": timeline(incident),
            "next_step": incident.next_step if can_edit else None,
            "risk_rows": risk_rows(user, incident, can_edit=can_edit),
            "mitigations": selectors.follow_up_mitigations_of(incident),
            "can_edit": can_edit,
            "severity_definition": SEVERITY_DEFINITIONS[Severity(incident.severity)],
            "post_incident_review": post_incident_review_links(incident, can_edit=can_edit),
            "art73_days": (
                ART73_DAYS[SeriousIncident(incident.serious_incident)]
                if incident.art73_applies
                else None
            ),
        }
        if can_edit:
            context.update(self.action_forms())
        return context

    def action_forms(self) -> dict:
        """The forms of the page's actions: blank, but the one that came back with errors."""
        forms = self.bound_forms
        follow_up_form = forms.get("follow_up_form")
        return {
            "phase_form": forms.get("phase_form") or PhaseForm(),
            "link_form": forms.get("link_form") or LinkRiskForm(incident=self.object),
            "follow_up_form": follow_up_form
            or RiskPanelAddForm(system=self.object.system, user=self.request.user),
            "follow_up_open": bool(follow_up_form is not None and follow_up_form.errors),
        }


class IncidentHistoryView(ObjectHistoryView):
    model = Incident


# --- Log and edit ---------------------------------------------------------------------------------
class IncidentCreateView(SystemChildCreateView):
    """Log an incident of ``?system=<pk>``; without one, choose the system first."""

    template_name = "incidents/form.html"
    form_class = IncidentForm
    service = staticmethod(services.open_incident)
    parent_action = "add_incident"
    success_message = "{obj.reference} “{obj}” is logged."
    chooser_title = "Log an incident"
    chooser_question = "An incident happens to one AI system. Which one?"
    chooser_empty = "None of your teams has an active AI system to log an incident for."
    chooser_refusal = "Only contributors of a team can log incidents."
    chooser_list_url = "incidents:list"

    def get_initial(self):
        return {"detected_at": timezone.localtime().replace(second=0, microsecond=0)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.parent}

    def get_service_kwargs(self, form):
        return form.linked_records()


class IncidentEditView(ObjectEditView):
    model = Incident
    selector = staticmethod(selectors.incident_detail)
    form_class = IncidentForm
    service = staticmethod(services.update_incident)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object.system}

    def get_form_instance(self):
        # The form writes what was typed onto its instance: keep the page's record untouched.
        return copy.copy(self.object)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}

    def get_service_kwargs(self, form):
        return form.linked_records()


# --- Actions of the incident's page ---------------------------------------------------------------
class _IncidentAction(ObjectActionView):
    """A POST from the incident's page, by those who may change the incident. A GET is refused
    as the POST would be; only they learn that the action takes a POST (405)."""

    model = Incident
    selector = staticmethod(selectors.incident_detail)
    check_before_method = True
    anchor: ClassVar[str] = ""  # the section of the page to go back to

    def get_success_url(self, obj):
        return obj.get_absolute_url() + self.anchor


class _IncidentFormAction(_IncidentAction):
    """An action with a form (``form_name`` in the page's context): when the form or the service
    finds a problem, the incident's page shows again with the form and its errors (400)."""

    form_name: ClassVar[str] = ""

    def get_form(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.form = self.get_form()
        if self.form.is_valid():
            try:
                message = self.act(self.object)
            except ValidationError as error:
                add_service_errors(self.form, error)
            else:
                messages.success(request, message)
                return redirect(self.get_success_url(self.object))
        page = IncidentView(
            request=request,
            kwargs=self.kwargs,
            object=self.object,
            bound_forms={self.form_name: self.form},
        )
        return page.render_to_response(page.get_context_data(), status=400)


class RecordPhaseView(_IncidentFormAction):
    """POST ``phase`` (the timestamp field of the next phase) and optionally ``at``."""

    form_name = "phase_form"

    def post(self, request, *args, **kwargs):
        if request.POST.get("phase", "") not in services.RECORDABLE_PHASES:
            return HttpResponse("Unknown phase.", status=400)
        return super().post(request, *args, **kwargs)

    def get_form(self):
        return PhaseForm(self.request.POST)

    def act(self, incident):
        phase_field = self.request.POST["phase"]
        incident = services.record_phase(
            incident=incident,
            by=self.request.user,
            phase_field=phase_field,
            at=self.form.cleaned_data["at"],
        )
        step = next(s for s in PHASE_STEPS if s.field == phase_field)
        text = f"{incident.reference}: {step.label.lower()} is recorded."
        if incident.post_incident_review_due and phase_field == "closed_at":
            text += " A post-incident review of the safety plan is now owed."
        return text


class LinkRiskView(_IncidentFormAction):
    """POST ``risk``: a risk of the system materialised in this incident."""

    form_name = "link_form"
    anchor = "#risks"

    def get_form(self):
        return LinkRiskForm(self.request.POST, incident=self.object)

    def act(self, incident):
        risk = self.form.cleaned_data["risk"]
        services.link_risk(incident=incident, risk=risk, by=self.request.user)
        return f"{risk.reference} is linked: {incident.reference} is catalogued."


class AddFollowUpView(_IncidentFormAction):
    """POST a new follow-up mitigation (title, kind, layer, owner, due date)."""

    form_name = "follow_up_form"
    anchor = "#follow-up"

    def get_form(self):
        return RiskPanelAddForm(
            self.request.POST, system=self.object.system, user=self.request.user
        )

    def act(self, incident):
        mitigation = services.plan_follow_up_mitigation(
            incident=incident, by=self.request.user, data=self.form.mitigation_data()
        )
        return f"{mitigation.reference} “{mitigation}” is planned."


class RaiseLikelihoodView(_IncidentAction):
    """POST ``likelihood`` for one of the risks that materialised; a problem is a message."""

    anchor = "#risks"

    def act(self, incident):
        risk = get_object_or_404(
            selectors.materialised_risks_of(incident).select_related("system__team"),
            pk=self.kwargs["risk_pk"],
        )
        refusal = permissions.why_cannot_raise_likelihood(self.request.user, risk)
        if refusal:
            raise PermissionDenied(refusal)
        form = RaiseLikelihoodForm(self.request.POST, risk=risk)
        if not form.is_valid():
            raise ValidationError(
                f"Choose a likelihood above {risk.residual_likelihood} for {risk}."
            )
        risk = services.raise_risk_likelihood(
            incident=incident,
            risk=risk,
            by=self.request.user,
            likelihood=form.cleaned_data["likelihood"],
        )
        return (
            f"{risk.reference}: residual likelihood is now {risk.residual_likelihood} "
            f"(score {risk.residual_score}, {risk.get_residual_level_display().lower()})."
        )
