"""Reads of the library's pages: the templates worth adding to one system."""

from __future__ import annotations

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from apps.risks.models import Risk, RiskTemplate
from apps.risks.selectors import template_detail, with_library_details
from apps.systems.models import AISystem


def templates_for(user) -> QuerySet[RiskTemplate]:
    """Every template, retired ones included, for anyone signed in: the library is not a
    team's record, and risks created from a retired template still link to it."""
    return template_detail()


def suggested_templates(system: AISystem, limit: int | None = None) -> QuerySet[RiskTemplate]:
    """Library templates worth adding to ``system``, most severe first.

    Active templates suggested for the system's kind of AI (or for every kind) that the system
    has no live risk from yet, whether created from the template or under the same title.
    Templates written for the system's kind come before generic ones of the same score.
    """
    live_risks = Risk.objects.filter(system=system, archived_at__isnull=True).alias(
        lower_title=Lower("title")
    )
    already_there = live_risks.filter(
        Q(template=OuterRef("pk")) | Q(lower_title=Lower(OuterRef("title")))
    )
    queryset = (
        with_library_details(
            RiskTemplate.objects.filter(RiskTemplate.for_ai_kind_q(system.ai_kind), is_active=True)
        )
        .annotate(
            score=F("inherent_likelihood") * F("inherent_impact"),
            specific=Case(
                When(ai_kinds="", then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .exclude(Exists(already_there))
        .order_by("-score", "-specific", "-inherent_impact", "title")
    )
    return queryset[:limit] if limit is not None else queryset


def templates_already_on(system: AISystem) -> tuple[set[int], set[str]]:
    """What ``system`` already has from the library, as :func:`suggested_templates` counts it:
    the templates its live risks were created from, and their titles in lower case (a risk
    under a template's title is that template, added by hand). One query."""
    template_ids, titles = set(), set()
    rows = Risk.objects.filter(system=system, archived_at__isnull=True).values_list(
        "template_id", "title"
    )
    for template_id, title in rows:
        if template_id is not None:
            template_ids.add(template_id)
        titles.add(title.lower())
    return template_ids, titles
