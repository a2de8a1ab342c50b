"""Reads of classifications that pages, the API and exports share."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from apps.classification import questionnaire
from apps.classification.models import ClassificationRecord, SystemClassification
from apps.systems.models import AISystem


def classification_list(user) -> QuerySet[ClassificationRecord]:
    """The classifications a person may read, with what the list shows joined in."""
    return ClassificationRecord.objects.visible_to(user).select_related(
        "system__team", "created_by"
    )


def classification_detail(user) -> QuerySet[ClassificationRecord]:
    return ClassificationRecord.objects.visible_to(user).select_related(
        "system__team",
        "system__business_owner",
        "system__technical_owner",
        "created_by",
        "applied_by",
        "review",
    )


def records_of_system(system: AISystem) -> list[ClassificationRecord]:
    """Every classification of the system, newest first (whoever reads the system reads them)."""
    return list(system.classifications.select_related("created_by").order_by("-number"))


def state_of(system: AISystem) -> SystemClassification | None:
    return SystemClassification.objects.filter(pk=system.pk).select_related("latest").first()


def answer_sections(answers: Mapping) -> list[dict]:
    """The answers by step, each question with its answer in words (steps and questions not
    asked are left out)."""
    sections = []
    for step in questionnaire.steps_for(answers):
        rows = [
            {"question": question, "answer": question.display(answers.get(question.key))}
            for question in step.asked(answers)
        ]
        sections.append({"step": step, "rows": rows})
    return sections


RESULT_ROWS = (
    ("Proposed tier", "tier_with_area"),
    ("An AI system (Art. 3(1))", "in_scope"),
    ("Needs committee confirmation", "needs_confirmation"),
    ("General-purpose AI model", "general_purpose_model"),
    ("Systemic risk", "systemic_risk"),
)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def comparison(older: ClassificationRecord, newer: ClassificationRecord) -> dict:
    """Two versions side by side: every question either asked, with both answers, and the
    results; ``changed`` marks what differs."""
    answers = []
    for step in questionnaire.STEPS:
        rows = []
        for question in step.questions:
            if question.key not in older.answers and question.key not in newer.answers:
                continue
            old = question.display(older.answers.get(question.key))
            new = question.display(newer.answers.get(question.key))
            rows.append({"label": question.label, "old": old, "new": new, "changed": old != new})
        if rows:
            answers.append({"step": step, "rows": rows})
    result = []
    for label, name in RESULT_ROWS:
        old, new = _shown(getattr(older, name)), _shown(getattr(newer, name))
        result.append({"label": label, "old": old, "new": new, "changed": old != new})
    old, new = ", ".join(older.articles), ", ".join(newer.articles)
    result.append({"label": "Articles cited", "old": old, "new": new, "changed": old != new})
    return {
        "answers": answers,
        "result": result,
        "rationale_changed": older.rationale != newer.rationale,
        "is_empty": not any(row["changed"] for section in answers for row in section["rows"])
        and not any(row["changed"] for row in result),
    }
