"""The facts of an AI system that applicability rules and key dates may name, and how a rule's
conditions are checked and evaluated.

A condition maps a fact to what meets it, all facts together::

    {"eu_ai_act_tier": ["high_risk"], "eu_ai_act_role": ["deployer", "provider_and_deployer"],
     "serves_public": true}

A choice fact takes a list of its values (any of them meets it); a yes/no fact takes ``true`` or
``false``. ``{}`` meets every system. The facts are fields of
:class:`apps.systems.models.AISystem`: the ones listed here, by their field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from apps.systems.models import AISystem

# Fields of AISystem a rule may name: its choices and its yes/no facts.
FACT_FIELDS = (
    "eu_ai_act_tier",
    "eu_ai_act_area",
    "annex_iii_point",
    "eu_ai_act_role",
    "is_general_purpose_model",
    "has_systemic_risk",
    "serves_public",
    "interacts_with_people",
    "ai_kind",
    "lifecycle_stage",
    "decision_role",
    "oversight_mode",
    "customer_data_training",
    "processes_personal_data",
    "processes_special_category_data",
    "processes_financial_data",
    "processes_confidential_data",
    "processes_public_data",
    "affects_customers",
    "affects_employees",
    "affects_public",
)


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    choices: dict[str, str] | None  # value → label; None for a yes/no fact

    @property
    def is_boolean(self) -> bool:
        return self.choices is None

    def display(self, value: Any) -> str:
        if self.is_boolean:
            return "yes" if value else "no"
        if value in ("", None):
            return "none"
        return str(self.choices.get(value, value))


def _fact(name: str) -> Fact:
    field = AISystem._meta.get_field(name)
    label = str(field.verbose_name)
    if isinstance(field, models.BooleanField):
        return Fact(name, label, None)
    choices = {str(value): str(text) for value, text in field.flatchoices}
    if field.blank:
        choices.setdefault("", "none")
    return Fact(name, label, choices)


FACTS: dict[str, Fact] = {name: _fact(name) for name in FACT_FIELDS}


def condition_errors(conditions: Any) -> list[str]:
    """What is wrong with a rule's (or key date's) ``conditions``, in words; ``[]`` if valid."""
    if not isinstance(conditions, Mapping):
        return ["The conditions must be a mapping of facts to values."]
    errors = []
    for name, expected in conditions.items():
        fact = FACTS.get(name)
        if fact is None:
            errors.append(
                f"“{name}” is not a fact of a system (one of: {', '.join(sorted(FACTS))})."
            )
            continue
        if fact.is_boolean:
            if not isinstance(expected, bool):
                errors.append(f"{name} is a yes/no fact: give true or false.")
            continue
        values = expected if isinstance(expected, list) else None
        if not values or not all(isinstance(value, str) for value in values):
            errors.append(f"{name} takes a list of values (e.g. [{next(iter(fact.choices))}]).")
            continue
        unknown = [value for value in values if value not in fact.choices]
        if unknown:
            errors.append(
                f"{name} has no value {', '.join(f'“{value}”' for value in unknown)} "
                f"(one of: {', '.join(value or '“”' for value in fact.choices)})."
            )
    return errors


def meets(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a system's ``facts`` (field name → stored value) meet ``conditions``."""
    for name, expected in conditions.items():
        value = facts[name]
        if isinstance(expected, bool):
            if bool(value) != expected:
                return False
        elif value not in expected:
            return False
    return True


def explain(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    """The facts a rule looked at, as the system has them: “EU AI Act risk tier: High-risk…;
    our role (EU AI Act): Provider”."""
    return "; ".join(
        f"{FACTS[name].label}: {FACTS[name].display(facts[name])}" for name in in_order(conditions)
    )


def in_order(names) -> list[str]:
    """Fact names in the order of :data:`FACT_FIELDS` (a JSON column may keep another order)."""
    return sorted(names, key=FACT_FIELDS.index)
