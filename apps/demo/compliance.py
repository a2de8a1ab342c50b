"""Compliance in the generated and the demo registers.

* :func:`give_facts` varies the facts the applicability rules read (the organisation's role, a
  general-purpose model, public service, talking to people, the Annex III point, the odd
  prohibited practice) on a generated system, from its own random stream;
* :func:`fill_obligations` derives the obligations of the generated systems in one set-based
  pass (:func:`apps.compliance.applicability.recompute_obligations`), then works a share of them
  with set-based updates (statuses, owners): the load generator bypasses the services on purpose;
* :func:`seed_demo_compliance` gives the demo organisation's systems their facts through the
  services, works some obligations (statuses, owners, evidence), asks and approves one exception
  and keeps a Statement of Applicability: one approved version and a draft moving on.
"""

from __future__ import annotations

import dataclasses
import datetime
import random

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Mod
from django.utils import timezone

from apps.compliance import services as compliance_services
from apps.compliance import soa
from apps.compliance.applicability import APP_MODELS, recompute, recompute_obligations
from apps.compliance.models import (
    Applicability,
    Obligation,
    ObligationStatus,
)
from apps.compliance.models_soa import ControlApplicability, ControlImplementation, SoAVersion
from apps.core import services as core_services
from apps.core.models import Evidence
from apps.systems import permissions as system_permissions
from apps.systems import services as system_services
from apps.systems.models import (
    AREAS_WITH_POINTS,
    AIKind,
    AISystem,
    AnnexIIIPoint,
    EUAIActRole,
    EUAIActTier,
)

GENERATED_REASON = "Derived for the generated register (manage.py generate_load)"


# --- The generated register -----------------------------------------------------------------------
def give_facts(rng: random.Random, system: AISystem) -> None:
    """Facts for one generated system (not saved), believable for its kind and tier."""
    generative = system.ai_kind in (AIKind.GENERATIVE, AIKind.AGENT)
    if not system.vendor and rng.random() < 0.7:
        role = EUAIActRole.PROVIDER_AND_DEPLOYER
    else:
        role = rng.choices(
            [
                EUAIActRole.DEPLOYER,
                EUAIActRole.PROVIDER,
                EUAIActRole.PROVIDER_AND_DEPLOYER,
                EUAIActRole.IMPORTER_DISTRIBUTOR,
            ],
            [70, 10, 15, 5],
        )[0]
    system.eu_ai_act_role = role
    system.is_general_purpose_model = generative and not system.vendor and rng.random() < 0.1
    system.has_systemic_risk = system.is_general_purpose_model and rng.random() < 0.1
    system.serves_public = rng.random() < 0.12
    system.interacts_with_people = rng.random() < (0.6 if generative else 0.1)
    if system.eu_ai_act_tier != EUAIActTier.HIGH_RISK and rng.random() < 0.004:
        system.eu_ai_act_tier = EUAIActTier.PROHIBITED
        system.eu_ai_act_area = ""
    if system.eu_ai_act_area in AREAS_WITH_POINTS and rng.random() < 0.7:
        system.annex_iii_point = rng.choice(AnnexIIIPoint.values[:3])


def fill_obligations(systems, *, today: datetime.date) -> dict[str, int]:
    """The obligations of ``systems`` (a queryset) derived in one pass, then a share worked:
    by the obligation's id, 25 % verified, 20 % implemented, 25 % in progress, the rest not
    started; owners are the systems' technical owners for all but a tenth. Set-based: a few
    UPDATEs whatever the number of obligations (no history for the work: generated data)."""
    # Without history, as the rest of the generated register's derived values (the history
    # writer of apps.demo.loadgen writes what a person's edits would have left; the
    # obligations were never edited).
    models = dataclasses.replace(APP_MODELS, history=False)
    outcome = recompute(models, systems=systems, by=None, reason=GENERATED_REASON)
    generated = Obligation.objects.filter(
        system__in=systems, applicability=Applicability.APPLIES
    ).annotate(bucket=Mod(F("id"), 20))
    for statuses, buckets in (
        (ObligationStatus.VERIFIED, range(5)),
        (ObligationStatus.IMPLEMENTED, range(5, 9)),
        (ObligationStatus.IN_PROGRESS, range(9, 14)),
    ):
        generated.filter(bucket__in=list(buckets)).update(status=statuses)
    generated.exclude(bucket__in=[14, 15]).update(
        owner_id=Subquery(
            AISystem.objects.filter(pk=OuterRef("system_id")).values("technical_owner_id")[:1]
        )
    )
    # A few team-set due dates, some of them past: overdue work for the dashboard and lists.
    generated.filter(bucket=16, status__in=[ObligationStatus.NOT_STARTED]).update(
        custom_due_date=today - datetime.timedelta(days=30),
        due_date=today - datetime.timedelta(days=30),
    )
    return {"obligations": outcome.created}


# --- The demo organisation ------------------------------------------------------------------------
DEMO_FACTS = {
    # name → facts; the rest keep the defaults (deployer, nothing special)
    "Consumer credit scoring model": {
        "eu_ai_act_role": EUAIActRole.PROVIDER_AND_DEPLOYER,
        "eu_ai_act_area": "5",
        "annex_iii_point": "b",
    },
    "Aria customer-support assistant": {"interacts_with_people": True},
}


def _set_facts(system: AISystem, facts: dict, fallback) -> AISystem:
    """The facts, written by the system's owner who contributes to its team (as the team
    would), else by ``fallback`` (an administrator)."""
    changed = {k: v for k, v in facts.items() if getattr(system, k) != v}
    if not changed:
        return system
    by = next(
        (
            person
            for person in (system.technical_owner, system.business_owner)
            if person is not None and system_permissions.can_edit_system(person, system)
        ),
        fallback,
    )
    return system_services.update_system(
        system=system, by=by, data=changed, reason="Demo data: compliance facts"
    )


