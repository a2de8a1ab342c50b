"""The filters of the committee's list of escalations."""

from __future__ import annotations

import django_filters

from apps.core.filters import DatePickerFilter
from apps.reminders.models import OVERDUE_REASONS, Escalation, ReminderReason


class EscalationFilterSet(django_filters.FilterSet):
    escalated_on = DatePickerFilter(label="Escalated on")
    reason = django_filters.ChoiceFilter(
        choices=[
            (reason.value, reason.label) for reason in ReminderReason if reason in OVERDUE_REASONS
        ],
        empty_label="Any kind",
        label="Why late",
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Item")

    class Meta:
        model = Escalation
        fields = ["escalated_on", "reason", "q"]
