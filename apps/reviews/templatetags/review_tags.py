"""Badges of the review pages (colour is never the only signal: each says its state)."""

from django import template
from django.utils.html import format_html

from apps.reviews.models import ChecklistStatus, DecisionOutcome, ReviewStatus

register = template.Library()

STATUS_CLASSES = {
    ReviewStatus.PENDING: "text-bg-primary",
    ReviewStatus.CHANGES_REQUESTED: "text-bg-warning",
    ReviewStatus.APPROVED: "text-bg-success",
    ReviewStatus.REJECTED: "text-bg-danger",
    ReviewStatus.WITHDRAWN: "text-bg-secondary",
}
OUTCOME_CLASSES = {
    DecisionOutcome.APPROVE: ("text-bg-success", "bi-check-circle", "Approved"),
    DecisionOutcome.REQUEST_CHANGES: (
        "text-bg-warning",
        "bi-arrow-return-left",
        "Changes requested",
    ),
    DecisionOutcome.REJECT: ("text-bg-danger", "bi-x-circle", "Rejected"),
}
CHECKLIST_CLASSES = {
    ChecklistStatus.OPEN: "text-bg-light border",
    ChecklistStatus.DONE: "text-bg-success",
    ChecklistStatus.NOT_APPLICABLE: "text-bg-secondary",
}


@register.simple_tag
def review_status_badge(review):
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASSES[ReviewStatus(review.status)],
        review.get_status_display(),
    )


@register.simple_tag
def outcome_badge(outcome):
    css, icon, label = OUTCOME_CLASSES[DecisionOutcome(outcome)]
    html = '<span class="badge {}"><i class="bi {}" aria-hidden="true"></i> {}</span>'
    return format_html(html, css, icon, label)


@register.simple_tag
def checklist_badge(status, label=""):
    status = ChecklistStatus(status)
    return format_html(
        '<span class="badge {}">{}</span>', CHECKLIST_CLASSES[status], label or status.label
    )


@register.filter
def as_date(value):
    """An ISO date string from a frozen plan, as a date for the ``date`` filter."""
    import datetime

    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
