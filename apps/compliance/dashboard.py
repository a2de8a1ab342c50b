"""The compliance dashboard: how far each framework and each team is with its obligations, and
what falls due before each key date.

Every figure is a set-based aggregate over the obligations the person may see (applying
obligations of active systems): one GROUP BY framework × team for the percentages, one query
for the key dates and one conditional aggregate for what is due by each of them; with the
Statement of Applicability's summary, a fixed number of queries whatever the number of
systems or obligations (``tests/compliance/test_dashboard.py`` pins it).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode

from apps.accounts import permissions
from apps.compliance import permissions_soa, soa
from apps.compliance.models import (
    OPEN_STATUSES,
    Applicability,
    Catalogue,
    CatalogueScope,
    KeyDate,
    Obligation,
    ObligationStatus,
)
from apps.core.spreadsheets import neutralise_formula

# The statuses shown, in the order of the bar (most done first), and the list's filter values.
STATUSES = [
    ObligationStatus.VERIFIED,
    ObligationStatus.IMPLEMENTED,
    ObligationStatus.IN_PROGRESS,
    ObligationStatus.NOT_STARTED,
    ObligationStatus.NOT_APPLICABLE,
]
LIST_URL_NAME = "compliance:list"
_LIST_BASES: dict[tuple, str] = {}


def list_url(**params) -> str:
    """The obligations list filtered by ``params`` ("" if the URL conf has no such page). The
    list's address is reversed once per URL conf (the dashboard links every figure)."""
    key = (get_urlconf(), get_script_prefix())
    base = _LIST_BASES.get(key)
    if base is None:
        try:
            base = _LIST_BASES[key] = reverse(LIST_URL_NAME)
        except NoReverseMatch:
            return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{base}?{query}" if query else base


@dataclass
class Tally:
    """Obligations at each status, and how many of the open ones are overdue. Its links are
    computed once, when the page first reads them (after the counts are complete)."""

    framework: str
    framework_name: str
    team_id: int | None = None
    team_name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, other: Tally) -> None:
        for status, n in other.counts.items():
            self.counts[status] = self.counts.get(status, 0) + n
        self.overdue += other.overdue

    def percent(self, n: int) -> int:
        return round(100 * n / self.total) if self.total else 0

    @property
    def met(self) -> int:
        return self.counts.get(ObligationStatus.VERIFIED, 0) + self.counts.get(
            ObligationStatus.IMPLEMENTED, 0
        )

    @property
    def met_percent(self) -> int:
        return self.percent(self.met)

    def _filters(self) -> dict:
        return {"framework": self.framework, "team": self.team_id}

    @cached_property
    def cells(self) -> list[dict]:
        """Per status: count, share and the list filtered to it."""
        return [
            {
                "status": status,
                "label": status.label,
                "count": self.counts.get(status, 0),
                "percent": self.percent(self.counts.get(status, 0)),
                "url": list_url(**self._filters(), status=status.value),
            }
            for status in STATUSES
        ]

    @property
    def overdue_percent(self) -> int:
        return self.percent(self.overdue)

    @cached_property
    def overdue_url(self) -> str:
        return list_url(**self._filters(), overdue="true")

    @cached_property
    def url(self) -> str:
        return list_url(**self._filters())


def _scoped(user, *, team_id=None, framework=None) -> QuerySet[Obligation]:
    obligations = Obligation.objects.visible_to(user).filter(
        applicability=Applicability.APPLIES, system__archived_at__isnull=True
    )
    if team_id:
        obligations = obligations.filter(system__team_id=team_id)
    if framework:
        obligations = obligations.filter(requirement__catalogue__framework=framework)
    return obligations


def tallies(
    user,
    *,
    today: datetime.date,
    catalogues: dict[int, Catalogue],
    team_names: dict[int, str],
    team_id=None,
    framework=None,
) -> list[Tally]:
    """One row per framework × team, in framework then team order: one GROUP BY of the
    obligations by their catalogue's and their system's team's ids (the names come from
    ``catalogues`` and ``team_names``, read once)."""
    rows = (
        _scoped(user, team_id=team_id, framework=framework)
        .order_by()
        .values("requirement__catalogue_id", "system__team_id", "status")
        .annotate(
            n=Count("pk"),
            overdue=Count(
                "pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today, due_date__isnull=False)
            ),
        )
    )
    by_key: dict[tuple, Tally] = {}
    for row in rows:
        key = (row["requirement__catalogue_id"], row["system__team_id"])
        tally = by_key.get(key)
        if tally is None:
            catalogue = catalogues[key[0]]
            tally = by_key[key] = Tally(
                framework=catalogue.framework,
                framework_name=catalogue.name,
                team_id=key[1],
                team_name=team_names.get(key[1], ""),
            )
        tally.counts[row["status"]] = tally.counts.get(row["status"], 0) + row["n"]
        tally.overdue += row["overdue"]
    return sorted(by_key.values(), key=lambda t: (t.framework_name, t.team_name.lower()))


def by_framework(team_rows: list[Tally], *, team_id: int | None = None) -> list[Tally]:
    """The team rows summed per framework (their links keep the team chosen, if one was)."""
    totals: dict[str, Tally] = {}
    for row in team_rows:
        total = totals.setdefault(
            row.framework, Tally(row.framework, row.framework_name, team_id=team_id)
        )
        total.add(row)
    return list(totals.values())


