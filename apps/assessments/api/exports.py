"""Impact assessments as an export (the page's *Download CSV* and the API's exports): one row per
assessment, with its latest and approved versions."""

from apps.assessments import selectors
from apps.assessments.api.filters import AssessmentAPIFilterSet
from apps.assessments.models import FundamentalRightsAssessment, VersionOutcome
from apps.core.api.exports import Column, Exporter, choice_label, iso, reference
from apps.systems.api.exports import system_columns


class AssessmentExporter(Exporter):
    name = "fundamental-rights-assessments"
    title = "Fundamental rights impact assessments"
    filterset_class = AssessmentAPIFilterSet
    columns = [
        Column(
            "reference",
            "pk",
            "The assessment's reference (FRIA-0003)",
            reference(FundamentalRightsAssessment),
        ),
        *system_columns(),
        Column("last_version", "last_version", "The number of its latest version", type="integer"),
        Column(
            "last_version_outcome",
            "last_outcome",
            "What became of the latest version (empty while the committee has it)",
            choice_label(VersionOutcome.choices),
        ),
        Column(
            "approved_version",
            "approved_version",
            "The number of its latest approved version",
            type="integer",
        ),
        Column(
            "authority_notified_on",
            "authority_notified_on",
            "When the market surveillance authority was notified (Art. 27(3)), in the draft",
            iso,
            "date",
        ),
        Column("updated_at", "updated_at", "When its draft last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return selectors.assessment_list(user)
