"""Which obligations each system has: derived from its facts by the catalogues' rules, in one
set-based pass.

:func:`recompute_obligations` reads the rules of the catalogues in force and the key dates once,
then, for the systems asked (a chunk at a time), their facts and their obligations, and writes
the difference in bulk:

* a requirement that a rule now applies and the system has no obligation for: a new obligation,
  ``why`` saying which facts made it apply, its due date from the key dates;
* an obligation no rule applies any more (the facts changed, the catalogue was retired): marked
  *no longer applicable* with the reason and the time — never deleted, its work and history kept;
* one that applies again: revived, with its new ``why``;
* one that still applies: its ``why`` and due date brought up to date if they changed.

Each change has its history row and audit entry. The number of queries depends on the number of
chunks (of :data:`CHUNK_SIZE` systems) and of rules, not of systems or obligations.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.compliance import bulk
from apps.compliance.bulk import short_reason
from apps.compliance.facts import FACT_FIELDS, explain, in_order, meets
from apps.compliance.models import (
    Applicability,
    ApplicabilityRule,
    Catalogue,
    KeyDate,
    Obligation,
    Requirement,
)
from apps.systems.models import AISystem

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Models:
    """The model classes the pass works on: the app's own, or a data migration's historical
    models (which keep no history: :attr:`history` is then ``False``)."""

    AISystem: type
    Catalogue: type
    Obligation: type
    Requirement: type
    ApplicabilityRule: type
    KeyDate: type
    history: bool = True

    @classmethod
    def of(cls, apps) -> Models:
        """The historical models of a data migration's ``apps``."""
        return cls(
            AISystem=apps.get_model("systems", "AISystem"),
            Catalogue=apps.get_model("compliance", "Catalogue"),
            Obligation=apps.get_model("compliance", "Obligation"),
            Requirement=apps.get_model("compliance", "Requirement"),
            ApplicabilityRule=apps.get_model("compliance", "ApplicabilityRule"),
            KeyDate=apps.get_model("compliance", "KeyDate"),
            history=False,
        )


APP_MODELS = Models(AISystem, Catalogue, Obligation, Requirement, ApplicabilityRule, KeyDate)

# What the audit entry of a new obligation lists.
DESCRIBED_ON_CREATION = ("requirement", "status", "applicability", "why", "due_date", "key_date")


@dataclass(frozen=True)
class Rule:
    key: str
    description: str
    conditions: dict
    requirement_ids: tuple[int, ...]


@dataclass(frozen=True)
class DueDate:
    pk: int
    date: datetime.date
    conditions: dict
    requirement_ids: frozenset[int]


@dataclass
class Derived:
    """Why one requirement applies to one system, and when it is due."""

    rules: list[Rule] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    key_date: DueDate | None = None

    @property
    def why(self) -> str:
        return "; ".join(self.explanations)

    @property
    def triggered_by(self) -> dict:
        return {"rules": [rule.key for rule in self.rules], "facts": self.facts}


@dataclass
class Outcome:
    created: int = 0
    retired: int = 0
    revived: int = 0
    updated: int = 0

    def __bool__(self) -> bool:
        return bool(self.created or self.retired or self.revived or self.updated)


def rules_in_force(models: Models = APP_MODELS) -> list[Rule]:
    """The rules of every catalogue not retired, in their catalogue's order (two queries)."""
    through = models.ApplicabilityRule.requirements.through
    links: dict[int, list[int]] = {}
    for rule_id, requirement_id in (
        through.objects.filter(applicabilityrule__catalogue__retired_at__isnull=True)
        .order_by("requirement__position", "requirement_id")
        .values_list("applicabilityrule_id", "requirement_id")
    ):
        links.setdefault(rule_id, []).append(requirement_id)
    return [
        Rule(key, description, conditions or {}, tuple(links.get(pk, ())))
        for pk, key, description, conditions in models.ApplicabilityRule.objects.filter(
            catalogue__retired_at__isnull=True
        )
        .order_by("catalogue__name", "catalogue_id", "position", "pk")
        .values_list("pk", "key", "description", "conditions")
    ]