@dataclass
class DueBy:
    """A key date and the open obligations due by then (and, of those, already overdue)."""

    key_date: KeyDate
    open_due: int
    overdue: int
    url: str

    @property
    def is_past(self) -> bool:
        return self.key_date.date < timezone.localdate()


def due_by_key_dates(user, *, today: datetime.date, team_id=None, framework=None) -> list[DueBy]:
    """Each key date in force (not superseded by an amendment) with the open obligations due on
    or before it: the key dates, then one conditional aggregate (two queries)."""
    dates = list(
        KeyDate.objects.filter(superseded_by__isnull=True)
        .filter(**({"framework": framework} if framework else {}))
        .order_by("date", "label")
    )
    if not dates:
        return []
    open_obligations = _scoped(user, team_id=team_id, framework=framework).filter(
        status__in=OPEN_STATUSES, due_date__isnull=False
    )
    aggregates = {f"d{kd.pk}": Count("pk", filter=Q(due_date__lte=kd.date)) for kd in dates}
    aggregates["overdue"] = Count("pk", filter=Q(due_date__lt=today))
    counts = open_obligations.aggregate(**aggregates)
    return [
        DueBy(
            key_date=kd,
            open_due=counts[f"d{kd.pk}"],
            # Due by a past date: all overdue; by a later one: every overdue one.
            overdue=min(counts["overdue"], counts[f"d{kd.pk}"]),
            url=list_url(
                framework=framework or kd.framework,
                team=team_id,
                status=[s.value for s in OPEN_STATUSES],
                due_before=kd.date.isoformat(),
            ),
        )
        for kd in dates
    ]


def catalogues_by_id() -> dict[int, Catalogue]:
    """Every catalogue version (a handful), by id."""
    return {catalogue.pk: catalogue for catalogue in Catalogue.objects.order_by("name", "pk")}


def framework_choices(catalogues: dict[int, Catalogue]) -> list[tuple[str, str]]:
    """The frameworks in force that derive obligations per system: ``[(framework, name)]``."""
    return [
        (c.framework, c.name)
        for c in catalogues.values()
        if not c.is_retired and c.scope == CatalogueScope.SYSTEM
    ]


def dashboard_scope(user, team_id: str | None):
    """The teams the person may choose from, and the one chosen (a team they may not read is a
    404)."""
    teams = list(permissions.visible_teams(user).order_by("name"))
    team = None
    if team_id:
        team = next((t for t in teams if str(t.pk) == str(team_id)), None)
        if team is None:
            raise Http404("No such team on your dashboard.")
    return teams, team


def compliance_dashboard(
    user, *, team_id: str | None = None, framework: str | None = None, today=None
) -> dict:
    """Everything the dashboard shows, for ``user``."""
    today = today or timezone.localdate()
    teams, team = dashboard_scope(user, team_id)
    chosen = team.pk if team else None
    catalogues = catalogues_by_id()
    team_rows = tallies(
        user,
        today=today,
        catalogues=catalogues,
        team_names={t.pk: t.name for t in teams},
        team_id=chosen,
        framework=framework,
    )
    in_force = soa.current_soa_version() if permissions_soa.can_view_soa(user) else None
    return {
        "today": today,
        "teams": teams,
        "team": team,
        "framework": framework or "",
        "frameworks": by_framework(team_rows, team_id=chosen),
        "team_rows": team_rows,
        "due_by": due_by_key_dates(user, today=today, team_id=chosen, framework=framework),
        "soa_in_force": in_force,
        "can_view_soa": permissions_soa.can_view_soa(user),
        "soa_summary": soa.summarise(soa.version_entries(in_force)) if in_force else None,
        "list_url": list_url(),
        "framework_choices": framework_choices(catalogues),
    }


def summary_for_home(user, *, today=None) -> Tally | None:
    """The home page's tile: every visible applying obligation in one tally (one query); None
    when there are none."""
    today = today or timezone.localdate()
    row = _scoped(user).aggregate(
        total=Count("pk"),
        met=Count(
            "pk", filter=Q(status__in=[ObligationStatus.IMPLEMENTED, ObligationStatus.VERIFIED])
        ),
        verified=Count("pk", filter=Q(status=ObligationStatus.VERIFIED)),
        overdue=Count(
            "pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today, due_date__isnull=False)
        ),
    )
    if not row["total"]:
        return None
    tally = Tally("", "All frameworks")
    tally.counts = {
        ObligationStatus.VERIFIED: row["verified"],
        ObligationStatus.IMPLEMENTED: row["met"] - row["verified"],
        "other": row["total"] - row["met"],
    }
    tally.overdue = row["overdue"]
    return tally


# --- CSV ----------------------------------------------------------------------------------------
CSV_HEADER = [
    "framework",
    "team",
    "obligations",
    *[s.value for s in STATUSES],
    "overdue",
    *[f"{s.value}_percent" for s in STATUSES],
    "overdue_percent",
]


def csv_text(data: dict) -> str:
    """The dashboard's figures as CSV: one line per framework (team empty), then per framework
    and team."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for tally in [*data["frameworks"], *data["team_rows"]]:
        counts = [tally.counts.get(s, 0) for s in STATUSES]
        writer.writerow(
            [
                neutralise_formula(tally.framework_name),
                neutralise_formula(tally.team_name),
                tally.total,
                *counts,
                tally.overdue,
                *[tally.percent(n) for n in counts],
                tally.overdue_percent,
            ]
        )
    return "\ufeff" + out.getvalue()
