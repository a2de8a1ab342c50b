"""Working on obligations: status, justification, owner, due date, notes, links, evidence, bulk
changes and exceptions — each rule, each role, and the history they leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.compliance import services
from apps.compliance.models import AcceptanceStatus, Obligation, ObligationStatus
from apps.core.concurrency import EditConflict, StateConflict
from apps.core.services import add_evidence
from apps.systems import services as system_services
from tests.factories import (
    MembershipFactory,
    MitigationFactory,
    ObligationExceptionFactory,
    ObligationFactory,
    RiskFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db


# --- Who may work on an obligation ----------------------------------------------------------------
@pytest.mark.parametrize("role", ["contributor", "committee_member", "administrator"])
def test_the_systems_contributors_the_committee_and_administrators_change_it(
    role, user_for, obligation
):
    services.set_status(obligation=obligation, by=user_for(role), status="in_progress")
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.IN_PROGRESS


@pytest.mark.parametrize("role", ["viewer", "auditor", "outsider", "nobody"])
def test_viewers_auditors_and_other_teams_cannot_change_it(role, user_for, obligation):
    with pytest.raises(PermissionDenied):
        services.set_status(obligation=obligation, by=user_for(role), status="in_progress")


def test_an_auditor_who_is_also_a_contributor_cannot_change_it(team, obligation):
    auditor = MembershipFactory(team=team, user__is_auditor=True).user
    with pytest.raises(PermissionDenied):
        services.set_status(obligation=obligation, by=auditor, status="implemented")


def test_an_archived_systems_obligations_are_read_only(system, contributor, obligation):
    system_services.archive_system(system=system, by=contributor)
    with pytest.raises(PermissionDenied, match="archived"):
        services.set_status(obligation=obligation, by=contributor, status="implemented")


# --- The rules of its values ----------------------------------------------------------------------
def test_not_applicable_needs_a_justification(contributor, obligation):
    with pytest.raises(ValidationError) as error:
        services.set_status(obligation=obligation, by=contributor, status="not_applicable")
    assert "justification" in error.value.message_dict


def test_not_applicable_with_a_justification_is_kept_in_the_history(contributor, obligation):
    services.set_status(
        obligation=obligation,
        by=contributor,
        status="not_applicable",
        justification="The system only drafts; a person decides (Art. 6(3)).",
    )
    obligation.refresh_from_db()
    last = obligation.history.first()
    assert last.status == "not_applicable"
    assert last.justification.startswith("The system only drafts")
    assert last.history_change_reason == "Marked not applicable"
    assert last.history_user == contributor


def test_the_owner_must_be_able_to_read_the_system(contributor, outsider, auditor, obligation):
    with pytest.raises(ValidationError) as error:
        services.update_obligation(obligation=obligation, by=contributor, data={"owner": outsider})
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.update_obligation(obligation=obligation, by=contributor, data={"owner": auditor})


def test_every_problem_is_reported_at_once(contributor, outsider, obligation):
    with pytest.raises(ValidationError) as error:
        services.update_obligation(
            obligation=obligation,
            by=contributor,
            data={"owner": outsider, "status": "not_applicable", "justification": " "},
        )
    assert set(error.value.message_dict) == {"owner", "justification"}


def test_a_due_date_set_by_the_team_wins_and_clearing_it_goes_back_to_the_key_date(
    contributor, obligation
):
    key_date_due = datetime.date(2027, 12, 2)
    obligation.key_date = current_requirement("Art. 9").key_dates.get(
        key="eu-ai-act-annex-iii-high-risk-amended"
    )
    obligation.due_date = key_date_due
    obligation.save()
    services.update_obligation(
        obligation=obligation,
        by=contributor,
        data={"custom_due_date": datetime.date(2027, 1, 31), "notes": "Ahead of the law."},
    )
    obligation.refresh_from_db()
    assert obligation.due_date == datetime.date(2027, 1, 31)
    services.update_obligation(
        obligation=obligation, by=contributor, data={"custom_due_date": None}
    )
    obligation.refresh_from_db()
    assert obligation.due_date == key_date_due


def test_an_edit_of_a_field_someone_else_changed_is_a_conflict(
    contributor, committee_member, obligation
):
    read = obligation.version
    services.update_obligation(obligation=obligation, by=committee_member, data={"notes": "Mine"})
    with pytest.raises(EditConflict):
        services.update_obligation(
            obligation=obligation, by=contributor, data={"notes": "Yours"}, expected_version=read
        )


def test_unknown_fields_are_refused(contributor, obligation):
    with pytest.raises(ValueError, match="why"):
        services.update_obligation(obligation=obligation, by=contributor, data={"why": "x"})


# --- Bulk status ----------------------------------------------------------------------------------
def test_a_bulk_status_change_needs_a_reason(contributor, obligation):
    with pytest.raises(ValidationError) as error:
        services.bulk_set_status(
            obligations=[obligation], by=contributor, status="implemented", reason=" "
        )
    assert "reason" in error.value.message_dict


def test_a_bulk_status_change_moves_each_with_its_history(system, contributor):
    obligations = [
        ObligationFactory(system=system, requirement=current_requirement(identifier))
        for identifier in ("Art. 9", "Art. 10", "Art. 11")
    ]
    changed = services.bulk_set_status(
        obligations=obligations, by=contributor, status="implemented", reason="Audit passed"
    )
    assert changed == 3
    for obligation in obligations:
        obligation.refresh_from_db()
        assert obligation.status == "implemented" and obligation.version == 2
        last = obligation.history.first()
        assert (last.history_change_reason, last.history_user) == ("Audit passed", contributor)


def test_a_bulk_status_change_is_all_or_nothing(contributor, obligation, foreign_obligation):
    with pytest.raises(PermissionDenied, match="nothing was changed"):
        services.bulk_set_status(
            obligations=[obligation, foreign_obligation],
            by=contributor,
            status="implemented",
            reason="Done",
        )
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_STARTED


def test_a_bulk_not_applicable_needs_a_justification(contributor, obligation):
    with pytest.raises(ValidationError) as error:
        services.bulk_set_status(
            obligations=[obligation], by=contributor, status="not_applicable", reason="Scope"
        )
    assert "justification" in error.value.message_dict


def test_a_bulk_change_takes_a_fixed_number_of_queries(
    system, contributor, django_assert_max_num_queries
):
    obligations = [
        ObligationFactory(system=system, requirement=current_requirement(f"Art. {n}"))
        for n in (9, 10, 11, 12, 13, 14, 15, 17)
    ]
    with django_assert_max_num_queries(16):
        services.bulk_set_status(
            obligations=obligations, by=contributor, status="in_progress", reason="Started"
        )


# --- Links ----------------------------------------------------------------------------------------
def test_a_mitigation_of_the_system_can_address_obligations_of_several_frameworks(
    system, contributor, mitigation
):
    eu = ObligationFactory(system=system)
    iso_like = ObligationFactory(
        system=system, requirement=current_requirement("A.6.2.4", framework="iso-42001")
    )
    services.link_mitigation(obligation=eu, mitigation=mitigation, by=contributor)
    services.link_mitigation(obligation=iso_like, mitigation=mitigation, by=contributor)
    assert set(mitigation.obligations.all()) == {eu, iso_like}
    assert eu.history.first().history_change_reason == f"Linked to {mitigation.reference}"


def test_a_mitigation_of_another_system_cannot_be_linked(
    contributor, obligation, foreign_mitigation
):
    with pytest.raises(ValidationError, match="own system"):
        services.link_mitigation(
            obligation=obligation, mitigation=foreign_mitigation, by=contributor
        )


def test_linking_twice_is_refused_and_unlinking_removes(contributor, obligation, mitigation):
    services.link_mitigation(obligation=obligation, mitigation=mitigation, by=contributor)
    with pytest.raises(ValidationError, match="already"):
        services.link_mitigation(obligation=obligation, mitigation=mitigation, by=contributor)
    services.unlink_mitigation(obligation=obligation, mitigation=mitigation, by=contributor)
    assert not obligation.mitigations.exists()


def test_risks_of_the_system_are_linked_and_recorded_in_the_history(contributor, obligation, risk):
    services.link_risk(obligation=obligation, risk=risk, by=contributor)
    last = obligation.history.first()
    assert [row.risk_id for row in last.risks.all()] == [risk.pk]


def test_links_are_replaced_through_the_edit(system, contributor, obligation, mitigation):
    other = MitigationFactory(system=system)
    risk = RiskFactory(system=system)
    services.update_obligation(
        obligation=obligation, by=contributor, data={}, mitigations=[other], risks=[risk]
    )
    assert list(obligation.mitigations.all()) == [other]
    assert list(obligation.risks.all()) == [risk]


def test_a_viewer_cannot_link(viewer, obligation, mitigation):
    with pytest.raises(PermissionDenied):
        services.link_mitigation(obligation=obligation, mitigation=mitigation, by=viewer)


# --- Evidence -------------------------------------------------------------------------------------
def test_evidence_is_added_as_to_a_mitigation(contributor, obligation):
    evidence = add_evidence(
        record=obligation, by=contributor, kind="link", url="https://example.org/qms.pdf"
    )
    assert list(obligation.evidence.all()) == [evidence]


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_cannot_add_evidence(role, user_for, obligation):
    with pytest.raises(PermissionDenied):
        add_evidence(record=obligation, by=user_for(role), kind="note", note="Looks fine")


# --- Exceptions for blocking obligations ----------------------------------------------------------
def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_the_team_asks_for_an_exception_to_a_blocking_obligation(contributor, obligation):
    exception = services.request_exception(
        obligation=obligation, by=contributor, reason="Booked for March.", expires_on=in_days(60)
    )
    assert exception.status == AcceptanceStatus.PENDING
    assert exception.history.first().history_change_reason == "Requested"


def test_no_exception_for_an_obligation_that_does_not_block(system, contributor):
    art_26 = ObligationFactory(system=system, requirement=current_requirement("Art. 26"))
    with pytest.raises(ValidationError, match="does not block"):
        services.request_exception(
            obligation=art_26, by=contributor, reason="x", expires_on=in_days(30)
        )


def test_an_exception_needs_a_reason_and_lasts_at_most_a_year(contributor, obligation):
    with pytest.raises(ValidationError) as error:
        services.request_exception(
            obligation=obligation, by=contributor, reason="", expires_on=in_days(400)
        )
    assert set(error.value.message_dict) == {"reason", "expires_on"}


def test_a_committee_member_approves_an_exception(committee_member, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    services.decide_exception(exception=exception, by=committee_member, approve=True)
    exception.refresh_from_db()
    assert exception.status == AcceptanceStatus.APPROVED
    assert exception.decided_by == committee_member


def test_nobody_decides_on_their_own_request(committee_member, obligation):
    exception = ObligationExceptionFactory(obligation=obligation, requested_by=committee_member)
    with pytest.raises(PermissionDenied, match="you requested"):
        services.decide_exception(exception=exception, by=committee_member, approve=True)


def test_a_system_owner_does_not_decide_on_its_exceptions(system, obligation):
    system.business_owner.is_committee_member = True
    system.business_owner.save()
    exception = ObligationExceptionFactory(
        obligation=obligation, requested_by=MembershipFactory(team=system.team).user
    )
    with pytest.raises(PermissionDenied, match="you own"):
        services.decide_exception(exception=exception, by=system.business_owner, approve=True)


@pytest.mark.parametrize("role", ["contributor", "auditor", "administrator"])
def test_only_committee_members_decide(role, user_for, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    with pytest.raises(PermissionDenied):
        services.decide_exception(exception=exception, by=user_for(role), approve=True)


def test_a_rejection_says_why(committee_member, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    with pytest.raises(ValidationError):
        services.decide_exception(exception=exception, by=committee_member, approve=False)


def test_a_decided_exception_cannot_be_decided_again(committee_member, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    services.decide_exception(exception=exception, by=committee_member, approve=True)
    with pytest.raises(StateConflict):
        services.decide_exception(exception=exception, by=committee_member, approve=False,
                                  comment="Changed my mind")  # fmt: skip


def test_the_team_withdraws_a_pending_exception(contributor, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    services.withdraw_exception(exception=exception, by=contributor)
    exception.refresh_from_db()
    assert exception.status == AcceptanceStatus.WITHDRAWN


def test_approved_exceptions_expire_after_their_date(committee_member, obligation):
    exception = ObligationExceptionFactory(obligation=obligation)
    services.decide_exception(exception=exception, by=committee_member, approve=True)
    assert services.expire_exceptions(today=exception.expires_on) == 0
    assert services.expire_exceptions(today=exception.expires_on + datetime.timedelta(1)) == 1
    assert services.expire_exceptions(today=exception.expires_on + datetime.timedelta(2)) == 0
    exception.refresh_from_db()
    assert exception.status == AcceptanceStatus.EXPIRED
    assert exception.history.first().history_change_reason.startswith("Expired on")


def test_one_live_exception_per_obligation(contributor, obligation):
    ObligationExceptionFactory(obligation=obligation)
    with pytest.raises(ValidationError, match="already"):
        services.request_exception(
            obligation=obligation, by=contributor, reason="Again", expires_on=in_days(10)
        )


def test_obligations_are_never_deleted_through_a_service():
    assert not any(name.startswith("delete") for name in dir(services))
    assert Obligation._meta.get_field("system").remote_field.on_delete.__name__ == "PROTECT"
