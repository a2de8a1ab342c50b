"""The requirement catalogues, read-only for every signed-in person: the catalogues (those in
force and retired versions), one catalogue's requirements with its rules and key dates, and one
requirement with the obligations to it that the person may see. Administrators import, retire
and date them in the administration (:mod:`apps.compliance.admin`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.urls import reverse

from apps.compliance import selectors
from apps.compliance.models import (
    ApplicabilityRule,
    Catalogue,
    KeyDate,
    Obligation,
    ObligationStatus,
    Requirement,
)
from apps.core.views.generic import ObjectHistoryView, ObjectListView, ObjectView


def _catalogues(user):
    return selectors.catalogue_list()


def _catalogue_detail(user):
    return Catalogue.objects.select_related("loaded_by", "retired_by")


def _requirement_detail(user):
    return Requirement.objects.select_related("catalogue", "parent")


def obligations_url(requirement: Requirement, **extra) -> str:
    """The organisation's list of obligations to this requirement (filtered)."""
    query = {
        "framework": requirement.catalogue.framework,
        "requirement": requirement.identifier,
        **extra,
    }
    return f"{reverse('compliance:list')}?{urlencode(query)}"


class CatalogueListView(ObjectListView):
    """Every catalogue version, those in force first, with its number of requirements."""

    model = Catalogue
    selector = staticmethod(_catalogues)
    template_name = "compliance/catalogue_list.html"
    partial_template_name = "compliance/_catalogue_results.html"


class CatalogueView(ObjectView):
    """A catalogue's requirements in its order (objectives with their controls, functions with
    their categories…), the rules that derive obligations from a system's facts, and its key
    dates."""

    model = Catalogue
    selector = staticmethod(_catalogue_detail)
    template_name = "compliance/catalogue_detail.html"

    def get_extra_context(self):
        catalogue = self.object
        rules = ApplicabilityRule.objects.filter(catalogue=catalogue).prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("position", "pk"))
        )
        return {
            "requirements": list(selectors.requirements_of(catalogue)),
            "rules": list(rules),
            "key_dates": list(
                selectors.key_dates().filter(framework=catalogue.framework).distinct()
            ),
        }


class CatalogueHistoryView(ObjectHistoryView):
    model = Catalogue
    selector = staticmethod(_catalogue_detail)


class RequirementView(ObjectView):
    """A requirement: its text in the register's words, whom it binds, whether it blocks a
    deployment, the rules that make it apply and the dates that set its due date, and how many
    of the obligations to it that the person may see are met."""

    model = Requirement
    selector = staticmethod(_requirement_detail)
    template_name = "compliance/requirement_detail.html"

    def get_extra_context(self):
        requirement = self.object
        obligations = Obligation.objects.visible_to(self.request.user).filter(
            requirement=requirement
        )
        counts = dict.fromkeys(ObligationStatus.values, 0)
        for row in obligations.applying().order_by().values("status").annotate(n=Count("pk")):
            counts[row["status"]] = row["n"]
        return {
            "children": list(requirement.children.order_by("position", "pk")),
            "rules": list(requirement.rules.order_by("position", "pk")),
            "key_dates": list(
                KeyDate.objects.filter(requirements=requirement).order_by("date", "label")
            ),
            "status_counts": [
                (ObligationStatus(status).label, count) for status, count in counts.items()
            ],
            "obligation_total": sum(counts.values()),
            "obligations_url": obligations_url(requirement),
        }


class RequirementHistoryView(ObjectHistoryView):
    model = Requirement
    selector = staticmethod(_requirement_detail)