def key_dates_in_force(models: Models = APP_MODELS) -> list[DueDate]:
    """The key dates that set due dates: every one not superseded by another (two queries)."""
    through = models.KeyDate.requirements.through
    links: dict[int, set[int]] = {}
    for key_date_id, requirement_id in through.objects.values_list("keydate_id", "requirement_id"):
        links.setdefault(key_date_id, set()).add(requirement_id)
    dates = list(
        models.KeyDate.objects.order_by("date", "pk").values_list(
            "pk", "date", "conditions", "supersedes_id"
        )
    )
    superseded = {supersedes for *_, supersedes in dates if supersedes is not None}
    return [
        DueDate(pk, date, conditions or {}, frozenset(links.get(pk, ())))
        for pk, date, conditions, _ in dates
        if pk not in superseded
    ]


def derive(facts: dict, rules: Iterable[Rule], key_dates: Iterable[DueDate]) -> dict[int, Derived]:
    """The requirements that apply to a system with ``facts`` (field → value), by id, each
    with why and its key date (the earliest in force that concerns it and the system)."""
    derived: dict[int, Derived] = {}
    for rule in rules:
        if not rule.requirement_ids or not meets(rule.conditions, facts):
            continue
        described = explain(rule.conditions, facts)
        explanation = f"{rule.description} ({described})" if described else rule.description
        for requirement_id in rule.requirement_ids:
            one = derived.setdefault(requirement_id, Derived())
            one.rules.append(rule)
            one.explanations.append(explanation)
            one.facts.update({name: facts[name] for name in in_order(rule.conditions)})
    if derived:
        for key_date in key_dates:  # by date: the first that concerns it wins
            for requirement_id in key_date.requirement_ids & derived.keys():
                one = derived[requirement_id]
                if one.key_date is None and meets(key_date.conditions, facts):
                    one.key_date = key_date
    return derived


def _system_ids(systems, models: Models) -> list[int]:
    if systems is None:
        return list(models.AISystem.objects.order_by("pk").values_list("pk", flat=True))
    if isinstance(systems, QuerySet):
        return list(systems.order_by("pk").values_list("pk", flat=True))
    return sorted({getattr(system, "pk", system) for system in systems})


@transaction.atomic
def recompute_obligations(*, systems=None, by=None, reason: str) -> Outcome:
    """Bring the obligations of ``systems`` (``None``: every system; a queryset, or systems or
    their ids) in line with their facts and the catalogues in force. ``reason`` says what
    changed (“EU AI Act tier changed”, “Catalogue loaded”): it is the history's reason and,
    for an obligation that no longer applies, part of why. Returns what it did."""
    return recompute(APP_MODELS, systems=systems, by=by, reason=reason)


def recompute(models: Models, *, systems=None, by=None, reason: str) -> Outcome:
    """:func:`recompute_obligations` on ``models`` (a data migration passes its own)."""
    rules = rules_in_force(models)
    key_dates = key_dates_in_force(models)
    ids = _system_ids(systems, models)
    outcome = Outcome()
    for start in range(0, len(ids), CHUNK_SIZE):
        _recompute_chunk(
            models,
            ids[start : start + CHUNK_SIZE],
            rules,
            key_dates,
            by=by,
            reason=reason,
            into=outcome,
        )
    return outcome


