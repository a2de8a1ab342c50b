"""Pages of incidents: thin, calling selectors and services.

Every view finds its incident among those the user may see (another team's incident is a 404)
and asks :mod:`apps.accounts.permissions` before writing (a reader gets a 403 with the reason).
"""

from __future__ import annotations

import copy
import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from apps.core import selectors as core_selectors
from apps.core.charts import line_chart
from apps.core.ids import parse_id
from apps.core.spreadsheets import spreadsheet_row
from apps.core.views.generic import (
    FilteredListView,
    ObjectHistoryView,
    ServiceFormView,
    add_service_errors,
)
from apps.incidents import permissions, selectors, services
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
from apps.systems.models import AISystem

HISTORY_ON_DETAIL_PAGE = 20
EXPORT_CHUNK_SIZE = 2000
TREND_MONTHS = 12
EXPORT_HEADER = [
    "reference",
    "system_reference",
    "system",
    "team",
    "title",
    "severity",
    "phase",
    "occurred_at",
    "detected_at",
    "assessed_at",
    "contained_at",
    "recovered_at",
    "review_done_at",
    "closed_at",
    "hours_to_detect",
    "hours_to_resolve",
    "uncatalogued",
    "people_affected",
    "serious_incident",
    "regulator_notification_required",
    "regulator_deadline",
    "regulator_notified_at",
    "post_incident_review_owed",
    "reported_via",
    "updated_at",
]


def _refuse_edit(incident: Incident) -> PermissionDenied:
    if incident.system.is_archived:
        return PermissionDenied(f"{incident.system.reference} is archived: it is read-only.")
    return PermissionDenied("Only contributors of the system's team can change this incident.")


def _check_can_edit(user, incident: Incident) -> None:
    if not permissions.can_edit_incident(user, incident):
        raise _refuse_edit(incident)


class IncidentObjectMixin:
    """Finds the incident among those the user may see: another team's is a 404."""

    def get_incident(self) -> Incident:
        if not hasattr(self, "_incident"):
            self._incident = get_object_or_404(
                selectors.incident_detail(self.request.user), pk=self.kwargs["pk"]
            )
        return self._incident


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


# --- List, export, metrics ------------------------------------------------------------------------
class IncidentListView(FilteredListView):
    filterset_class = IncidentFilterSet
    template_name = "incidents/list.html"
    partial_template_name = "incidents/_list_results.html"

    def get_base_queryset(self):
        return selectors.incident_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context["can_log"] = permissions.can_log_incidents(self.request.user)
        return context


class _Echo:
    def write(self, value):
        return value


def _iso(value):
    return value.isoformat() if value else ""


def _hours(delta):
    return round(delta.total_seconds() / 3600, 2) if delta is not None else ""


def _export_lines(queryset):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_HEADER)
    rows = queryset.values_list(
        "pk",
        "system_id",
        "system__name",
        "system__team__name",
        "title",
        "severity",
        "phase",
        "occurred_at",
        "detected_at",
        "assessed_at",
        "contained_at",
        "recovered_at",
        "review_done_at",
        "closed_at",
        "uncatalogued",
        "people_affected",
        "serious_incident",
        "regulator_notification_required",
        "regulator_deadline",
        "regulator_notified_at",
        "post_incident_review_due",
        "reported_via",
        "updated_at",
    )
    for row in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        (pk, system_id, system, team, title, severity, phase) = row[:7]
        (occurred, detected, assessed, contained, recovered, reviewed, closed) = row[7:14]
        (uncatalogued, people, serious, required, deadline, notified, owed, via) = row[14:22]
        yield writer.writerow(
            spreadsheet_row(
                [
                    Incident.format_reference(pk),
                    AISystem.format_reference(system_id),
                    system,
                    team,
                    title,
                    Severity(severity).label,
                    phase,
                    _iso(occurred),
                    _iso(detected),
                    _iso(assessed),
                    _iso(contained),
                    _iso(recovered),
                    _iso(reviewed),
                    _iso(closed),
                    _hours(detected - occurred if occurred else None),
                    _hours(recovered - detected if recovered else None),
                    "yes" if uncatalogued else "no",
                    "" if people is None else people,
                    serious,
                    "yes" if required else "no",
                    _iso(deadline),
                    _iso(notified),
                    "yes" if owed else "no",
                    via,
                    _iso(row[22]),
                ]
            )
        )


