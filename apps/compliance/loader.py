"""Catalogues as data: reading, checking and loading them.

A catalogue is a YAML document (the shipped ones are in ``apps/compliance/catalogues/``; an
administrator's own is uploaded, :mod:`apps.compliance.imports`)::

    framework: eu-ai-act            # stable key of the framework, the same for all its versions
    name: EU AI Act
    version: "2024/1689 (with 2026/1744 dates)"
    source: Where it comes from, how far it was verified.
    scope: system                   # system: rules derive obligations; organisation: no rules
    expected_counts: {article: 19}  # optional: how many requirements of each kind
    requirements:
      - id: "Art. 9"                # the framework's own identifier, exactly
        kind: article               # article, objective, control, function, category, …
        parent: "…"                 # optional: the id of its objective, function or category
        title: Risk management system
        summary: In our own words.
        binds: [provider]           # optional: provider, deployer, gpai_provider
        blocking: true              # optional
    rules:                          # optional (scope system only)
      - key: high-risk-provider
        description: A high-risk system that the organisation provides
        when: {eu_ai_act_tier: [high_risk], eu_ai_act_role: [provider, provider_and_deployer]}
        requirements: ["Art. 9"]
    key_dates:                      # optional
      - key: eu-ai-act-annex-iii-high-risk-amended   # unique across every catalogue
        label: …
        date: 2027-12-02
        source: …
        requirements: ["Art. 9"]
        when: {eu_ai_act_area: ["1", "2"]}            # optional: the systems it concerns
        supersedes: eu-ai-act-annex-iii-high-risk     # optional: the date it replaces

:func:`check` lists every problem of a document (where, what); :func:`load` writes a valid one:
idempotent (loading the same file again changes nothing), it updates a version in place and a new
version retires the one in force, carrying each obligation over to the requirement with the same
identifier. Key dates that exist are left as administrators keep them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.compliance import bulk
from apps.compliance.facts import condition_errors
from apps.compliance.models import CatalogueScope, RequirementKind

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"
BINDS = {
    "provider": "binds_provider",
    "deployer": "binds_deployer",
    "gpai_provider": "binds_gpai_provider",
}
MAX_REQUIREMENTS = 5000
TEXT_LIMITS = {"id": 60, "title": 255, "name": 200, "version": 100, "description": 255}


# --- Reading -------------------------------------------------------------------------------------
def shipped_files() -> list[Path]:
    return sorted(CATALOGUE_DIR.glob("*.yaml"))


def read_yaml(text: str) -> Any:
    return yaml.safe_load(text)


def read_file(path: Path) -> Any:
    return read_yaml(path.read_text(encoding="utf-8"))


# --- Checking ------------------------------------------------------------------------------------
def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _where(section: str, index: int, item: Any, key: str = "id") -> str:
    name = item.get(key) if isinstance(item, dict) else None
    return f"{section}[{index + 1}]" + (f" ({name})" if name else "")


def check(document: Any, *, key_dates_elsewhere: Iterable[str] = ()) -> list[str]:
    """Every problem of a catalogue document, each as “where: what”; ``[]`` if it can be loaded.

    Checks the required fields and their lengths, that requirement IDs and rule keys are unique,
    that every parent, rule and key date names requirements of the document, that rule
    conditions name facts of a system with values they can take, that key dates are dated and
    their keys unique (``key_dates_elsewhere``: those of other documents, which ``supersedes``
    may also name), and the ``expected_counts``."""
    if not isinstance(document, dict):
        return ["The catalogue must be a mapping (framework, name, version, requirements…)."]
    problems: list[str] = []
    for name in ("framework", "name", "version"):
        value = document.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not _text(value):
            problems.append(f"{name}: required.")
        elif len(_text(value)) > TEXT_LIMITS.get(name, 60):
            problems.append(f"{name}: at most {TEXT_LIMITS.get(name, 60)} characters.")
    framework = _text(document.get("framework"))
    if framework and slugify(framework) != framework:
        problems.append(
            f"framework: “{framework}” must be a key in lower case with hyphens (e.g. "
            "internal-ai-policy)."
        )
    scope = document.get("scope", CatalogueScope.SYSTEM)
    if scope not in CatalogueScope.values:
        problems.append(f"scope: “{scope}” is not one of {', '.join(CatalogueScope.values)}.")

    requirements = document.get("requirements")
    if not isinstance(requirements, list) or not requirements:
        problems.append("requirements: a list of at least one requirement is required.")
        requirements = []
    elif len(requirements) > MAX_REQUIREMENTS:
        problems.append(f"requirements: at most {MAX_REQUIREMENTS}.")
    ids: dict[str, int] = {}
    for index, item in enumerate(requirements):
        where = _where("requirements", index, item)
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping (id, title, …).")
            continue
        identifier = _text(item.get("id"))
        if not identifier:
            problems.append(f"{where}: id is required.")
        elif len(identifier) > TEXT_LIMITS["id"]:
            problems.append(f"{where}: id is at most {TEXT_LIMITS['id']} characters.")
        elif identifier in ids:
            problems.append(
                f"{where}: id “{identifier}” appears twice "
                f"(first at requirements[{ids[identifier]}])."
            )
        else:
            ids[identifier] = index + 1
        if not _text(item.get("title")):
            problems.append(f"{where}: title is required.")
        elif len(_text(item.get("title"))) > TEXT_LIMITS["title"]:
            problems.append(f"{where}: title is at most {TEXT_LIMITS['title']} characters.")
        if item.get("summary") is not None and not isinstance(item.get("summary"), str):
            problems.append(f"{where}: summary must be text.")
        kind = item.get("kind", RequirementKind.REQUIREMENT)
        if kind not in RequirementKind.values:
            problems.append(
                f"{where}: kind “{kind}” is not one of {', '.join(RequirementKind.values)}."
            )
        binds = item.get("binds", [])
        if not isinstance(binds, list) or any(b not in BINDS for b in binds):
            problems.append(f"{where}: binds is a list of {', '.join(BINDS)}.")
        if not isinstance(item.get("blocking", False), bool):
            problems.append(f"{where}: blocking is true or false.")
    parents = {
        _text(item.get("id")): _text(item.get("parent"))
        for item in requirements
        if isinstance(item, dict) and item.get("parent") is not None
    }
    for index, item in enumerate(requirements):
        if not isinstance(item, dict) or item.get("parent") is None:
            continue
        parent = _text(item.get("parent"))
        where = _where("requirements", index, item)
        if parent not in ids:
            problems.append(f"{where}: parent “{parent}” is not a requirement of this catalogue.")
            continue
        seen, current = {_text(item.get("id"))}, parent
        while current in parents:
            if current in seen:
                problems.append(f"{where}: its parents go round in a circle.")
                break
            seen.add(current)
            current = parents[current]

    expected = document.get("expected_counts")
    if expected is not None:
        counts = Counter(
            item.get("kind", RequirementKind.REQUIREMENT)
            for item in requirements
            if isinstance(item, dict)
        )
        if not isinstance(expected, dict):
            problems.append("expected_counts: a mapping of kind to number.")
        else:
            for kind, number in expected.items():
                if counts.get(kind, 0) != number:
                    problems.append(
                        f"expected_counts: {number} of kind “{kind}” expected, "
                        f"{counts.get(kind, 0)} found."
                    )

    rules = document.get("rules") or []
    if not isinstance(rules, list):
        problems.append("rules: must be a list.")
        rules = []
    if rules and scope == CatalogueScope.ORGANISATION:
        problems.append(
            "rules: an organisation-wide catalogue derives no per-system obligations; use "
            "scope: system for a catalogue with rules."
        )
    keys: dict[str, int] = {}
    for index, rule in enumerate(rules):
        where = _where("rules", index, rule, "key")
        if not isinstance(rule, dict):
            problems.append(f"{where}: must be a mapping (key, description, when, requirements).")
            continue
        key = _text(rule.get("key"))
        if not key or slugify(key) != key:
            problems.append(f"{where}: key is required, in lower case with hyphens.")
        elif key in keys:
            problems.append(f"{where}: key “{key}” appears twice (first at rules[{keys[key]}]).")
        else:
            keys[key] = index + 1
        description = _text(rule.get("description"))
        if not description:
            problems.append(f"{where}: description is required (it says why obligations apply).")
        elif len(description) > TEXT_LIMITS["description"]:
            problems.append(f"{where}: description is at most 255 characters.")
        problems += [f"{where}: when: {m}" for m in condition_errors(rule.get("when", {}))]
        problems += _reference_problems(where, rule.get("requirements"), ids, required=True)

    key_dates = document.get("key_dates") or []
    if not isinstance(key_dates, list):
        problems.append("key_dates: must be a list.")
        key_dates = []
    date_keys: dict[str, int] = {}
    elsewhere = set(key_dates_elsewhere)
    for index, item in enumerate(key_dates):
        where = _where("key_dates", index, item, "key")
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping (key, label, date, source…).")
            continue
        key = _text(item.get("key"))
        if not key or slugify(key) != key:
            problems.append(f"{where}: key is required, in lower case with hyphens.")
        elif key in date_keys or key in elsewhere:
            problems.append(f"{where}: key “{key}” is used by another key date.")
        else:
            date_keys[key] = index + 1
        if not _text(item.get("label")):
            problems.append(f"{where}: label is required.")
        if not isinstance(item.get("date"), datetime.date):
            problems.append(f"{where}: date is required, as YYYY-MM-DD.")
        if not _text(item.get("source")):
            problems.append(f"{where}: source is required (where the date comes from).")
        problems += [f"{where}: when: {m}" for m in condition_errors(item.get("when", {}))]
        problems += _reference_problems(where, item.get("requirements", []), ids, required=False)
    for index, item in enumerate(key_dates):
        if isinstance(item, dict) and item.get("supersedes") is not None:
            target = _text(item.get("supersedes"))
            if target == _text(item.get("key")):
                problems.append(f"{_where('key_dates', index, item, 'key')}: supersedes itself.")
            elif target not in date_keys and target not in elsewhere:
                problems.append(
                    f"{_where('key_dates', index, item, 'key')}: supersedes “{target}”, which "
                    "is not a key date."
                )
    return problems


def _reference_problems(where: str, references: Any, ids: dict, *, required: bool) -> list[str]:
    if references is None:
        references = []
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        return [f"{where}: requirements is a list of requirement ids."]
    if required and not references:
        return [f"{where}: requirements: name at least one requirement."]
    unknown = [r for r in references if r not in ids]
    if unknown:
        return [
            f"{where}: {', '.join(f'“{r}”' for r in unknown)} "
            f"{'is not a requirement' if len(unknown) == 1 else 'are not requirements'} of this "
            "catalogue."
        ]
    return []


def check_shipped() -> dict[str, list[str]]:
    """The problems of every shipped file, by file name (also: framework keys unique)."""
    documents = {path.name: _read_or_problem(path) for path in shipped_files()}
    problems: dict[str, list[str]] = {}
    all_keys = Counter(
        _text(item.get("key"))
        for document in documents.values()
        if isinstance(document, dict)
        for item in document.get("key_dates") or []
        if isinstance(item, dict)
    )
    frameworks = Counter(
        _text(d.get("framework")) for d in documents.values() if isinstance(d, dict)
    )
    for name, document in documents.items():
        if isinstance(document, str):
            problems[name] = [document]
            continue
        own = {_text(i.get("key")) for i in document.get("key_dates") or [] if isinstance(i, dict)}
        elsewhere = {key for key in all_keys if key not in own}
        found = check(document, key_dates_elsewhere=elsewhere)
        if frameworks[_text(document.get("framework"))] > 1:
            found.append(f"framework: “{document.get('framework')}” is in more than one file.")
        problems[name] = found
    return problems


def _read_or_problem(path: Path) -> Any:
    try:
        return read_file(path)
    except yaml.YAMLError as error:
        return f"Not valid YAML: {error}"


# --- Loading -------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    catalogue: Any
    created: bool = False
    requirements_created: int = 0
    requirements_updated: int = 0
    rules_written: int = 0
    rules_removed: int = 0
    key_dates_created: int = 0
    retired: list = field(default_factory=list)
    carried_over: int = 0
    skipped_reason: str = ""

    def describe(self) -> str:
        if self.skipped_reason:
            return f"{self.catalogue}: {self.skipped_reason}"
        parts = [
            f"{'loaded' if self.created else 'up to date' if not self.changed else 'updated'}",
            f"{self.catalogue.requirement_total} requirements",
        ]
        if self.requirements_created or self.requirements_updated:
            parts.append(f"{self.requirements_created} new, {self.requirements_updated} changed")
        if self.rules_written or self.rules_removed:
            parts.append(f"{self.rules_written} rules written, {self.rules_removed} removed")
        if self.key_dates_created:
            parts.append(f"{self.key_dates_created} key dates added")
        if self.retired:
            parts.append(f"retired {', '.join(str(c) for c in self.retired)}")
        if self.carried_over:
            parts.append(f"{self.carried_over} obligations carried over")
        return f"{self.catalogue}: {'; '.join(parts)}"

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.requirements_created
            or self.requirements_updated
            or self.rules_written
            or self.rules_removed
            or self.key_dates_created
        )


def _save(record, *, by, reason: str) -> None:
    """Save with who and why for the history (a data migration's models keep none)."""
    record._history_user = by
    record._change_reason = bulk.short_reason(reason)
    record.save()


def _requirement_values(item: dict, position: int) -> dict:
    binds = set(item.get("binds") or [])
    return {
        "title": _text(item.get("title")),
        "summary": " ".join((item.get("summary") or "").split()),
        "kind": item.get("kind", RequirementKind.REQUIREMENT),
        "is_blocking": bool(item.get("blocking", False)),
        "position": position,
        **{attribute: name in binds for name, attribute in BINDS.items()},
    }


def _differs(record, values: dict) -> bool:
    return any(getattr(record, name) != value for name, value in values.items())


@transaction.atomic
def load(document: dict, *, models, by=None, builtin: bool = False) -> LoadResult:
    """Write a checked catalogue document (see the module's notes) with ``models`` (an object
    with the model classes as attributes: the app's, or a data migration's)."""
    Catalogue, Requirement = models.Catalogue, models.Requirement
    framework, version = _text(document["framework"]), _text(str(document["version"]))
    reason = f"Loaded from {'the shipped catalogue' if builtin else 'an imported file'}"
    values = {
        "name": _text(document["name"]),
        "source_note": " ".join(str(document.get("source") or "").split()),
        "scope": document.get("scope", CatalogueScope.SYSTEM),
    }
    catalogue = (
        Catalogue.objects.select_for_update().filter(framework=framework, version=version).first()
    )
    result = LoadResult(catalogue=catalogue)
    previous = None
    if catalogue is not None and catalogue.retired_at is not None:
        catalogue.requirement_total = catalogue.requirements.count()
        result.skipped_reason = "this version is retired: left as it is"
        return result
    if catalogue is None:
        previous = (
            Catalogue.objects.select_for_update()
            .filter(framework=framework, retired_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.retired_at = timezone.now()
            previous.retired_by = by
            _save(previous, by=by, reason=f"Replaced by version {version}")
            result.retired.append(previous)
        catalogue = Catalogue(
            framework=framework, version=version, is_builtin=builtin, loaded_by=by, **values
        )
        _save(catalogue, by=by, reason=reason)
        result.created = True
        result.catalogue = catalogue
    elif _differs(catalogue, values):
        for name, value in values.items():
            setattr(catalogue, name, value)
        _save(catalogue, by=by, reason=reason)

    # Requirements, by identifier; then their parents.
    existing = {r.identifier: r for r in Requirement.objects.filter(catalogue=catalogue)}
    by_id = {}
    for position, item in enumerate(document["requirements"], start=1):
        identifier = _text(item["id"])
        wanted = _requirement_values(item, position * 10)
        requirement = existing.get(identifier)
        if requirement is None:
            requirement = Requirement(catalogue=catalogue, identifier=identifier, **wanted)
            _save(requirement, by=by, reason=reason)
            result.requirements_created += 1
        elif _differs(requirement, wanted):
            for name, value in wanted.items():
                setattr(requirement, name, value)
            _save(requirement, by=by, reason=reason)
            result.requirements_updated += 1
        by_id[identifier] = requirement
    for item in document["requirements"]:
        requirement = by_id[_text(item["id"])]
        parent = by_id[_text(item["parent"])] if item.get("parent") is not None else None
        if requirement.parent_id != (parent.pk if parent else None):
            requirement.parent = parent
            _save(requirement, by=by, reason=reason)
    catalogue.requirement_total = len(existing.keys() | by_id.keys())

    _load_rules(document, catalogue, by_id, models=models, by=by, reason=reason, result=result)
    _load_key_dates(document, framework, by_id, models=models, by=by, reason=reason, result=result)
    if previous is not None:
        result.carried_over = _carry_over(previous, by_id, models=models, by=by, version=version)
    return result


def _load_rules(document, catalogue, by_id, *, models, by, reason, result) -> None:
    Rule = models.ApplicabilityRule
    existing = {rule.key: rule for rule in Rule.objects.filter(catalogue=catalogue)}
    wanted_keys = set()
    for position, item in enumerate(document.get("rules") or [], start=1):
        key = _text(item["key"])
        wanted_keys.add(key)
        values = {
            "description": " ".join(item["description"].split()),
            "conditions": item.get("when") or {},
            "position": position * 10,
        }
        requirement_ids = {by_id[identifier].pk for identifier in item["requirements"]}
        rule = existing.get(key)
        if rule is None:
            rule = Rule(catalogue=catalogue, key=key, **values)
            _save(rule, by=by, reason=reason)
        elif _differs(rule, values):
            for name, value in values.items():
                setattr(rule, name, value)
            _save(rule, by=by, reason=reason)
        elif set(rule.requirements.values_list("pk", flat=True)) == requirement_ids:
            continue
        rule._history_user, rule._change_reason = by, reason
        rule.requirements.set(requirement_ids)
        result.rules_written += 1
    for key, rule in existing.items():
        if key not in wanted_keys:
            rule._history_user, rule._change_reason = by, "No longer in the catalogue"
            rule.delete()
            result.rules_removed += 1


def _load_key_dates(document, framework, by_id, *, models, by, reason, result) -> None:
    """Key dates the database lacks are created; existing ones keep what administrators set,
    their links moved to this version's requirements of the same identifiers."""
    KeyDate = models.KeyDate
    items = document.get("key_dates") or []
    existing = {kd.key: kd for kd in KeyDate.objects.filter(key__in=[i["key"] for i in items])}
    created = set()
    for item in items:
        key_date = existing.get(item["key"])
        if key_date is None:
            key_date = KeyDate(
                key=item["key"],
                framework=framework,
                label=_text(item["label"]),
                date=item["date"],
                source_note=" ".join(str(item["source"]).split()),
                conditions=item.get("when") or {},
            )
            _save(key_date, by=by, reason=reason)
            key_date._history_user, key_date._change_reason = by, reason
            key_date.requirements.set([by_id[i].pk for i in item.get("requirements") or []])
            existing[item["key"]] = key_date
            created.add(item["key"])
            result.key_dates_created += 1
            continue
        linked = list(key_date.requirements.all())
        moved = {by_id[r.identifier].pk if r.identifier in by_id else r.pk for r in linked}
        if moved != {r.pk for r in linked}:
            key_date._history_user, key_date._change_reason = by, reason
            key_date.requirements.set(moved)
    for item in items:
        if item.get("supersedes") is None or item["key"] not in created:
            continue
        key_date = existing[item["key"]]
        key_date.supersedes = existing.get(item["supersedes"]) or KeyDate.objects.get(
            key=item["supersedes"]
        )
        _save(key_date, by=by, reason=reason)


def _carry_over(previous, by_id, *, models, by, version: str) -> int:
    """The obligations of the version just replaced move to the new version's requirement of
    the same identifier (their status, owner and evidence with them); the others are left to
    the applicability pass, which marks them no longer applicable."""
    Obligation = models.Obligation
    obligations = list(
        Obligation.objects.select_for_update()
        .filter(requirement__catalogue=previous)
        .select_related("requirement", "system")
        .order_by("pk")
    )
    moving = [o for o in obligations if o.requirement.identifier in by_id]
    changes = {o.pk: {"requirement": by_id[o.requirement.identifier].pk} for o in moving}
    if not moving:
        return 0
    if models.history:
        bulk.save_with_history(
            moving,
            changes,
            by=by,
            reasons={o.pk: f"Moved to version {version} of the catalogue" for o in moving},
        )
    else:
        bulk.write_without_history(Obligation, [], moving, changes)
    return len(moving)
