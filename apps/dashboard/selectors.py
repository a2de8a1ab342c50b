"""The governance dashboard: where the organisation's AI risk stands, on one page.

Every figure comes from the database through the selectors below, in a fixed number of queries
whatever the number of rows (aggregates and GROUP BYs, lists cut to a few items with their total
counted by a window function in the same query). ``tests/dashboard/test_dashboard.py`` pins the
count.

The committee, auditors and administrators see every team (or one team they choose); a
contributor or viewer sees the teams they belong to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.accounts import permissions
from apps.accounts.models import Membership, Team
from apps.core.charts import line_chart
from apps.core.models import Level
from apps.incidents import selectors as incident_selectors
from apps.incidents.models import Incident, Severity
from apps.mitigations.models import Mitigation
from apps.risks import tally
from apps.risks.models import (
    AcceptanceStatus,
    Impact,
    Likelihood,
    Risk,
    RiskAcceptance,
    RiskMatrix,
    RiskStatus,
)
from apps.risks.treatment import OPEN_STATUSES
from apps.systems.models import (
    AISystem,
    EUAIActTier,
    current_plan_condition,
    in_service_without_plan_condition,
)

LIST_LENGTH = 5
EXPIRY_WINDOW_DAYS = 30
RESPONSE_WINDOW_DAYS = 90
TREND_MONTHS = 12


@dataclass
class Scope:
    """Whose records the dashboard counts: ``team_ids`` None means every team."""

    team_ids: list[int] | None
    team: Team | None = None
    teams: list[Team] = field(default_factory=list)  # what the team selector offers
    is_global: bool = False

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        if self.is_global:
            return "Every team"
        return ", ".join(team.name for team in self.teams)

    def filter(self, queryset: QuerySet, path: str) -> QuerySet:
        """``queryset`` restricted to the scope's teams through ``path`` (e.g. ``system__team``)."""
        if self.team_ids is None:
            return queryset
        return queryset.filter(**{f"{path}_id__in": self.team_ids})

    def query(self, **params) -> str:
        """A query string for a link to a list, carrying the chosen team."""
        if self.team is not None:
            params = {"team": self.team.pk, **params}
        return "?" + urlencode(params) if params else ""


def dashboard_scope(user, team_id: str | None = None) -> Scope | None:
    """The scope of ``user``'s dashboard, narrowed to ``team_id`` if given (a team they may not
    read is a 404); None for someone with no team and no global role."""
    teams = list(permissions.visible_teams(user).order_by("name"))
    is_global = permissions.has_global_read(user)
    if not teams and not is_global:
        return None
    if team_id:
        team = next((t for t in teams if str(t.pk) == str(team_id)), None)
        if team is None:
            raise Http404("No such team on your dashboard.")
        return Scope(team_ids=[team.pk], team=team, teams=teams, is_global=is_global)
    if is_global:
        return Scope(team_ids=None, teams=teams, is_global=True)
    return Scope(team_ids=[team.pk for team in teams], teams=teams)


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _first_with_total(queryset: QuerySet, length: int = LIST_LENGTH) -> tuple[list, int]:
    """The first ``length`` rows and the count of all rows, in one query (a window count)."""
    rows = list(queryset.annotate(total_rows=Window(expression=Count("pk")))[:length])
    return rows, (rows[0].total_rows if rows else 0)


# --- Risks ----------------------------------------------------------------------------------------
def risk_figures(scope: Scope, *, today: datetime.date) -> dict:
    """Heat maps, counts by level, overdue treatments and mitigation coverage of the live risks:
    at most 1,250 groups (the cells of both assessments, with or without a mitigation in place)
    summed from the tally PostgreSQL keeps (:mod:`apps.risks.tally`; the risks themselves
    elsewhere), and the overdue treatments counted from their partial index."""
    inherent: dict[tuple[int, int], int] = {}
    residual: dict[tuple[int, int], int] = {}
    by_level = {level: {"inherent": 0, "residual": 0} for level in Level}
    total = covered = 0
    for row in tally.cells(scope.team_ids):
        n = row["n"]
        key = (row["inherent_likelihood"], row["inherent_impact"])
        inherent[key] = inherent.get(key, 0) + n
        key = (row["residual_likelihood"], row["residual_impact"])
        residual[key] = residual.get(key, 0) + n
        by_level[row["inherent_level"]]["inherent"] += n
        by_level[row["residual_level"]]["residual"] += n
        total += n
        covered += n if row["covered"] else 0
    overdue = (
        scope.filter(Risk.objects.filter(archived_at__isnull=True), "system__team")
        .filter(status=RiskStatus.OPEN, treatment_due__lt=today)
        .count()
    )
    matrix = RiskMatrix.load()
    register = reverse("risks:list")
    return {
        "total": total,
        "register_url": register + scope.query(),
        "heatmaps": [
            _heatmap("inherent", "Inherent (before mitigation)", inherent, matrix, scope),
            _heatmap("residual", "Residual (with the mitigations)", residual, matrix, scope),
        ],
        "levels": [
            {
                "level": level,
                "inherent": by_level[level]["inherent"],
                "residual": by_level[level]["residual"],
                "inherent_url": register + scope.query(inherent_level=level.value),
                "residual_url": register + scope.query(residual_level=level.value),
            }
            for level in sorted(Level, reverse=True)
        ],
        "treatment_overdue": overdue,
        "treatment_overdue_url": register + scope.query(overdue="true"),
        "covered": covered,
        "coverage": _share(covered, total),
    }


