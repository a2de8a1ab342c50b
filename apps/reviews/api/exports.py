"""The review list as an export: the columns of the list page's *Download CSV*.

Its times are local and to the minute (``2026-03-04T10:15+01:00``), as the page has always
written them, not the API exports' UTC: :func:`local_minute` has no SQL form, so this CSV is
always written by the Python writer, the same bytes on every database. Not an API export yet
(``apps/reviews/api/urls.py`` lists none): the list page's view uses it.
"""

from __future__ import annotations

from django.utils import timezone

from apps.core.api.exports import Column, Exporter, choice_label, iso, reference
from apps.reviews import selectors
from apps.reviews.api.filters import ReviewAPIFilterSet
from apps.reviews.models import Review, ReviewKind, ReviewStatus
from apps.systems.api.exports import system_columns


def local_minute(value) -> str | None:
    """An aware date-time in the server's time zone, to the minute."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="minutes")


class ReviewExporter(Exporter):
    name = "reviews"
    title = "Reviews of safety plans"
    filterset_class = ReviewAPIFilterSet
    columns = [
        Column("reference", "pk", "The review's reference (REV-0012)", reference(Review)),
        *system_columns(),
        Column(
            "kind",
            "kind",
            "Initial deployment, Periodic, Change or Post-incident",
            choice_label(ReviewKind.choices),
        ),
        Column(
            "status",
            "status",
            "Waiting for the committee, Changes requested, Approved, Rejected or Withdrawn",
            choice_label(ReviewStatus.choices),
        ),
        Column(
            "version",
            "current_version__number",
            "The number of the plan version under review",
            type="integer",
        ),
        Column("submitted_by", "submitted_by__email", "The submitter's e-mail"),
        Column("submitted_at", "submitted_at", "When it was submitted", local_minute, "date-time"),
        Column("due_date", "due_date", "When the committee's decision is due", iso, "date"),
        Column(
            "approvals",
            "approvals",
            "Approvals of the version under review",
            type="integer",
        ),
        Column(
            "required_approvals",
            "required_approvals",
            "Approvals the plan needs",
            type="integer",
        ),
        Column(
            "closed_at", "closed_at", "When it was decided or withdrawn", local_minute, "date-time"
        ),
    ]

    @classmethod
    def get_queryset(cls, user):
        return selectors.review_list(user)
