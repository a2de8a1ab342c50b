"""Incidents as an export: one row per incident, with its phases and the risks it realised."""

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
from apps.incidents.models import Incident, Phase, SeriousIncident, Severity
from apps.risks.models import Risk
from apps.systems.models import AISystem


def _phase(name: str, label: str) -> Column:
    return Column(name, name, label, iso, "date-time")


class IncidentExporter(Exporter):
    name = "incidents"
    title = "Incidents"
    filterset_class = IncidentAPIFilterSet
    columns = [
        Column("reference", "pk", "The incident's reference (INC-0008)", reference(Incident)),
        Column("system_reference", "system_id", "The system's reference", reference(AISystem)),
        Column("system", "system__name", "The system's name"),
        Column("team", "system__team__name", "The team that owns the system"),
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
