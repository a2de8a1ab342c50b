"""Template helpers of the incident pages and the dashboard: durations, severity, countdowns."""

from __future__ import annotations

import datetime

from django import template
from django.utils.html import format_html

from apps.incidents.models import SEVERITY_DEFINITIONS, Severity

register = template.Library()

SEVERITY_CLASSES = {
    Severity.SEV1: "text-bg-danger",
    Severity.SEV2: "text-bg-orange",
    Severity.SEV3: "text-bg-warning",
    Severity.SEV4: "text-bg-secondary",
}


def _parts(delta: datetime.timedelta) -> list[tuple[int, str]]:
    seconds = int(abs(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    return [(days, "d"), (hours, "h"), (minutes, "min")]


@register.filter
def duration(value) -> str:
    """A duration as people say it: “2 d 4 h”, “3 h 20 min”, “45 min”; “—” when unknown."""
    if value is None or value == "":
        return "—"
    parts = [(n, unit) for n, unit in _parts(value) if n]
    if not parts:
        return "under 1 min"
    return " ".join(f"{n} {unit}" for n, unit in parts[:2])


@register.filter
def countdown(value) -> str:
    """Time left before a deadline in words: “3 days 4 hours left” or “overdue by 5 hours”."""
    if value is None:
        return ""
    days, hours, minutes = (n for n, _ in _parts(value))
    words = []
    if days:
        words.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        words.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (minutes or not hours):
        words.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    text = " ".join(words[:2])
    return f"overdue by {text}" if value.total_seconds() < 0 else f"{text} left"


@register.simple_tag
def severity_badge(severity):
    """“SEV1” on its colour, with the definition as a tooltip and for screen readers."""
    severity = Severity(int(severity))
    return format_html(
        '<span class="badge {}" title="{}">{}<span class="visually-hidden"> ({})</span></span>',
        SEVERITY_CLASSES[severity],
        SEVERITY_DEFINITIONS[severity],
        severity.label,
        SEVERITY_DEFINITIONS[severity],
    )
