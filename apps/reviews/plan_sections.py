"""Sections that other apps add to the safety plan document.

The plan (:mod:`apps.reviews.plan`) is assembled from the register's records; apps above
reviews (evaluations, monitoring, compliance…) know things the plan should show, but reviews
cannot import them. They register a section in their ``AppConfig.ready()``::

    from apps.reviews.plan_sections import register_plan_section

    register_plan_section(
        "evaluations",
        title="Evaluations",
        collect=latest_evaluations,          # system -> JSON-ready data (or None: no section)
        template="evaluations/_plan_section.html",
        order=10,
    )

``collect(system)`` runs when the plan is assembled: its data is frozen with a submitted version
(``plan["extra_sections"][key]``), so that a version shows what the reviewers read, years later.
``template`` renders it in the document (on screen, in the PDF), with ``data`` (what ``collect``
returned), ``plan`` and ``pdf`` in its context; it starts at an ``<h3>`` (the document gives the
section its numbered ``<h2>``). A section whose ``collect`` returns ``None`` is left out, and so
is the data of a section no longer registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The document's own sections, numbered 1 to FIRST_NUMBER - 1; registered sections follow.
FIRST_NUMBER = 10


@dataclass(frozen=True)
class PlanSection:
    key: str
    title: str
    collect: Callable[[Any], Any]
    template: str
    order: int = 50


_SECTIONS: dict[str, PlanSection] = {}


def register_plan_section(
    key: str, *, title: str, collect: Callable[[Any], Any], template: str, order: int = 50
) -> None:
    """Register (or replace) the section ``key`` of the plan document."""
    _SECTIONS[key] = PlanSection(key, title, collect, template, order)


def registered_sections() -> list[PlanSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))


def collect_sections(system) -> dict[str, Any]:
    """Each registered section's data about ``system`` (JSON-ready), to freeze with the plan."""
    collected = {}
    for section in registered_sections():
        data = section.collect(system)
        if data is not None:
            collected[section.key] = data
    return collected


def document_sections(plan: dict) -> list[dict]:
    """The registered sections a plan has data for, in order, with their numbers in the
    document: ``[{key, title, template, data, number, anchor}]``."""
    data = plan.get("extra_sections") or {}
    sections = []
    for section in registered_sections():
        if section.key not in data:
            continue
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "template": section.template,
                "data": data[section.key],
                "number": FIRST_NUMBER + len(sections),
                "anchor": f"sec-{section.key}",
            }
        )
    return sections
