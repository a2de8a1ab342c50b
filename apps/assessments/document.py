"""An assessment's content as a document: its sections in the Act's order for the pages and the
PDF (:func:`document_sections`), and two versions side by side, section by section, as the
committee compares two versions of a safety plan (:func:`compare_versions`): each field's text in
both, whether it changed, and for the risks of harm the linked risks added, removed or
re-assessed. Only frozen contents are read (the draft is frozen on the fly to be shown)."""

from __future__ import annotations

from typing import Any

from apps.assessments.models import SECTIONS, FundamentalRightsAssessment


def _label(name: str) -> str:
    return str(FundamentalRightsAssessment._meta.get_field(name).verbose_name).capitalize()


def field_value(content: dict, name: str) -> str:
    """A field of a frozen content, as text (the notification date as ISO, or empty)."""
    if name == "authority_notified_on":
        return content.get("authority_notified_on") or ""
    return content["sections"].get(name) or ""


def _risk_line(risk: dict) -> str:
    return (
        f"inherent {risk['inherent_score']} ({risk['inherent_level_label']}), "
        f"residual {risk['residual_score']} ({risk['residual_level_label']})"
    )


def risk_changes(old: list[dict], new: list[dict]) -> dict[str, list]:
    """The linked risks added, removed, and changed (title or levels) from ``old`` to ``new``."""
    before = {risk["id"]: risk for risk in old}
    after = {risk["id"]: risk for risk in new}
    changed = []
    for risk_id in before.keys() & after.keys():
        was, now = before[risk_id], after[risk_id]
        notes = []
        if was["title"] != now["title"]:
            notes.append({"label": "Title", "old": was["title"], "new": now["title"]})
        if _risk_line(was) != _risk_line(now):
            notes.append({"label": "Levels", "old": _risk_line(was), "new": _risk_line(now)})
        if notes:
            changed.append({"risk": now, "changes": notes})
    return {
        "added": [risk for risk in new if risk["id"] not in before],
        "removed": [risk for risk in old if risk["id"] not in after],
        "changed": sorted(changed, key=lambda row: row["risk"]["reference"]),
    }


def compare_versions(old: dict, new: dict) -> list[dict[str, Any]]:
    """Every section, in the Act's order, with both versions' text of each of its fields."""
    rows = []
    for section in SECTIONS:
        fields = [
            {
                "label": _label(name),
                "old": field_value(old, name),
                "new": field_value(new, name),
            }
            for name in section.fields
        ]
        for field in fields:
            field["changed"] = field["old"] != field["new"]
        row: dict[str, Any] = {"section": section, "fields": fields}
        changed = any(field["changed"] for field in fields)
        if section.links_risks:
            row["risks"] = risk_changes(old["risks"], new["risks"])
            changed = changed or any(row["risks"].values())
        row["changed"] = changed
        rows.append(row)
    return rows


def document_sections(content: dict) -> list[dict[str, Any]]:
    """Every section, in the Act's order, with its fields' text (the risks of harm with the
    linked risks) and whether it is still empty."""
    rows = []
    for section in SECTIONS:
        fields = [
            {"name": name, "label": _label(name), "value": field_value(content, name)}
            for name in section.fields
        ]
        row: dict[str, Any] = {"section": section, "fields": fields}
        if section.links_risks:
            row["risks"] = content["risks"]
        row["empty"] = not any(f["value"] for f in fields) and not row.get("risks")
        rows.append(row)
    return rows


def version_context(version) -> dict:
    """What a version's page and its PDF show: only its frozen content and its state."""
    return {
        "version": version,
        "assessment": version.assessment,
        "content": version.content,
        "sections": document_sections(version.content),
    }
