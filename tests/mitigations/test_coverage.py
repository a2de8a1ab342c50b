"""The risk's stored coverage flag follows every write of mitigations and their links.

``Risk.has_mitigation_in_place`` is what the dashboard counts; each test changes the links or a
status one way, through the services that keep the flag, and checks it against the definition
(a linked mitigation implemented or verified).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.mitigations import services
from apps.mitigations.coverage import refresh_risk_coverage
from apps.risks.models import Risk
from apps.risks.treatment import MitigationStatus
from tests.factories import MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db


def covered(risk) -> bool:
    return Risk.objects.values_list("has_mitigation_in_place", flat=True).get(pk=risk.pk)


@pytest.fixture
def implemented(system, contributor):
    return MitigationFactory(system=system, owner=contributor, status=MitigationStatus.IMPLEMENTED)


@pytest.fixture
def link(contributor):
    """``link(mitigation, risk)``: the mitigation treats the risk too (through the service)."""

    def make(mitigation, risk):
        services.link_risk(mitigation=mitigation, risk=risk, by=contributor)

    return make


def test_a_risk_without_mitigations_is_not_covered(risk):
    assert covered(risk) is False


def test_a_planned_mitigation_does_not_cover_its_risk(risk, mitigation):
    assert covered(risk) is False


def test_linking_an_implemented_mitigation_covers_the_risk(risk, implemented, contributor):
    services.link_risk(mitigation=implemented, risk=risk, by=contributor)

    assert covered(risk) is True


def test_unlinking_the_only_mitigation_in_place_uncovers_the_risk(
    risk, implemented, contributor, link
):
    link(implemented, risk)

    services.unlink_risk(mitigation=implemented, risk=risk, by=contributor)

    assert covered(risk) is False


def test_clearing_the_links_uncovers_the_risks(system, risk, implemented, contributor, link):
    second = RiskFactory(system=system)
    link(implemented, risk)
    link(implemented, second)

    services.update_mitigation(mitigation=implemented, by=contributor, data={}, risks=[])

    assert (covered(risk), covered(second)) == (False, False)


def test_a_mitigation_put_in_place_covers_its_risks(risk, mitigation, contributor):
    services.set_status(mitigation=mitigation, by=contributor, status=MitigationStatus.IMPLEMENTED)

    assert covered(risk) is True


def test_a_mitigation_verified_after_implemented_keeps_its_risks_covered(
    risk, implemented, contributor, link
):
    link(implemented, risk)

    services.set_status(mitigation=implemented, by=contributor, status=MitigationStatus.VERIFIED)

    assert covered(risk) is True


def test_a_mitigation_retired_uncovers_its_risks(risk, implemented, contributor, link):
    link(implemented, risk)

    services.set_status(mitigation=implemented, by=contributor, status=MitigationStatus.RETIRED)

    assert covered(risk) is False


def test_a_risk_stays_covered_while_another_mitigation_is_in_place(
    system, risk, implemented, contributor, link
):
    other = MitigationFactory(
        system=system, status=MitigationStatus.VERIFIED, last_verified_on="2026-01-05"
    )
    link(implemented, risk)
    link(other, risk)

    services.set_status(mitigation=implemented, by=contributor, status=MitigationStatus.RETIRED)

    assert covered(risk) is True


def test_replacing_the_links_moves_the_coverage(system, risk, implemented, contributor, link):
    second = RiskFactory(system=system)
    link(implemented, risk)

    services.update_mitigation(mitigation=implemented, by=contributor, data={}, risks=[second])

    assert (covered(risk), covered(second)) == (False, True)


def test_deleting_a_mitigation_uncovers_its_risks(risk, implemented, administrator, link):
    link(implemented, risk)

    services.delete_mitigation(mitigation=implemented, by=administrator)

    assert covered(risk) is False


def test_a_save_of_a_risk_read_before_the_link_does_not_write_the_flag_back(
    risk, implemented, link
):
    stale = Risk.objects.get(pk=risk.pk)
    link(implemented, risk)

    stale.title = "Invented refund policy, renamed"
    stale.save()

    assert covered(risk) is True


def test_a_change_of_coverage_adds_no_version_to_the_risk(risk, implemented, link):
    versions = risk.history.count()

    link(implemented, risk)

    assert (risk.history.count(), Risk.objects.get(pk=risk.pk).version) == (versions, risk.version)


def test_an_edit_that_keeps_the_status_runs_no_coverage_query(risk, mitigation, contributor):
    with CaptureQueriesContext(connection) as context:
        services.update_mitigation(mitigation=mitigation, by=contributor, data={"title": "Again"})

    assert not [q for q in context.captured_queries if q["sql"].startswith('UPDATE "risks_risk"')]


def test_a_full_refresh_repairs_a_wrong_flag(risk, implemented, link):
    link(implemented, risk)
    Risk.objects.filter(pk=risk.pk).update(has_mitigation_in_place=False)

    assert refresh_risk_coverage() == 1
    assert covered(risk) is True
