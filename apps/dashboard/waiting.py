"""The "Waiting for you" of every person: what needs them, at the top of the home page and
counted in the navigation bar.

Five kinds: safety-plan reviews to decide (the committee member's queue), risk acceptances to
decide (the committee), mitigations and risks they own that are overdue, and open incidents of
the systems they own. Only records they may read, of systems in the inventory (an archived
system is read-only).

The counts are one query whatever the numbers (:func:`waiting_counts`, for the navigation bar
of every page); the home page adds one query per kind with something waiting, for its first
few items (:func:`waiting_for`).
"""

from __future__ import annotations

import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.accounts import permissions
from apps.incidents.models import Incident
from apps.mitigations.models import Mitigation
from apps.reviews import selectors as review_selectors
from apps.risks.models import AcceptanceStatus, Risk, RiskAcceptance, RiskStatus
from apps.risks.treatment import OPEN_STATUSES

ITEMS_SHOWN = 5
# A kind's count stops here ("100+"): the committee's acceptances to decide number in the
# thousands in a large organisation, and counting them all on every page would read every one
# (170 ms at a million risks); the count of the first 100 reads 100 at most.
COUNT_CAP = 100


@dataclasses.dataclass
class Kind:
    key: str
    label: str  # "Reviews to decide"
    icon: str  # a Bootstrap icon's name
    url: str  # the list of them all
    count: int = 0
    items: list = dataclasses.field(default_factory=list)

    @property
    def more(self) -> bool:
        """The count reached :data:`COUNT_CAP`: there may be more."""
        return self.count >= COUNT_CAP


def _reviews(user) -> QuerySet | None:
    if not (permissions.may_write(user) and user.is_committee_member):
        return None
    return review_selectors.review_queue(user)


def _acceptances(user) -> QuerySet | None:
    if not (permissions.may_write(user) and user.is_committee_member):
        return None
    # The risk is live and not the person's own (they cannot decide on their own system's): a
    # scalar subquery per pending acceptance, which PostgreSQL answers by the risk's key, where
    # the same condition as a join hashed every live risk (5,000 systems, 1,454 pending
    # acceptances among 100,000 risks: 7 ms instead of 18 ms, on every page a member opens).
    decidable_risk = (
        Risk.objects.filter(
            pk=OuterRef("risk_id"),
            archived_at__isnull=True,
            system__archived_at__isnull=True,
        )
        .exclude(system__business_owner=user)
        .exclude(system__technical_owner=user)
        .order_by()
        .values("pk")[:1]
    )
    return (
        RiskAcceptance.objects.visible_to(user)
        .filter(status=AcceptanceStatus.PENDING)
        .exclude(requested_by=user)
        .alias(decidable_risk=Subquery(decidable_risk))
        .filter(decidable_risk__isnull=False)
        .select_related("risk__system")
        .order_by("requested_at", "pk")
    )


def _mitigations(user, today: datetime.date) -> QuerySet:
    return (
        Mitigation.objects.visible_to(user)
        .filter(
            owner=user,
            status__in=OPEN_STATUSES,
            due_date__lt=today,
            system__archived_at__isnull=True,
        )
        .select_related("system")
        .order_by("due_date", "pk")
    )


def _risks(user, today: datetime.date) -> QuerySet:
    return (
        Risk.objects.visible_to(user)
        .filter(
            owner=user,
            status=RiskStatus.OPEN,
            treatment_due__lt=today,
            archived_at__isnull=True,
            system__archived_at__isnull=True,
        )
        .select_related("system")
        .order_by("treatment_due", "pk")
    )


def _incidents(user) -> QuerySet:
    return (
        Incident.objects.visible_to(user)
        .filter(
            Q(system__business_owner=user) | Q(system__technical_owner=user),
            closed_at__isnull=True,
            system__archived_at__isnull=True,
        )
        .select_related("system")
        .order_by("severity", "detected_at", "pk")
    )