def seed_demo_compliance(people: dict) -> int:
    """The demo organisation's compliance (idempotent: worked once). Returns the obligations
    that apply to its systems."""
    admin = next(p for p in people.values() if p.is_superuser)
    committee = [p for p in people.values() if p.is_committee_member]
    systems = list(
        AISystem.objects.active()
        .select_related("team", "technical_owner", "business_owner")
        .order_by("pk")
    )
    rng = random.Random(20)  # noqa: S311 - repeatable demo data
    for system in systems:
        facts = dict(DEMO_FACTS.get(system.name, {}))
        if not facts:
            if system.eu_ai_act_tier == EUAIActTier.HIGH_RISK:
                facts["eu_ai_act_role"] = EUAIActRole.PROVIDER_AND_DEPLOYER
            if system.ai_kind in (AIKind.GENERATIVE, AIKind.AGENT):
                facts["interacts_with_people"] = True
            facts["serves_public"] = rng.random() < 0.2
        _set_facts(system, facts, admin)
    recompute_obligations(systems=systems, by=admin, reason="Demo data: obligations derived")
    if not Obligation.objects.exclude(status=ObligationStatus.NOT_STARTED).exists():
        _work_obligations(systems, admin, committee)
    if not SoAVersion.objects.exists():
        _statement_of_applicability(committee)
    return Obligation.objects.filter(applicability=Applicability.APPLIES).count()


def _work_obligations(systems, admin, committee) -> None:
    today = timezone.localdate()
    for system in systems:
        owner = system.technical_owner or system.business_owner
        for n, obligation in enumerate(
            Obligation.objects.filter(system=system, applicability=Applicability.APPLIES)
            .select_related("requirement")
            .order_by("requirement__position")
        ):
            status = [
                ObligationStatus.VERIFIED,
                ObligationStatus.IMPLEMENTED,
                ObligationStatus.IN_PROGRESS,
                ObligationStatus.NOT_STARTED,
            ][n % 4]
            data = {"status": status, "owner": owner}
            if n % 5 == 4:
                data["custom_due_date"] = today - datetime.timedelta(days=10)  # overdue
            compliance_services.update_obligation(
                obligation=obligation, by=admin, data=data, reason="Demo data: worked"
            )
            if status in (ObligationStatus.VERIFIED, ObligationStatus.IMPLEMENTED):
                core_services.add_evidence(
                    record=obligation,
                    by=admin,
                    kind=Evidence.Kind.LINK,
                    url=f"https://wiki.example.org/ai/{system.pk}/{obligation.requirement_id}",
                )
    # One exception: a blocking obligation of a high-risk system, approved until next quarter.
    blocking = (
        Obligation.objects.filter(
            applicability=Applicability.APPLIES,
            requirement__is_blocking=True,
            status__in=[ObligationStatus.NOT_STARTED, ObligationStatus.IN_PROGRESS],
        )
        .select_related("system")
        .order_by("pk")
        .first()
    )
    if blocking is not None and committee:
        requester = blocking.system.technical_owner or admin
        exception = compliance_services.request_exception(
            obligation=blocking,
            by=requester,
            reason="The conformity assessment is booked for next month; the system stays in a "
            "closed pilot with every answer reviewed by a person meanwhile.",
            expires_on=today + datetime.timedelta(days=90),
        )
        decider = next(
            (p for p in committee if p.pk not in (requester.pk, blocking.system.business_owner_id)),
            None,
        )
        if decider is not None:
            compliance_services.decide_exception(
                exception=exception, by=decider, approve=True, comment="Until the assessment."
            )


def _statement_of_applicability(committee) -> None:
    """Every control answered and version 1 approved; then the draft moves on (a control
    excluded, one implemented since) without being submitted."""
    if len(committee) < 2:
        return
    author, approver = committee[0], committee[1]
    controls = list(soa.soa_controls(soa.soa_catalogue()))
    for n, control in enumerate(controls):
        excluded = control.identifier.startswith("A.10.4")
        soa.update_soa_entry(
            requirement=control,
            by=author,
            data={
                "applicability": (
                    ControlApplicability.EXCLUDED if excluded else ControlApplicability.APPLICABLE
                ),
                "justification": (
                    "We provide no AI system to customers as a component of theirs."
                    if excluded
                    else "Part of the AI management system's scope (AI risk register, "
                    "committee reviews)."
                ),
                "implementation": (
                    ControlImplementation.NOT_IMPLEMENTED
                    if excluded
                    else [
                        ControlImplementation.IMPLEMENTED,
                        ControlImplementation.IMPLEMENTED,
                        ControlImplementation.IN_PROGRESS,
                    ][n % 3]
                ),
                "policies": "AI policy v1.2\nhttps://intranet.example.org/policies/ai"
                if control.identifier == "A.2.2"
                else "",
            },
            reason="Demo data: first Statement of Applicability",
        )
    version = soa.submit_soa(by=author, note="The first Statement of Applicability.")
    soa.decide_soa(version=version, by=approver, approve=True, comment="Approved for this year.")
    in_progress = next(
        c for n, c in enumerate(controls) if n % 3 == 2 and not c.identifier.startswith("A.10.4")
    )
    soa.update_soa_entry(
        requirement=in_progress,
        by=author,
        data={"implementation": ControlImplementation.IMPLEMENTED},
        reason="Demo data: implemented since version 1",
    )
