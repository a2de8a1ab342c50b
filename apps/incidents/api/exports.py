"""Incidents as an export: one row per incident, with its phases and the risks it realised; and
the incidents page's *Download CSV*, whose columns are mostly the same ones."""

from apps.core.api.exports import (
    Column,
    Exporter,
    choice_label,
    iso,
    joined_ids,
    reference,
    references,
)
from apps.incidents.api.filters import IncidentAPIFilterSet
from apps.incidents.filters import IncidentFilterSet
from apps.incidents.models import Incident, Phase, SeriousIncident, Severity
from apps.incidents.selectors import TIME_TO_DETECT, TIME_TO_RESOLVE
from apps.risks.models import Risk
from apps.systems.api.exports import system_columns


def _phase(name: str, label: str) -> Column:
    return Column(name, name, label, iso, "date-time")


class IncidentExporter(Exporter):
    name = "incidents"
    title = "Incidents"
    filterset_class = IncidentAPIFilterSet
    columns = [
        Column("reference", "pk", "The incident's reference (INC-0008)", reference(Incident)),
        *system_columns(),
        Column("title", "title", "What went wrong, in a line"),
        Column("description", "description", "What happened, to whom, how it was noticed"),
        Column(
            "severity", "severity", "SEV1 (most severe) to SEV4", choice_label(Severity.choices)
        ),
        Column(
            "phase", "phase", "The furthest response phase reached", choice_label(Phase.choices)
        ),
        _phase("occurred_at", "When it started, if known"),
        _phase("detected_at", "When the team became aware of it"),
        _phase("assessed_at", "When it was assessed"),
        _phase("contained_at", "When it was contained"),
        _phase("recovered_at", "When the system recovered"),
        _phase("review_done_at", "When the post-incident review was done"),
        _phase("closed_at", "When it was closed"),
        Column(
            "materialised_risks",
            "export_risks",
            "References of the risks that materialised, space-separated",
            references(Risk),
        ),
        Column("uncatalogued", "uncatalogued", "No catalogued risk matches it", type="boolean"),
        Column("root_cause", "root_cause", "Root cause"),
        Column("lessons_learned", "lessons_learned", "Lessons learned"),
        Column("people_affected", "people_affected", "People affected", type="integer"),
        Column(
            "serious_incident",
            "serious_incident",
            "Serious incident under EU AI Act Art. 73",
            choice_label(SeriousIncident.choices),
        ),
        Column(
            "regulator_notification_required",
            "regulator_notification_required",
            "A regulator must be notified",
            type="boolean",
        ),
        _phase("regulator_deadline", "The notification deadline"),
        _phase("regulator_notified_at", "When the regulator was notified"),
        Column("regulator_reference", "regulator_reference", "The regulator's case reference"),
        Column("created_at", "created_at", "When it was logged", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        through = Incident.materialised_risks.through
        return Incident.objects.visible_to(user).annotate(
            export_risks=joined_ids(through, "incident_id", "risk_id")
        )


def _columns(names: str) -> list[Column]:
    """The API export's columns of these names, in this order."""
    by_name = {column.name: column for column in IncidentExporter.columns}
    return [by_name[name] for name in names.split()]


def _hours(delta):
    """A duration in hours, to two decimals (``1.5``); empty when it is not known yet."""
    return round(delta.total_seconds() / 3600, 2) if delta is not None else None


_hours.formula_safe = True  # a number


class IncidentPageExporter(Exporter):
    """The incidents page's *Download CSV*: its own columns (the phase, the Art. 73 case and
    how it was reported as stored, the hours to detect and to resolve, whether a post-incident
    review is owed), through the same writer as the API's exports. Not an API export: the
    page's view uses it, with the page's filters."""

    name = "incidents"
    title = "Incidents"
    filterset_class = IncidentFilterSet
    columns = [
        *_columns("reference system_reference system team title severity"),
        Column("phase", "phase", "detected, assessed, contained, recovered, reviewed or closed"),
        *_columns(
            "occurred_at detected_at assessed_at contained_at recovered_at review_done_at closed_at"
        ),
        Column(
            "hours_to_detect", "export_time_to_detect", "Hours from occurred to detected", _hours
        ),
        Column(
            "hours_to_resolve", "export_time_to_resolve", "Hours from detected to recovered", _hours
        ),
        *_columns("uncatalogued people_affected"),
        Column("serious_incident", "serious_incident", "The Art. 73 case as stored; empty if none"),
        *_columns("regulator_notification_required regulator_deadline regulator_notified_at"),
        Column(
            "post_incident_review_owed",
            "post_incident_review_due",
            "A post-incident review of the safety plan is owed",
            type="boolean",
        ),
        Column("reported_via", "reported_via", "web or api"),
        *_columns("updated_at"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return Incident.objects.visible_to(user).annotate(
            export_time_to_detect=TIME_TO_DETECT, export_time_to_resolve=TIME_TO_RESOLVE
        )