# The kinds, in the order they are shown: key, label, Bootstrap icon.
KINDS = [
    ("reviews", "Reviews to decide", "inbox"),
    ("acceptances", "Risk acceptances to decide", "shield-exclamation"),
    ("mitigations", "My overdue mitigations", "tools"),
    ("risks", "My risks overdue for treatment", "exclamation-triangle"),
    ("incidents", "Open incidents of my systems", "fire"),
]


def _url(key: str, user) -> str:
    """The list of every item of the kind (the lists' own filters)."""
    if key == "reviews":
        return reverse("reviews:queue")
    if key == "acceptances":
        query = {"status": "pending", "mine_to_decide": "true"}
        return reverse("risks:acceptance_list") + "?" + urlencode(query)
    if key == "incidents":
        return reverse("incidents:list") + "?" + urlencode({"status": "open", "owned": "true"})
    return reverse(f"{key}:list") + "?" + urlencode({"owner": user.pk, "overdue": "true"})


def kinds(user) -> list[Kind]:
    """The kinds with their links, no count (no query)."""
    return [Kind(key, label, icon, _url(key, user)) for key, label, icon in KINDS]


def _querysets(user, today: datetime.date) -> dict[str, QuerySet | None]:
    """Each kind's items for ``user``; ``None`` for a kind that cannot concern them."""
    return {
        "reviews": _reviews(user),
        "acceptances": _acceptances(user),
        "mitigations": _mitigations(user, today),
        "risks": _risks(user, today),
        "incidents": _incidents(user),
    }


class _CappedCount(Subquery):
    """How many rows a subquery (limited to :data:`COUNT_CAP`) gives, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


def _count(queryset: QuerySet) -> Coalesce:
    """``queryset``'s count up to :data:`COUNT_CAP`, as a scalar subquery (``SELECT COUNT(*)
    FROM (SELECT id … LIMIT 100)``), so that one SELECT reads every count and none reads more
    than its first rows. Each kind's rows are distinct: its joins follow foreign keys (one
    system per record), and a queryset with an aggregate of its own (the queue's progress,
    which joins its decisions) is counted by key."""
    if any(annotation.contains_aggregate for annotation in queryset.query.annotations.values()):
        queryset = queryset.model._base_manager.filter(pk__in=queryset.order_by().values("pk"))
    # Coalesce: a queryset that can match nothing (``.none()``) is compiled as NULL.
    return Coalesce(_CappedCount(queryset.order_by().values("pk")[:COUNT_CAP]), 0)


def waiting_counts(
    user, *, today: datetime.date | None = None, also: dict | None = None
) -> dict[str, int]:
    """How many of each kind wait for ``user`` (kinds that cannot concern them count 0): one
    query. ``also``: more counts to read in the same query, ``{name: queryset}``."""
    if not (user and user.is_authenticated and user.is_active):
        return {}
    today = today or timezone.localdate()
    querysets = {**_querysets(user, today), **(also or {})}
    counted = {
        f"waiting_{key}": _count(queryset)
        for key, queryset in querysets.items()
        if queryset is not None
    }
    row = get_user_model().objects.filter(pk=user.pk).values(**counted).first() or {}
    return {key: row.get(f"waiting_{key}", 0) for key in querysets}


def waiting_for(
    user, *, today: datetime.date | None = None, counts: dict[str, int] | None = None
) -> list[Kind]:
    """Each kind that can concern ``user``, with its count and its first items: one query for
    the counts (none if ``counts`` are given) and one per kind with something waiting."""
    today = today or timezone.localdate()
    if counts is None:
        counts = waiting_counts(user, today=today)
    querysets = _querysets(user, today)
    result = []
    for kind in kinds(user):
        queryset = querysets[kind.key]
        if queryset is None:
            continue
        kind.count = counts[kind.key]
        if kind.count:
            kind.items = list(queryset[:ITEMS_SHOWN])
            for item in kind.items:
                due = getattr(item, "due_date", None) or getattr(item, "treatment_due", None)
                if kind.key in ("mitigations", "risks") and due:
                    item.days_overdue = (today - due).days
        result.append(kind)
    return result


def total(counts: dict[str, int]) -> int:
    return sum(counts.get(key, 0) for key, _, _ in KINDS)