def _recompute_chunk(models, ids, rules, key_dates, *, by, reason: str, into: Outcome) -> None:
    # Lock the systems first (their edits lock them too), then their obligations, in pk order.
    systems = {
        system.pk: system
        for system in models.AISystem.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .only("pk", "name", *FACT_FIELDS)
    }
    wanted = {
        pk: derive({name: getattr(system, name) for name in FACT_FIELDS}, rules, key_dates)
        for pk, system in systems.items()
    }
    existing = {
        (obligation.system_id, obligation.requirement_id): obligation
        for obligation in models.Obligation.objects.select_for_update(of=("self",))
        .filter(system_id__in=list(systems))
        .select_related("requirement")
        .order_by("pk")
    }
    for obligation in existing.values():  # what str() names, without a query each
        obligation.system = systems[obligation.system_id]
    requirement_ids = {rid for derived in wanted.values() for rid in derived} - {
        rid for _, rid in existing
    }
    requirements = {
        requirement.pk: requirement
        for requirement in models.Requirement.objects.filter(pk__in=requirement_ids).only(
            "pk", "identifier", "catalogue_id"
        )
    }
    now = timezone.now()
    new: list[Obligation] = []
    changes: dict[int, dict] = {}
    reasons: dict[int, str] = {}
    changed: dict[int, Obligation] = {}
    for system_id, derived in wanted.items():
        system = systems[system_id]
        for requirement_id, one in derived.items():
            obligation = existing.get((system_id, requirement_id))
            key_date_id = one.key_date.pk if one.key_date else None
            if obligation is None:
                new.append(
                    models.Obligation(
                        system=system,
                        requirement=requirements[requirement_id],
                        why=one.why,
                        triggered_by=one.triggered_by,
                        key_date_id=key_date_id,
                        due_date=one.key_date.date if one.key_date else None,
                    )
                )
                continue
            change = {}
            if obligation.applicability != Applicability.APPLIES:
                change |= {
                    "applicability": Applicability.APPLIES,
                    "applicability_reason": "",
                    "applicability_changed_at": now,
                }
                reasons[obligation.pk] = f"Applies again: {reason}"
                into.revived += 1
            if obligation.why != one.why or obligation.triggered_by != one.triggered_by:
                change |= {"why": one.why, "triggered_by": one.triggered_by}
            if obligation.key_date_id != key_date_id:
                change["key_date"] = key_date_id
            due = obligation.custom_due_date or (one.key_date.date if one.key_date else None)
            if obligation.due_date != due:
                change["due_date"] = due
            if change:
                if obligation.pk not in reasons:
                    reasons[obligation.pk] = reason
                    into.updated += 1
                changes[obligation.pk] = change
                changed[obligation.pk] = obligation
    for (system_id, requirement_id), obligation in existing.items():
        if obligation.applicability == Applicability.APPLIES and requirement_id not in wanted.get(
            system_id, {}
        ):
            changes[obligation.pk] = {
                "applicability": Applicability.NO_LONGER_APPLIES,
                "applicability_reason": reason,
                "applicability_changed_at": now,
            }
            reasons[obligation.pk] = f"No longer applicable: {reason}"
            changed[obligation.pk] = obligation
            into.retired += 1
    into.created += len(new)
    if models.history:
        bulk.create_with_history(new, by=by, reason=reason, described=DESCRIBED_ON_CREATION)
        bulk.save_with_history(list(changed.values()), changes, by=by, reasons=reasons)
    else:
        bulk.write_without_history(models.Obligation, new, list(changed.values()), changes)


def on_facts_changed(*, systems, changed, by, reason: str) -> None:
    """The systems app's hook (:mod:`apps.systems.hooks`): a new system, or one whose facts
    changed, gets its obligations recomputed in the same transaction."""
    if changed is not None and not (set(changed) & set(FACT_FIELDS)):
        return
    if changed is None:
        why = "New system registered"
    else:
        labels = sorted(
            str(AISystem._meta.get_field(name).verbose_name)
            for name in changed
            if name in FACT_FIELDS
        )
        why = short_reason(f"The system's {', '.join(labels)} changed")
        if why.endswith("…"):
            why = f"{len(labels)} facts of the system changed"
    recompute_obligations(systems=systems, by=by, reason=why)
