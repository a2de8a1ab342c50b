"""The reads the pages and the API build on: scoped, grouped, filtered, in a fixed number of
queries."""

import datetime

import pytest
from django.utils import timezone

from apps.compliance import selectors, services
from apps.compliance.applicability import recompute_obligations
from apps.compliance.filters import ObligationFilterSet
from apps.compliance.models import Applicability
from apps.core.services import add_evidence
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    ObligationExceptionFactory,
    ObligationFactory,
    RiskFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db


def high_risk(**facts):
    system = AISystemFactory(
        ai_kind="generative", eu_ai_act_tier="high_risk", eu_ai_act_area="4", **facts
    )
    recompute_obligations(systems=[system], reason="Test")
    return system


def test_a_systems_obligations_are_grouped_by_framework_in_article_order(system, contributor):
    recompute_obligations(systems=[system], reason="Test")  # generative, minimal: Art. 4, 50
    ObligationFactory(
        system=system, requirement=current_requirement("A.2.2", framework="iso-42001")
    )
    groups = selectors.obligations_by_framework(system)
    assert [group.catalogue.framework for group in groups] == ["eu-ai-act", "iso-42001"]
    assert [o.requirement.identifier for o in groups[0].obligations] == ["Art. 4", "Art. 50"]
    assert groups[0].applying == 2 and groups[0].met == 0
    assert groups[0].counts == {"not_started": 2}


def test_obligations_that_no_longer_apply_come_last_or_are_left_out():
    system = high_risk(eu_ai_act_role="provider")
    system.eu_ai_act_role = "deployer"
    system.save()
    recompute_obligations(systems=[system], reason="Now a deployer")
    obligations = list(selectors.obligations_of_system(system))
    applying = [o for o in obligations if o.applies]
    assert obligations[: len(applying)] == applying
    assert {o.requirement.identifier for o in selectors.obligations_of_system(
        system, applying_only=True)} == {"Art. 4", "Art. 26", "Art. 50"}  # fmt: skip


def test_the_list_shows_only_what_the_person_may_see(contributor, obligation, foreign_obligation):
    assert list(selectors.obligation_list(contributor)) == [obligation]


@pytest.mark.parametrize("role", ["committee_member", "auditor", "administrator"])
def test_global_readers_see_every_teams_obligations(role, user_for, obligation, foreign_obligation):
    assert set(selectors.obligation_list(user_for(role))) == {obligation, foreign_obligation}


def test_the_list_counts_links_and_live_evidence_without_a_query_per_row(
    system, contributor, django_assert_max_num_queries
):
    mitigation = MitigationFactory(system=system)
    risk = RiskFactory(system=system)
    for identifier in ("Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13"):
        obligation = ObligationFactory(system=system, requirement=current_requirement(identifier))
        obligation.mitigations.add(mitigation)
        obligation.risks.add(risk)
        add_evidence(record=obligation, by=contributor, kind="note", note="Checked")
    with django_assert_max_num_queries(3):
        rows = list(selectors.obligation_list(contributor))
        assert [(o.mitigation_count, o.risk_count, o.evidence_count) for o in rows] == [
            (1, 1, 1)
        ] * 5
        assert {o.system.team.name for o in rows} == {system.team.name}
        assert {o.requirement.catalogue.name for o in rows} == {"EU AI Act"}


def test_a_systems_grouped_obligations_take_one_query(system, django_assert_max_num_queries):
    for identifier in ("Art. 9", "Art. 10", "Art. 11"):
        ObligationFactory(system=system, requirement=current_requirement(identifier))
    with django_assert_max_num_queries(2):  # the obligations (and the evidence content type)
        groups = selectors.obligations_by_framework(system)
        assert [str(o.owner) for o in groups[0].obligations] == ["None"] * 3


def test_unmet_blocking_obligations_are_those_neither_met_nor_excepted(
    administrator, committee_member
):
    system = high_risk(eu_ai_act_role="provider")
    unmet = {o.requirement.identifier for o in selectors.unmet_blocking_obligations(system)}
    assert unmet == {"Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15",
                     "Art. 17", "Art. 43", "Art. 49"}  # fmt: skip
    art_9 = system.obligations.get(requirement__identifier="Art. 9")
    services.set_status(obligation=art_9, by=administrator, status="implemented")
    art_10 = system.obligations.get(requirement__identifier="Art. 10")
    exception = ObligationExceptionFactory(obligation=art_10)
    services.decide_exception(exception=exception, by=committee_member, approve=True)
    art_11 = system.obligations.get(requirement__identifier="Art. 11")
    ObligationExceptionFactory(obligation=art_11)  # pending: not in force
    unmet = {o.requirement.identifier for o in selectors.unmet_blocking_obligations(system)}
    assert "Art. 9" not in unmet and "Art. 10" not in unmet and "Art. 11" in unmet
    later = exception.expires_on + datetime.timedelta(days=1)
    assert "Art. 10" in {
        o.requirement.identifier for o in selectors.unmet_blocking_obligations(system, today=later)
    }


def test_the_filters_find_by_framework_status_due_date_and_lateness(contributor, system):
    art_9 = ObligationFactory(system=system, due_date=timezone.localdate() - datetime.timedelta(1))
    art_10 = ObligationFactory(
        system=system, requirement=current_requirement("Art. 10"), status="implemented",
        due_date=datetime.date(2027, 12, 2),
    )  # fmt: skip
    iso = ObligationFactory(
        system=system, requirement=current_requirement("A.2.2", framework="iso-42001")
    )
    gone = ObligationFactory(
        system=system, requirement=current_requirement("Art. 11"),
        applicability=Applicability.NO_LONGER_APPLIES, applicability_reason="Tier changed",
    )  # fmt: skip

    def found(**params):
        filterset = ObligationFilterSet(params, queryset=selectors.obligation_list(contributor))
        assert filterset.is_valid(), filterset.errors
        return set(filterset.qs)

    assert found() == {art_9, art_10, iso}
    assert found(applicability="all") == {art_9, art_10, iso, gone}
    assert found(framework="iso-42001") == {iso}
    assert found(status=["implemented"]) == {art_10}
    assert found(overdue="true") == {art_9}
    assert found(due_before="2027-12-31", due_after="2027-01-01") == {art_10}
    assert found(q="Art. 10") == {art_10}
    assert found(q=art_9.reference) == {art_9}
    assert found(blocking="true") == {art_9, art_10}


def test_the_history_of_an_obligation_includes_its_evidence_and_exceptions(contributor, obligation):
    add_evidence(record=obligation, by=contributor, kind="note", note="QMS manual v2")
    ObligationExceptionFactory(obligation=obligation)
    services.set_status(obligation=obligation, by=contributor, status="in_progress")
    kinds = {e.content_type.model for e in selectors.history_of_obligation(obligation)}
    assert kinds == {"obligation", "evidence", "obligationexception"}


def test_requirements_of_the_catalogues_in_force_are_listed_in_order():
    identifiers = list(
        selectors.requirement_list()
        .filter(catalogue__framework="nist-ai-rmf")
        .values_list("identifier", flat=True)[:4]
    )
    assert identifiers == ["GOVERN", "GOVERN 1", "GOVERN 1.1", "GOVERN 1.2"]


def test_owner_choices_are_people_who_can_read_the_system(
    system, contributor, viewer, outsider, auditor, committee_member
):
    choices = set(selectors.owner_choices(system))
    assert {contributor, viewer, committee_member} <= choices
    assert outsider not in choices and auditor not in choices