class IncidentExportView(LoginRequiredMixin, View):
    """Exactly the rows of the filtered list, as CSV, streamed in chunks."""

    def get(self, request):
        filterset = IncidentFilterSet(
            request.GET, queryset=selectors.incident_list(request.user), request=request
        )
        response = StreamingHttpResponse(
            _export_lines(filterset.qs), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
        return response


class IncidentMetricsView(LoginRequiredMixin, View):
    """Mean time to detect and to resolve, by severity and by month, for the filtered incidents."""

    def get(self, request):
        filterset = IncidentFilterSet(
            request.GET, queryset=selectors.incident_list(request.user), request=request
        )
        queryset = filterset.qs
        by_month = selectors.response_times_by_month(queryset, months=TREND_MONTHS)
        context = {
            "filterset": filterset,
            "filter_form": filterset.form,
            "overall": selectors.response_times(queryset),
            "by_severity": selectors.response_times_by_severity(queryset),
            "by_month": by_month,
            "chart": line_chart(by_month),
            "is_filtered": any(v for k, v in request.GET.items() if k != "ordering"),
        }
        htmx = getattr(request, "htmx", None)
        template = (
            "incidents/_metrics_results.html"
            if htmx and not htmx.boosted
            else "incidents/metrics.html"
        )
        return render(request, template, context)


# --- Detail and history ---------------------------------------------------------------------------
class IncidentDetailView(LoginRequiredMixin, IncidentObjectMixin, DetailView):
    template_name = "incidents/detail.html"
    context_object_name = "incident"

    def get_object(self, queryset=None):
        return self.get_incident()

    def get_context_data(self, phase_form=None, link_form=None, follow_up_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        incident = self.object
        can_edit = permissions.can_edit_incident(user, incident)
        risks = list(selectors.materialised_risks_of(incident))
        history = core_selectors.history_of(incident)
        context.update(
            {
                "system": incident.system,
                "timeline": timeline(incident),
                "next_step": incident.next_step if can_edit else None,
                "risk_rows": [
                    {
                        "risk": risk,
                        "added_after": risk.created_at > incident.created_at,
                        "can_raise": can_edit
                        and risk.residual_likelihood < 5
                        and risk_permissions.can_edit_risk(user, risk),
                        "raise_form": RaiseLikelihoodForm(risk=risk),
                    }
                    for risk in risks
                ],
                "mitigations": selectors.follow_up_mitigations_of(incident),
                "history": history[:HISTORY_ON_DETAIL_PAGE],
                "history_truncated": history.count() > HISTORY_ON_DETAIL_PAGE,
                "can_edit": can_edit,
                "severity_definition": SEVERITY_DEFINITIONS[Severity(incident.severity)],
                "post_incident_review": post_incident_review_links(incident, can_edit=can_edit),
                "art73_days": (
                    ART73_DAYS[SeriousIncident(incident.serious_incident)]
                    if incident.art73_applies
                    else None
                ),
            }
        )
        if can_edit:
            context["phase_form"] = phase_form or PhaseForm()
            context["link_form"] = link_form or LinkRiskForm(incident=incident)
            context["follow_up_form"] = follow_up_form or RiskPanelAddForm(
                system=incident.system, user=user
            )
            context["follow_up_open"] = bool(follow_up_form is not None and follow_up_form.errors)
        return context


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


class IncidentHistoryView(IncidentObjectMixin, ObjectHistoryView):
    def get_object(self):
        return self.get_incident()


# --- Create and edit ------------------------------------------------------------------------------
class IncidentCreateView(ServiceFormView):
    """Log an incident of ``?system=<pk>``; without one, choose the system first."""

    template_name = "incidents/form.html"
    form_class = IncidentForm
    success_message = "{obj.reference} “{obj}” is logged."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.system = self._get_system()
            if self.system is None:
                if not permissions.can_log_incidents(request.user):
                    raise PermissionDenied("Only contributors of a team can log incidents.")
            elif not permissions.can_create_incident(request.user, self.system):
                raise PermissionDenied(
                    f"{self.system.reference} is archived: it is read-only."
                    if self.system.is_archived
                    else "Only contributors of the system's team can log its incidents."
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
                "incidents/choose_system.html",
                {"systems": selectors.systems_for_new_incidents(request.user)},
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.system is None:
            return HttpResponse("Choose the system of the incident (?system=<id>).", status=400)
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"detected_at": timezone.localtime().replace(second=0, microsecond=0)}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["system"] = self.system
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.system
        return context

    def perform(self, form):
        return services.open_incident(
            system=self.system,
            by=self.request.user,
            data=form.incident_data(),
            risks=form.cleaned_data["materialised_risks"],
            mitigations=form.cleaned_data["follow_up_mitigations"],
            reason=form.cleaned_data["change_reason"],
        )


class IncidentEditView(IncidentObjectMixin, ServiceFormView):
    template_name = "incidents/form.html"
    form_class = IncidentForm
    success_message = "Your changes to {obj.reference} are saved."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_can_edit(request.user, self.get_incident())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        incident = self.get_incident()
        kwargs["system"] = incident.system
        # The form writes what was typed onto its instance: keep the page's record untouched.
        kwargs["instance"] = copy.copy(incident)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["incident"] = self.get_incident()
        context["system"] = self.get_incident().system
        return context

    def perform(self, form):
        return services.update_incident(
            incident=self.get_incident(),
            by=self.request.user,
            data=form.incident_data(),
            risks=form.cleaned_data["materialised_risks"],
            mitigations=form.cleaned_data["follow_up_mitigations"],
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
        )


# --- Actions of the incident's page -------------------------------------------------------------
class _IncidentActionView(LoginRequiredMixin, IncidentObjectMixin, View):
    """A POST from the incident's page; on a form error the page shows again with it (400)."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_can_edit(request.user, self.get_incident())
        return super().dispatch(request, *args, **kwargs)

    def page_with_errors(self, **forms):
        view = IncidentDetailView(request=self.request, kwargs=self.kwargs)
        view._incident = view.object = self.get_incident()
        context = view.get_context_data(object=view.object, **forms)
        return render(self.request, view.template_name, context, status=400)


class RecordPhaseView(_IncidentActionView):
    """POST ``phase`` (the timestamp field of the next phase) and optionally ``at``."""

    def post(self, request, *args, **kwargs):
        incident = self.get_incident()
        phase_field = request.POST.get("phase", "")
        if phase_field not in services.RECORDABLE_PHASES:
            return HttpResponse("Unknown phase.", status=400)
        form = PhaseForm(request.POST)
        if form.is_valid():
            try:
                incident = services.record_phase(
                    incident=incident,
                    by=request.user,
                    phase_field=phase_field,
                    at=form.cleaned_data["at"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                step = next(s for s in PHASE_STEPS if s.field == phase_field)
                text = f"{incident.reference}: {step.label.lower()} is recorded."
                if incident.post_incident_review_due and phase_field == "closed_at":
                    text += " A post-incident review of the safety plan is now owed."
                messages.success(request, text)
                return redirect(incident.get_absolute_url())
        return self.page_with_errors(phase_form=form)


class LinkRiskView(_IncidentActionView):
    """POST ``risk``: a risk of the system materialised in this incident."""

    def post(self, request, *args, **kwargs):
        incident = self.get_incident()
        form = LinkRiskForm(request.POST, incident=incident)
        if form.is_valid():
            risk = form.cleaned_data["risk"]
            try:
                services.link_risk(incident=incident, risk=risk, by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"{risk.reference} is linked: {incident.reference} is catalogued."
                )
                return redirect(f"{incident.get_absolute_url()}#risks")
        return self.page_with_errors(link_form=form)


class RaiseLikelihoodView(_IncidentActionView):
    """POST ``likelihood`` for one of the risks that materialised."""

    def post(self, request, *args, **kwargs):
        incident = self.get_incident()
        risk = get_object_or_404(
            selectors.materialised_risks_of(incident).select_related("system__team"),
            pk=self.kwargs["risk_pk"],
        )
        if not risk_permissions.can_edit_risk(request.user, risk):
            raise PermissionDenied(f"{risk.reference} is archived or read-only for you.")
        form = RaiseLikelihoodForm(request.POST, risk=risk)
        if not form.is_valid():
            messages.error(
                request, f"Choose a likelihood above {risk.residual_likelihood} for {risk}."
            )
            return redirect(f"{incident.get_absolute_url()}#risks")
        try:
            risk = services.raise_risk_likelihood(
                incident=incident,
                risk=risk,
                by=request.user,
                likelihood=form.cleaned_data["likelihood"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{risk.reference}: residual likelihood is now {risk.residual_likelihood} "
                f"(score {risk.residual_score}, {risk.get_residual_level_display().lower()}).",
            )
        return redirect(f"{incident.get_absolute_url()}#risks")


class AddFollowUpView(_IncidentActionView):
    """POST a new follow-up mitigation (title, kind, layer, owner, due date)."""

    def post(self, request, *args, **kwargs):
        incident = self.get_incident()
        form = RiskPanelAddForm(request.POST, system=incident.system, user=request.user)
        if form.is_valid():
            try:
                mitigation = services.plan_follow_up_mitigation(
                    incident=incident, by=request.user, data=form.mitigation_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{mitigation.reference} “{mitigation}” is planned.")
                return redirect(f"{incident.get_absolute_url()}#follow-up")
        return self.page_with_errors(follow_up_form=form)