def _heatmap(key: str, title: str, counts: dict, matrix: RiskMatrix, scope: Scope) -> dict:
    """Rows of impact 5 down to 1, columns of likelihood 1 to 5, each cell a register link."""
    register = reverse("risks:list")
    rows = []
    for impact in range(5, 0, -1):
        cells = []
        for likelihood in range(1, 6):
            count = counts.get((likelihood, impact), 0)
            level = matrix.level_for(likelihood * impact)
            cells.append(
                {
                    "likelihood": likelihood,
                    "impact": impact,
                    "count": count,
                    "level": level,
                    "url": register
                    + scope.query(**{f"{key}_likelihood": likelihood, f"{key}_impact": impact}),
                }
            )
        rows.append({"impact": impact, "label": Impact(impact).label, "cells": cells})
    return {
        "key": key,
        "title": title,
        "rows": rows,
        "likelihoods": Likelihood.choices,
        "total": sum(counts.values()),
    }


# --- Systems --------------------------------------------------------------------------------------
def system_figures(scope: Scope, *, today: datetime.date) -> dict:
    """Active systems by criticality and EU AI Act tier, overdue reviews, the systems in pilot or
    production without a current approved plan (ungoverned), and the share of high and critical
    systems with a current approved safety plan: one GROUP BY query, plus one for the most
    overdue reviews."""
    systems = scope.filter(AISystem.objects.active(), "team")
    current_plan = current_plan_condition(today)
    rows = (
        systems.order_by()
        .values("criticality", "eu_ai_act_tier")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(next_review_due__lt=today)),
            current=Count("pk", filter=current_plan),
            # The systems are live: the archive's test would make PostgreSQL read the table.
            ungoverned=Count("pk", filter=in_service_without_plan_condition(today)),
        )
    )
    grid = {(level, tier): 0 for level in Level for tier in EUAIActTier.values}
    overdue = serious = serious_current = ungoverned = 0
    for row in rows:
        grid[(row["criticality"], row["eu_ai_act_tier"])] += row["n"]
        overdue += row["overdue"]
        ungoverned += row["ungoverned"]
        if row["criticality"] >= Level.HIGH:
            serious += row["n"]
            serious_current += row["current"]
    systems_url = reverse("systems:list")
    tiers = [(tier.value, tier.label.split(" (")[0].split(":")[0]) for tier in EUAIActTier]
    table = [
        {
            "level": level,
            "cells": [
                {
                    "count": grid[(level, tier)],
                    "url": systems_url + scope.query(criticality=level.value, eu_ai_act_tier=tier),
                }
                for tier, _ in tiers
            ],
            "total": sum(grid[(level, tier)] for tier, _ in tiers),
            "url": systems_url + scope.query(criticality=level.value),
        }
        for level in sorted(Level, reverse=True)
    ]
    tier_totals = [
        {
            "label": label,
            "count": sum(grid[(level, tier)] for level in Level),
            "url": systems_url + scope.query(eu_ai_act_tier=tier),
        }
        for tier, label in tiers
    ]
    # Their count is the GROUP BY's: no window count here (it joined and sorted every overdue
    # system to keep five: 80 ms at 50,000 systems).
    items = list(
        systems.filter(next_review_due__lt=today)
        .select_related("team")
        .order_by("next_review_due", "name")[:LIST_LENGTH]
    )
    for system in items:
        system.days_overdue = (today - system.next_review_due).days
    return {
        "total": sum(grid.values()),
        "tiers": tiers,
        "table": table,
        "tier_totals": tier_totals,
        "overdue_reviews": {
            "count": overdue,
            "items": items,
            "url": systems_url + scope.query(ordering="next_review_due"),
        },
        "ungoverned": {
            "count": ungoverned,
            "url": systems_url + scope.query(ungoverned="true"),
        },
        "serious": serious,
        "serious_with_current_plan": serious_current,
        "plan_coverage": _share(serious_current, serious),
    }


# --- Mitigations and acceptances ----------------------------------------------------------------
def overdue_mitigations(scope: Scope, *, today: datetime.date) -> dict:
    """Planned or in-progress mitigations past their due date, most overdue first."""
    queryset = scope.filter(
        Mitigation.objects.filter(
            status__in=OPEN_STATUSES,
            due_date__lt=today,
        ),
        "system__team",
    ).select_related("system")
    # A count and a short list: cheaper here than a window count over every overdue row.
    count = queryset.count()
    items = list(queryset.order_by("due_date", "pk")[:LIST_LENGTH])
    for mitigation in items:
        mitigation.days_overdue = (today - mitigation.due_date).days
    return {
        "count": count,
        "items": items,
        "url": reverse("mitigations:list") + scope.query(overdue="true"),
    }


