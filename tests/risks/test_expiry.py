"""The daily expiry of risk acceptances: written in bulk, with the history and audit entries that
an edit of each record would leave, in a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import audit_chain
from apps.core.models import AuditEvent
from apps.risks import services
from apps.risks.models import FrameworkReference, Risk, RiskAcceptance
from tests.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db

EXPIRES = datetime.date(2026, 6, 30)
NEXT_DAY = datetime.date(2026, 7, 1)


def approved(risk, committee_member, expires_on=EXPIRES) -> RiskAcceptance:
    acceptance = RiskAcceptanceFactory(risk=risk, expires_on=expires_on)
    services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)
    return acceptance


def last_entry(record) -> AuditEvent:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).latest("pk")


def test_an_expiry_leaves_an_audit_entry_with_the_status_change_and_the_reason(
    risk, committee_member
):
    acceptance = approved(risk, committee_member)

    services.expire_acceptances(today=NEXT_DAY)

    entry = last_entry(acceptance)
    assert (entry.action, entry.user_id) == ("~", None)
    assert entry.change_reason == "Expired on 30 Jun 2026"
    assert entry.changes == [
        {"field": "status", "label": "status", "old": "Approved", "new": "Expired"}
    ]


def test_a_reopened_risk_leaves_an_audit_entry_naming_the_acceptance(risk, committee_member):
    acceptance = approved(risk, committee_member)

    services.expire_acceptances(today=NEXT_DAY)

    entry = last_entry(risk)
    reason = f"Acceptance {acceptance.reference} expired: the risk is open again"
    assert entry.change_reason == reason
    assert [(c["old"], c["new"]) for c in entry.changes] == [("Treated", "Open")]


def test_an_expiry_adds_one_version_to_the_acceptance_and_to_its_risk(risk, committee_member):
    acceptance = approved(risk, committee_member)
    versions = (acceptance.history.count(), risk.history.count())
    risk_version = Risk.objects.get(pk=risk.pk).version

    services.expire_acceptances(today=NEXT_DAY)

    assert (acceptance.history.count(), risk.history.count()) == (versions[0] + 1, versions[1] + 1)
    latest = risk.history.first()
    assert (latest.status, latest.version) == ("open", risk_version + 1)
    assert Risk.objects.get(pk=risk.pk).version == risk_version + 1


def test_the_reopened_risk_keeps_its_framework_references_in_its_history(risk, committee_member):
    references = list(FrameworkReference.objects.order_by("pk")[:2])
    risk.framework_references.set(references)
    approved(risk, committee_member)

    services.expire_acceptances(today=NEXT_DAY)

    latest = risk.history.first()
    kept = latest.framework_references.values_list("frameworkreference_id", flat=True)
    assert sorted(kept) == [r.pk for r in references]
    assert last_entry(risk).changes[0]["field"] == "status"  # and no change of references


def test_a_risk_no_longer_treated_by_acceptance_is_not_reopened(risk, committee_member):
    approved(risk, committee_member)
    Risk.objects.filter(pk=risk.pk).update(treatment="mitigate", status="treated")

    services.expire_acceptances(today=NEXT_DAY)

    assert Risk.objects.get(pk=risk.pk).status == "treated"


def test_the_audit_chain_verifies_after_an_expiry(
    risk, committee_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved(risk, committee_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_acceptances(today=NEXT_DAY)

    assert AuditEvent.objects.filter(sequence__isnull=True).count() == 0
    assert audit_chain.verify(pending_grace=0).ok


def test_expiry_runs_the_same_number_of_queries_for_2_or_12_acceptances(system, committee_member):
    def queries_to_expire(n: int, on: datetime.date) -> int:
        for _ in range(n):
            approved(RiskFactory(system=system), committee_member, expires_on=on)
        with CaptureQueriesContext(connection) as context:
            expired = services.expire_acceptances(today=on + datetime.timedelta(days=1))
        assert len(expired) == n
        return len(context.captured_queries)

    assert queries_to_expire(2, EXPIRES) == queries_to_expire(12, EXPIRES.replace(day=20))
