"""Concerns as an export (the page's *Download CSV* and the API's exports). Who raised a
concern is not a column: an anonymous one would give it away."""

from apps.concerns.api.filters import ConcernAPIFilterSet
from apps.concerns.models import Concern, ConcernStatus
from apps.core.api.exports import Column, Exporter, choice_label, iso, reference
from apps.incidents.models import Incident
from apps.risks.models import Risk
from apps.systems.api.exports import system_columns


class ConcernExporter(Exporter):
    name = "concerns"
    title = "Concerns"
    filterset_class = ConcernAPIFilterSet
    columns = [
        Column("reference", "pk", "The concern's reference (CON-0012)", reference(Concern)),
        *system_columns(),
        Column("summary", "summary", "What the concern is about, in a line"),
        Column("description", "description", "What the raiser saw"),
        Column("anonymous", "is_anonymous", "Anonymous to the team", type="boolean"),
        Column("status", "status", "Its triage", choice_label(ConcernStatus.choices)),
        Column("risk", "risk_id", "The risk it became or was linked to", reference(Risk)),
        Column(
            "incident",
            "incident_id",
            "The incident it became or was linked to",
            reference(Incident),
        ),
        Column("answer", "answer", "The team's answer to the raiser"),
        Column("raised_at", "created_at", "When it was raised", iso, "date-time"),
        Column("triaged_at", "triaged_at", "When it was triaged", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return Concern.objects.visible_to(user)
