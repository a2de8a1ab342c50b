"""Steps that several browser journeys take, written as a person would take them."""

from __future__ import annotations

from playwright.sync_api import expect

from apps.reviews.models import ChecklistKey

# The deployment checklist as a team fills it: each item done with evidence of one kind, or not
# applicable with the reason.
CHECKLIST = {
    ChecklistKey.MODEL_PERFORMANCE: ("file", "eval-report.txt"),
    ChecklistKey.SECURITY_ASSESSMENT: ("link", "https://ci.example.com/red-team/2026-10"),
    ChecklistKey.FAIRNESS_EVALUATION: (
        "not_applicable",
        "Answers IT questions only; no decision about people is taken or advised.",
    ),
    ChecklistKey.MONITORING: ("link", "https://grafana.example.com/d/helpdesk-bot"),
    ChecklistKey.INCIDENT_RESPONSE: ("note", "Runbook IT-RB-12 covers the bot; on-call rota set."),
    ChecklistKey.ROLLBACK_TESTED: ("note", "Rolled back to llm-2026-07 in staging on 3 Nov."),
    ChecklistKey.COMPLIANCE: ("link", "https://wiki.example.com/legal/helpdesk-bot-dpia"),
    ChecklistKey.STAKEHOLDER_SIGN_OFF: ("note", "Signed off by the IT service owner on 5 Nov."),
}


def accept_confirmation(page) -> list[str]:
    """The next ``window.confirm`` (a button's ``data-confirm``) is answered “OK”; the list that
    comes back receives its question. Without this, Playwright dismisses the dialog."""
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    return asked


def fill_checklist_item(page, key: ChecklistKey, kind: str, value: str) -> None:
    """On the checklist page: add the evidence, then mark the item done (or not applicable)."""
    label = key.label
    item = page.locator(f"#item-{key.value}")
    if kind == "not_applicable":
        status = page.get_by_role("form", name=f"Status of {label}")
        status.get_by_role("radio", name="Not applicable").check()
        status.get_by_label("Note").fill(value)
        status.get_by_role("button", name="Save the status").click()
        expect(page.locator(".alert-success")).to_contain_text(f"“{label}” is not applicable")
        return
    evidence = page.get_by_role("form", name=f"Add evidence to {label}")
    if kind == "file":
        evidence.get_by_role("radio", name="File").check()
        evidence.locator("input[type=file]").set_input_files(
            {
                "name": value,
                "mimeType": "text/plain",
                "buffer": b"Grounded answers: 97.4% on the 500-question benchmark (v3).\n",
            }
        )
    elif kind == "link":
        evidence.get_by_role("radio", name="Link").check()
        evidence.get_by_role("textbox", name="Link").fill(value)
    else:
        evidence.get_by_role("radio", name="Note").check()
        evidence.get_by_role("textbox", name="Note").fill(value)
    evidence.get_by_role("button", name="Add the evidence").click()
    expect(page.locator(".alert-success")).to_contain_text("is added")
    expect(item.get_by_text("No evidence yet.")).to_have_count(0)
    status = page.get_by_role("form", name=f"Status of {label}")
    status.get_by_role("radio", name="Done").check()
    status.get_by_role("button", name="Save the status").click()
    expect(page.locator(".alert-success")).to_contain_text(f"“{label}” is done")
