"""The deployment gate: may this version of a system be deployed now, and if not, why not.

A CI/CD pipeline asks ``GET /api/v1/systems/<ref>/gate/?version=<model or code version>``; the
answer is *allowed* or *refused*, with every reason. Each reason comes from a **gate check**
that an app registers in its ``AppConfig.ready()``: the systems app sits below the apps that
know why a deployment must wait (an unapproved plan, open critical risks, failing evaluations,
a rollback breach, a blocking compliance obligation), so they plug their check in here::

    from apps.systems import gate

    def open_rollback_breaches(system, version: str) -> list[str]:
        return [f"{breach.metric} crossed its rollback threshold …" for breach in …]

    gate.register_gate_check("rollback_breaches", open_rollback_breaches, order=40)

A check is ``fn(system, version) -> list[str]``: one sentence per reason to refuse (a person
reads it in the pipeline's log, so it names the record and what to do), an empty list when it
has nothing against the deployment. A check reads; it never writes. Registered today:

=====  ======================  =============================================================
order  name                    app
=====  ======================  =============================================================
5      ``system_in_service``   systems: an archived or retired system is not deployed
10     ``approved_plan``       reviews: a current approved plan covers this version
20     ``critical_risks``      risks: no open (untreated) Critical residual risk
30     ``evaluations``         evaluations: the latest evaluation runs pass
50     ``compliance``          compliance: each blocking obligation met or excepted
=====  ======================  =============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from apps.systems.models import AISystem, LifecycleStage

GateCheck = Callable[[AISystem, str], list[str]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    function: GateCheck
    order: int


@dataclass
class GateAnswer:
    """What the gate says about one version of one system."""

    system: AISystem
    version: str
    reasons: list[dict] = field(default_factory=list)  # [{"check": name, "reason": text}]
    checks: list[str] = field(default_factory=list)  # the names of the checks asked, in order
    checked_at: object = None

    @property
    def allowed(self) -> bool:
        return not self.reasons


_CHECKS: dict[str, RegisteredCheck] = {}


def register_gate_check(name: str, function: GateCheck, *, order: int = 50) -> None:
    """Register (or replace) the check called ``name``; checks run in ``order``, then by name."""
    _CHECKS[name] = RegisteredCheck(name, function, order)


def registered_checks() -> list[RegisteredCheck]:
    return sorted(_CHECKS.values(), key=lambda check: (check.order, check.name))


def evaluate_gate(system: AISystem, version: str) -> GateAnswer:
    """Ask every registered check about ``version`` of ``system``: every reason, not the first."""
    version = version.strip()
    answer = GateAnswer(system=system, version=version, checked_at=timezone.now())
    for check in registered_checks():
        answer.checks.append(check.name)
        for reason in check.function(system, version):
            answer.reasons.append({"check": check.name, "reason": reason})
    return answer


# --- The systems app's own check -----------------------------------------------------------------
def system_in_service(system: AISystem, version: str) -> list[str]:
    """An archived or retired system is not deployed."""
    if system.is_archived:
        return [f"{system.reference} is archived: restore it before deploying it."]
    if system.lifecycle_stage == LifecycleStage.RETIRED:
        return [f"{system.reference} is retired: change its lifecycle stage before deploying it."]
    return []
