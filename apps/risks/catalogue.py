"""Loading the catalogues that ship with the register: taxonomy, framework items, risk library.

Each loader upserts by stable key, so running it again brings the database up to date with the
files without duplicating anything and without touching what administrators added. They take
the model classes as arguments so that data migrations can pass their historical models.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from apps.risks.taxonomy import TAXONOMY

DATA_DIR = Path(__file__).resolve().parent / "data"
FRAMEWORKS_FILE = DATA_DIR / "framework_references.yaml"
LIBRARY_FILE = DATA_DIR / "risk_library.yaml"


def read_yaml(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_taxonomy(RiskCategory) -> int:
    """Create the shipped categories and subcategories; returns how many were created."""
    created = 0
    for position, (slug, name, children) in enumerate(TAXONOMY):
        parent, was_created = RiskCategory.objects.get_or_create(
            parent=None, slug=slug, defaults={"name": name, "position": position}
        )
        created += was_created
        for child_position, (child_slug, child_name) in enumerate(children):
            _, was_created = RiskCategory.objects.get_or_create(
                parent=parent,
                slug=child_slug,
                defaults={"name": child_name, "position": child_position},
            )
            created += was_created
    return created


def load_framework_references(FrameworkReference) -> int:
    """Upsert every framework item of the shipped catalogue; returns the number of items."""
    items = read_yaml(FRAMEWORKS_FILE)
    for item in items:
        FrameworkReference.objects.update_or_create(
            code=item["code"], defaults={"framework": item["framework"], "title": item["title"]}
        )
    return len(items)


def category_by_path(RiskCategory) -> dict:
    return {
        f"{c.parent.slug}/{c.slug}" if c.parent_id else c.slug: c
        for c in RiskCategory.objects.select_related("parent")
    }


def load_risk_library(
    RiskTemplate,
    RiskTemplateMitigation,
    RiskCategory,
    FrameworkReference,
) -> int:
    """Upsert the shipped templates (and replace their suggested mitigations)."""
    categories = category_by_path(RiskCategory)
    references = {ref.code: ref for ref in FrameworkReference.objects.all()}
    templates = read_yaml(LIBRARY_FILE)
    for spec in templates:
        kinds = sorted(set(spec.get("ai_kinds") or []))
        template, _ = RiskTemplate.objects.update_or_create(
            key=spec["key"],
            defaults={
                "title": spec["title"],
                "category": categories[spec["category"]],
                "scenario": " ".join(spec["scenario"].split()),
                "ai_kinds": f" {' '.join(kinds)} " if kinds else "",
                "inherent_likelihood": spec["inherent_likelihood"],
                "inherent_impact": spec["inherent_impact"],
            },
        )
        template.framework_references.set([references[code] for code in spec["framework_refs"]])
        RiskTemplateMitigation.objects.filter(template=template).delete()
        RiskTemplateMitigation.objects.bulk_create(
            RiskTemplateMitigation(
                template=template,
                title=mitigation["title"],
                description=" ".join(mitigation["description"].split()),
                kind=mitigation["kind"],
                layer=mitigation["layer"],
                position=position,
            )
            for position, mitigation in enumerate(spec["mitigations"])
        )
    return len(templates)
