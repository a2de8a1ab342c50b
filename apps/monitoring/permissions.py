"""Who may do what to monitored metrics, built on the systems' rules (a metric watches a system).

Registered with :mod:`apps.core.rules` for the generic views and the API; pages, services and
templates ask the functions directly. Readings are written by the system's contributors (and
administrators), or by a *monitoring* token for the systems it names — nothing else.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team
from apps.core import rules
from apps.monitoring.models import Breach, Metric
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system, why_cannot_add_to_system


def can_view_metric(user, metric: Metric) -> bool:
    return can_read_team(user, metric.system.team_id)


def can_edit_metric(user, metric: Metric) -> bool:
    """The system's contributors and administrators, while metric and system are live."""
    return not metric.is_archived and can_edit_system(user, metric.system)


def can_archive_metric(user, metric: Metric) -> bool:
    return can_edit_system(user, metric.system)


def why_cannot_add_metric(user, system: AISystem) -> str:
    return why_cannot_add_to_system(user, system, what="metrics")


def why_cannot_edit_metric(user, metric: Metric) -> str:
    if can_edit_metric(user, metric):
        return ""
    if metric.system.is_archived:
        return f"{metric.system.reference} is archived: it is read-only."
    if metric.is_archived:
        return f"{metric.reference} is archived: restore it to change it."
    return "Only contributors of the system's team can change its metrics."


def why_cannot_archive_metric(user, metric: Metric) -> str:
    if can_archive_metric(user, metric):
        return ""
    if metric.system.is_archived:
        return f"{metric.system.reference} is archived: it is read-only."
    return "Only contributors of the system's team can archive or restore its metrics."


def why_cannot_post_readings(user, metric: Metric, *, granted_system_ids=None) -> str:
    """Why readings of ``metric`` may not be written by ``user``, or "".

    ``granted_system_ids``: for a monitoring token, the systems it names (None: a full token
    or a signed-in person, who write for the systems they may edit)."""
    if granted_system_ids is not None and metric.system_id not in granted_system_ids:
        return f"This monitoring token does not name {metric.system.reference}."
    if metric.is_archived:
        return f"{metric.reference} is archived: it takes no readings."
    if not can_edit_system(user, metric.system):
        if metric.system.is_archived:
            return f"{metric.system.reference} is archived: it takes no readings."
        return f"Only contributors of {metric.system.reference}'s team can post its readings."
    return ""


def can_view_breach(user, breach: Breach) -> bool:
    return can_read_team(user, breach.metric.system.team_id)


def register_rules() -> None:
    rules.register(Metric, "view", rules.explained(can_view_metric, "You cannot see this metric."))
    rules.register(Metric, "change", why_cannot_edit_metric)
    rules.register(Metric, "archive", why_cannot_archive_metric)
    rules.register(Breach, "view", rules.explained(can_view_breach, "You cannot see this breach."))
    rules.register(AISystem, "add_metric", why_cannot_add_metric)
