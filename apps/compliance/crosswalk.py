"""The cross-walk: which requirements of the catalogues in force a risk's framework references
name, and which of them are obligations of the risk's system.

A risk (and the library template it was added from) cites framework items
(:class:`apps.risks.models.FrameworkReference`: ``Art. 9``, ``Art. 5(1)(c)``, ``A.6.2.4``,
``MEASURE 2.11``). Each catalogue of the same framework holds requirements with the same
identifiers (``shared/reference/frameworks.md`` writes both), so a reference *suggests* a
requirement: the most specific one the catalogue has (``Art. 5(1)(c)`` → ``Art. 5``).

Decision (issue 20, "the risk library's framework references suggest the matching
requirements when a risk is added from a template"): the suggestions are read, never written.
They are offered on the risk's page (where the library's one-click add lands), computed from the
risk's own references — which the template gave it — so that they also work for a risk written
by hand or imported, and stay right when the references are edited. A person links each
suggested obligation with one click: a reference is a hint that the risk concerns the
requirement, not proof, and the link is recorded with its author in the obligation's history.
The template's page shows the same mapping, read-only.

Reads only (no write): a module of the compliance app, above the risks and the library, so it
imports them and they never import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.compliance.models import Obligation, Requirement
from apps.risks.models import Framework, FrameworkReference

# A framework code of the risks' references → the framework slug of its catalogues.
CATALOGUE_FRAMEWORKS = {
    Framework.EU_AI_ACT: "eu-ai-act",
    Framework.ISO_42001: "iso-42001",
    Framework.NIST_AI_RMF: "nist-ai-rmf",
}

# A trailing paragraph or point: "(1)", "(c)".
_TRAILING_POINT = re.compile(r"\s*\([^()]*\)$")


def candidate_identifiers(code: str) -> list[str]:
    """The identifiers a reference may match, the most specific first: ``Art. 5(1)(c)`` →
    ``["Art. 5(1)(c)", "Art. 5(1)", "Art. 5"]``; ``MEASURE 2.11`` → ``["MEASURE 2.11"]``."""
    code = code.strip()
    identifiers = [code]
    while _TRAILING_POINT.search(code):
        code = _TRAILING_POINT.sub("", code)
        if code:
            identifiers.append(code)
    return identifiers


@dataclass
class Match:
    """A requirement in force that one or more framework references name."""

    requirement: Requirement
    references: list[FrameworkReference] = field(default_factory=list)


def requirements_for(references: Iterable[FrameworkReference]) -> list[Match]:
    """The requirements of the catalogues in force that ``references`` name, each once (with the
    references that name it), in the references' order. One query, whatever their number."""
    references = [r for r in references if r.framework in CATALOGUE_FRAMEWORKS]
    wanted = {
        (CATALOGUE_FRAMEWORKS[r.framework], identifier)
        for r in references
        for identifier in candidate_identifiers(r.code)
    }
    if not wanted:
        return []
    found = {
        (requirement.catalogue.framework, requirement.identifier): requirement
        for requirement in Requirement.objects.filter(
            catalogue__retired_at__isnull=True,
            catalogue__framework__in={framework for framework, _ in wanted},
            identifier__in={identifier for _, identifier in wanted},
        ).select_related("catalogue")
    }
    matches: dict[int, Match] = {}
    for reference in references:
        framework = CATALOGUE_FRAMEWORKS[reference.framework]
        for identifier in candidate_identifiers(reference.code):
            requirement = found.get((framework, identifier))
            if requirement is not None:
                matches.setdefault(requirement.pk, Match(requirement)).references.append(reference)
                break
    return list(matches.values())


@dataclass
class Suggestion:
    """A requirement a risk's references name, and the risk's system's obligation to it (if the
    system has one)."""

    requirement: Requirement
    references: list[FrameworkReference]
    obligation: Obligation | None

    @property
    def can_be_linked(self) -> bool:
        return self.obligation is not None and self.obligation.applies


def suggestions_for_risk(risk, *, exclude_linked: Iterable[int] = ()) -> list[Suggestion]:
    """The requirements the risk's framework references name, with the obligation of its system
    to each where there is one; the obligations in ``exclude_linked`` (ids: already linked to
    the risk) are left out. Three queries, whatever the number of references."""
    references = list(risk.framework_references.order_by("framework", "code"))
    matches = requirements_for(references)
    if not matches:
        return []
    obligations = {
        obligation.requirement_id: obligation
        for obligation in Obligation.objects.filter(
            system_id=risk.system_id, requirement_id__in=[m.requirement.pk for m in matches]
        )
    }
    excluded = set(exclude_linked)
    suggestions = []
    for match in matches:
        obligation = obligations.get(match.requirement.pk)
        if obligation is not None and obligation.pk in excluded:
            continue
        suggestions.append(Suggestion(match.requirement, match.references, obligation))
    return suggestions
