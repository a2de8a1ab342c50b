"""Who must hold which training, and who is missing what: computed in SQL, set-based.

Each training that some requirement names becomes three columns of a query over people —
``req_<id>`` (the person is required to hold it), ``gap_<id>`` (required and no completion counts
today: missing or expired) and ``due_<id>`` (required and none counts in ``NOTICE_DAYS`` days:
missing, expired or expiring soon) — plus ``until_<id>``, the furthest expiry of their
completions. A page of people, with every training's state, is one query, however many people;
the trainings and their requirements are one more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from apps.accounts.models import Membership
from apps.literacy.models import Audience, Training, TrainingCompletion
from apps.literacy.permissions import can_view_literacy
from apps.systems.models import AISystem, EUAIActTier

NOTICE_DAYS = 30


def audience_condition(audience: str) -> Q:
    """The people a requirement's audience names, as a condition on the people table (no join
    that could repeat a person)."""
    if audience == Audience.EVERYONE:
        return Q(pk__isnull=False)
    if audience == Audience.COMMITTEE_MEMBERS:
        return Q(is_committee_member=True)
    if audience == Audience.ADMINISTRATORS:
        return Q(is_superuser=True)
    if audience == Audience.AUDITORS:
        return Q(is_auditor=True)
    if audience in (Audience.CONTRIBUTORS, Audience.VIEWERS):
        role = (
            Membership.Role.CONTRIBUTOR
            if audience == Audience.CONTRIBUTORS
            else Membership.Role.VIEWER
        )
        return Q(Exists(Membership.objects.filter(user=OuterRef("pk"), role=role)))
    if audience == Audience.HIGH_RISK_OWNERS:
        return Q(
            Exists(
                AISystem.objects.filter(
                    Q(business_owner=OuterRef("pk")) | Q(technical_owner=OuterRef("pk")),
                    eu_ai_act_tier=EUAIActTier.HIGH_RISK,
                    archived_at__isnull=True,
                )
            )
        )
    raise ValueError(f"Unknown audience {audience!r}")


@dataclass
class RequiredTraining:
    training: Training
    audiences: list[str] = field(default_factory=list)
    # The day it was first required (a missing training's reminder is dated by it: told once).
    required_since: datetime.date | None = None

    @property
    def condition(self) -> Q:
        condition = Q(pk__in=[])
        for audience in self.audiences:
            condition |= audience_condition(audience)
        return condition

    @property
    def audience_labels(self) -> list[str]:
        return [Audience(a).label for a in self.audiences]


def required_trainings(training_id: int | None = None) -> list[RequiredTraining]:
    """Each active training that some requirement names, with its audiences (one query)."""
    trainings = Training.objects.filter(is_active=True, requirements__isnull=False)
    if training_id is not None:
        trainings = trainings.filter(pk=training_id)
    required: dict[int, RequiredTraining] = {}
    for training, audience, created_at in (
        (t, t.audience, t.required_at)
        for t in trainings.annotate(
            audience=F("requirements__audience"), required_at=F("requirements__created_at")
        ).order_by("name", "pk", "audience")
    ):
        entry = required.setdefault(training.pk, RequiredTraining(training=training))
        entry.audiences.append(audience)
        day = timezone.localdate(created_at) if created_at else None
        if day and (entry.required_since is None or day < entry.required_since):
            entry.required_since = day
    return list(required.values())


def _counts_on(training_id: int, day: datetime.date) -> Exists:
    return Exists(
        TrainingCompletion.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day),
            person=OuterRef("pk"),
            training_id=training_id,
        )
    )


def _flag(condition) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def with_training_state(
    people, required: list[RequiredTraining], today: datetime.date | None = None
):
    """``people`` with the columns of each required training (see the module's docstring)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=NOTICE_DAYS)
    columns = {}
    for entry in required:
        pk = entry.training.pk
        condition = entry.condition
        columns[f"req_{pk}"] = _flag(condition)
        columns[f"gap_{pk}"] = _flag(condition & ~Q(_counts_on(pk, today)))
        columns[f"due_{pk}"] = _flag(condition & ~Q(_counts_on(pk, soon)))
        columns[f"until_{pk}"] = Subquery(
            TrainingCompletion.objects.filter(person=OuterRef("pk"), training_id=pk)
            .order_by(F("expires_on").desc(nulls_first=True), "-completed_on")
            .values("expires_on")[:1]
        )
        columns[f"done_{pk}"] = Exists(
            TrainingCompletion.objects.filter(person=OuterRef("pk"), training_id=pk)
        )
    return people.annotate(**columns)


def any_flag(prefix: str, required: list[RequiredTraining]) -> Q:
    condition = Q(pk__in=[])
    for entry in required:
        condition |= Q(**{f"{prefix}_{entry.training.pk}": True})
    return condition


class State:
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"

    LABELS = {
        VALID: "Valid",
        EXPIRING: "Expires soon",
        EXPIRED: "Expired",
        MISSING: "Missing",
    }


@dataclass(frozen=True)
class TrainingState:
    training: Training
    state: str
    until: datetime.date | None
    audiences: list[str]

    @property
    def label(self) -> str:
        return State.LABELS[self.state]

    @property
    def is_gap(self) -> bool:
        return self.state in (State.MISSING, State.EXPIRED)


def states_of(person, required: list[RequiredTraining]) -> list[TrainingState]:
    """The state of each training ``person`` (annotated by :func:`with_training_state`) must
    hold, in the trainings' order; no query."""
    states = []
    for entry in required:
        pk = entry.training.pk
        if not getattr(person, f"req_{pk}"):
            continue
        until = getattr(person, f"until_{pk}")
        if not getattr(person, f"done_{pk}"):
            state = State.MISSING
        elif getattr(person, f"gap_{pk}"):
            state = State.EXPIRED
        elif getattr(person, f"due_{pk}"):
            state = State.EXPIRING
        else:
            state = State.VALID
        states.append(TrainingState(entry.training, state, until, entry.audience_labels))
    return states


def people_with_gaps(
    *,
    required: list[RequiredTraining],
    team_id: int | None = None,
    include_expiring: bool = True,
    today: datetime.date | None = None,
):
    """Active people who miss a required training (or, with ``include_expiring``, whose
    training expires within ``NOTICE_DAYS`` days), by name: the organisation's literacy page."""
    people = get_user_model().objects.filter(is_active=True)
    if team_id is not None:
        people = people.filter(
            Exists(Membership.objects.filter(user=OuterRef("pk"), team_id=team_id))
        )
    people = with_training_state(people, required, today)
    return people.filter(any_flag("due" if include_expiring else "gap", required)).order_by(
        "full_name", "pk"
    )


def person_training(person, today: datetime.date | None = None) -> dict:
    """A person's page: each required training's state, and every completion of theirs."""
    required = required_trainings()
    annotated = with_training_state(
        get_user_model().objects.filter(pk=person.pk), required, today
    ).get()
    return {
        "states": states_of(annotated, required),
        "completions": list(
            person.training_completions.select_related("training", "recorded_by").order_by(
                "-completed_on", "pk"
            )
        ),
    }


def team_training(team_id: int, today: datetime.date | None = None) -> list[tuple]:
    """Each active member of a team with the states of their required trainings (two queries):
    the Art. 4 obligation's panel."""
    required = required_trainings()
    people = with_training_state(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(Membership.objects.filter(user=OuterRef("pk"), team_id=team_id)))
        .order_by("full_name", "pk"),
        required,
        today,
    )
    return [(person, states_of(person, required)) for person in people]


def completions_visible_to(user):
    """The completions a person may read in the API: everyone's for global readers, their own
    otherwise."""
    completions = TrainingCompletion.objects.select_related("person", "training", "recorded_by")
    if can_view_literacy(user):
        return completions
    return completions.filter(person_id=user.pk)
