"""Keeps ``Risk.has_mitigation_in_place``: whether a risk has an implemented or verified mitigation.

The flag is derived from two things, the links between mitigations and risks and each
mitigation's status, so every write of either refreshes the risks it touches, through Django's
signals (connected in ``MitigationsConfig.ready``): the services, the API, the admin and the
importer all go through them. Writes that bypass signals (bulk inserts of links, as the load
generator does) call :func:`refresh_risk_coverage` themselves.

A refresh is two ``UPDATE``s that only write the rows whose flag changes, each an ``EXISTS`` on
the links of the risks concerned: a handful of index reads for a form's save.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

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


def _linked_risk_ids(mitigation: Mitigation) -> list[int]:
    return list(Link.objects.filter(mitigation_id=mitigation.pk).values_list("risk_id", flat=True))


def links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A link added or removed, from either side (``mitigation.risks`` or ``risk.mitigations``)."""
    if action == "pre_clear":
        instance._risks_before_clear = [instance.pk] if reverse else _linked_risk_ids(instance)
    elif action == "post_clear":
        refresh_risk_coverage(getattr(instance, "_risks_before_clear", []))
    elif action in ("post_add", "post_remove") and pk_set:
        refresh_risk_coverage([instance.pk] if reverse else pk_set)


def mitigation_saved(sender, instance, created, **kwargs) -> None:
    """A mitigation that went in or out of place changes the coverage of its risks (a new one
    has no links yet: adding them refreshes). The status it was read with is kept by
    ``Mitigation.from_db``; without it (not read from the database), refresh anyway."""
    saved = instance.status
    read = getattr(instance, "_status_in_db", None)
    if not created and (
        read is None or (read in IN_PLACE_STATUSES) != (saved in IN_PLACE_STATUSES)
    ):
        refresh_risk_coverage(_linked_risk_ids(instance))
    instance._status_in_db = saved


def mitigation_deleting(sender, instance, **kwargs) -> None:
    instance._risks_before_delete = _linked_risk_ids(instance)


def mitigation_deleted(sender, instance, **kwargs) -> None:
    refresh_risk_coverage(getattr(instance, "_risks_before_delete", []))


def connect() -> None:
    uid = "mitigation-coverage"
    m2m_changed.connect(links_changed, sender=Link, dispatch_uid=f"{uid}-links")
    post_save.connect(mitigation_saved, sender=Mitigation, dispatch_uid=f"{uid}-saved")
    pre_delete.connect(mitigation_deleting, sender=Mitigation, dispatch_uid=f"{uid}-deleting")
    post_delete.connect(mitigation_deleted, sender=Mitigation, dispatch_uid=f"{uid}-deleted")
