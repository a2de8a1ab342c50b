"""The starter test cases shipped with the risk library (``data/test_case_templates.yaml``).

:func:`load_test_case_templates` upserts them by key, so running it again brings the database up
to date with the file without duplicating anything; a template whose risk library template is
not in the database (removed by an administrator) is skipped. It takes the model classes as
arguments so that a data migration can pass its historical models.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "test_case_templates.yaml"


def read_templates(path: Path = TEMPLATES_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def load_test_case_templates(TestCaseTemplate, RiskTemplate) -> int:
    """Upsert every starter test case of the file; returns how many were loaded."""
    risk_templates = {t.key: t for t in RiskTemplate.objects.all()}
    positions: dict[str, int] = {}
    loaded = 0
    for spec in read_templates():
        risk_template = risk_templates.get(spec["template"])
        if risk_template is None:
            continue
        position = positions.get(spec["template"], 0)
        positions[spec["template"]] = position + 1
        tags = sorted({tag.strip().lower() for tag in spec.get("tags") or []})
        kinds = sorted(set(spec.get("verifies") or []))
        TestCaseTemplate.objects.update_or_create(
            key=spec["key"],
            defaults={
                "risk_template": risk_template,
                "title": spec["title"],
                "kind": spec["kind"],
                "input": _clean(spec["input"]),
                "pass_criterion": _clean(spec["pass_criterion"]),
                "tags": f" {' '.join(tags)} " if tags else "",
                "verifies_kinds": " ".join(kinds),
                "position": position,
            },
        )
        loaded += 1
    return loaded