def expiring_acceptances(scope: Scope, *, today: datetime.date) -> dict:
    """Approved acceptances that expire within 30 days (today included), soonest first."""
    until = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    queryset = scope.filter(
        RiskAcceptance.objects.filter(
            status=AcceptanceStatus.APPROVED, expires_on__gte=today, expires_on__lte=until
        ),
        "risk__system__team",
    )
    # The first few and their count read apart: in one query, with a window count, every
    # matching row was joined and sorted (a million risks: 170 ms); apart, each is read from
    # the (status, expiry) index (a few ms).
    items = list(queryset.select_related("risk__system").order_by("expires_on", "pk")[:LIST_LENGTH])
    count = queryset.count()
    for acceptance in items:
        acceptance.days_left = (acceptance.expires_on - today).days
    return {
        "count": count,
        "items": items,
        "days": EXPIRY_WINDOW_DAYS,
        "url": reverse("risks:acceptance_list") + "?" + urlencode({"status": "approved"}),
    }


# --- Incidents ------------------------------------------------------------------------------------
def incident_figures(scope: Scope, *, now: datetime.datetime) -> dict:
    """Open incidents by severity, notifications due, MTTD/MTTR over 90 days by severity and
    their monthly trend: four queries."""
    incidents = scope.filter(Incident.objects.all(), "system__team")
    counts = incident_selectors.open_incident_counts(incidents)
    incidents_url = reverse("incidents:list")
    since = now - datetime.timedelta(days=RESPONSE_WINDOW_DAYS)
    by_severity = incident_selectors.response_times_by_severity(
        incident_selectors.detected_since(incidents, since)
    )
    notifications, notification_count = _first_with_total(
        incident_selectors.pending_regulator_notifications(incidents)
    )
    trend = incident_selectors.response_times_by_month(incidents, months=TREND_MONTHS, now=now)
    return {
        "open": counts["open"],
        "open_url": incidents_url + scope.query(status="open"),
        "by_severity": [
            {
                "severity": severity.value,
                "label": severity.label,
                "count": counts[f"sev{severity.value}"],
                "url": incidents_url + scope.query(status="open", severity=severity.value),
            }
            for severity in Severity
        ],
        "uncatalogued": counts["uncatalogued"],
        "uncatalogued_url": incidents_url + scope.query(status="open", uncatalogued="true"),
        "reviews_owed": counts["reviews_owed"],
        "reviews_owed_url": incidents_url + scope.query(review_owed="true"),
        "notifications": {
            "count": notification_count,
            "items": notifications,
            "url": incidents_url + scope.query(regulator="pending", ordering="regulator_deadline"),
        },
        "response": {
            "days": RESPONSE_WINDOW_DAYS,
            "overall": _overall(by_severity),
            "by_severity": by_severity,
            "url": reverse("incidents:metrics") + scope.query(period="90d"),
        },
        "trend": trend,
        "trend_chart": line_chart(trend),
    }


def _overall(rows: list[dict]) -> dict:
    """The means over every severity, from the per-severity means weighted by their samples."""
    overall = {"incidents": sum(row["incidents"] for row in rows)}
    for mean, samples in (("mttd", "detect_samples"), ("mttr", "resolve_samples")):
        n = sum(row[samples] for row in rows)
        overall[samples] = n
        overall[mean] = (
            sum((row[mean] * row[samples] for row in rows if row[samples]), datetime.timedelta())
            / n
            if n
            else None
        )
    return overall


# --- The page -----------------------------------------------------------------------------------
def dashboard(user, *, team_id: str | None = None, now: datetime.datetime | None = None):
    """Every figure of the dashboard for ``user`` (None if they have nothing to see)."""
    scope = dashboard_scope(user, team_id)
    if scope is None:
        return None
    return figures(scope, now=now or timezone.now())


def figures(scope: Scope, *, now: datetime.datetime) -> dict:
    """Every figure of the dashboard of ``scope`` at ``now``."""
    today = timezone.localtime(now).date()
    return {
        "scope": scope,
        "today": today,
        "drawn_at": now,
        "risks": risk_figures(scope, today=today),
        "systems": system_figures(scope, today=today),
        "overdue_mitigations": overdue_mitigations(scope, today=today),
        "expiring_acceptances": expiring_acceptances(scope, today=today),
        "incidents": incident_figures(scope, now=now),
    }


def memberships_with_systems(user) -> QuerySet[Membership]:
    """The person's teams, each with its active systems (two queries)."""
    active_systems = Prefetch(
        "team__systems",
        queryset=AISystem.objects.active().order_by("name"),
        to_attr="active_systems",
    )
    return (
        Membership.objects.filter(user=user)
        .select_related("team")
        .prefetch_related(active_systems)
        .order_by("team__name")
    )


def teams_with_system_counts() -> QuerySet[Team]:
    """Every team with its number of active systems: a count per team from the index of live
    systems (a join counted every system of every team, archived too: 50 ms at 50,000)."""
    active = (
        AISystem.objects.filter(team=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Team.objects.annotate(system_count=Coalesce(Subquery(active), 0)).order_by("name")
