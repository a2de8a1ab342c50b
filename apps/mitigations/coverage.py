"""Keeps ``Risk.has_mitigation_in_place``: whether a risk has an implemented or verified mitigation.

The flag is derived from two things, the links between mitigations and risks and each
mitigation's status, so every write of either refreshes the risks it touches: the mitigation
services (:mod:`apps.mitigations.services`) do it in the transaction of the write. Writes that go
around them — an administrator's fix in the administration, the load generator's bulk inserts —
call :func:`refresh_risk_coverage` themselves.

A refresh is two ``UPDATE``s that only write the rows whose flag changes, each an ``EXISTS`` on
the links of the risks concerned: a handful of index reads for a form's save.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.risks.treatment import IN_PLACE_STATUSES

Link = Mitigation.risks.through


def refresh_risk_coverage(risk_ids: Iterable[int] | None = None) -> int:
    """Recompute the flag of ``risk_ids`` (every risk if None); returns how many changed."""
    in_place = Link.objects.filter(risk_id=OuterRef("pk"), mitigation__status__in=IN_PLACE_STATUSES)
    risks = Risk.objects.all()
    if risk_ids is not None:
        risk_ids = list(risk_ids)
        if not risk_ids:
            return 0
        risks = risks.filter(pk__in=risk_ids)
    covered = risks.filter(Q(Exists(in_place)), has_mitigation_in_place=False).update(
        has_mitigation_in_place=True
    )
    uncovered = risks.filter(~Q(Exists(in_place)), has_mitigation_in_place=True).update(
        has_mitigation_in_place=False
    )
    return covered + uncovered


def linked_risk_ids(mitigation: Mitigation) -> set[int]:
    """The risks a mitigation treats, as the database has them now."""
    return set(Link.objects.filter(mitigation_id=mitigation.pk).values_list("risk_id", flat=True))
