"""Raising a concern and the team's triage, through the services: rules, history and who is
told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.concerns import services
from apps.concerns.models import ANONYMOUS_RAISER, ConcernStatus
from apps.core.selectors import history_of
from apps.reminders.models import Notification, Reminder, ReminderReason
from tests.factories import IncidentFactory, RiskFactory

pytestmark = pytest.mark.django_db


def told(reason, person):
    return Reminder.objects.filter(reason=reason, recipient=person)


# --- Raising --------------------------------------------------------------------------------------
def test_viewer_raises_a_concern_about_their_teams_system(concern, viewer, system):
    assert concern.raised_by == viewer
    assert concern.system == system
    assert concern.status == ConcernStatus.OPEN


def test_raising_tells_the_systems_owners(concern, contributor):
    notification = Notification.objects.get(recipient=contributor)
    assert concern.reference in notification.title
    assert told(ReminderReason.CONCERN_RAISED, contributor).exists()


def test_anonymous_concern_notification_does_not_name_the_raiser(
    anonymous_concern, contributor, viewer
):
    title = Notification.objects.get(recipient=contributor).title
    assert viewer.full_name not in title
    assert "anonymously" in title


def test_committee_member_may_raise_a_concern_about_any_system(raise_as, committee_member, system):
    assert raise_as(committee_member, system).raised_by == committee_member


def test_auditor_cannot_raise_a_concern(raise_as, auditor, system):
    with pytest.raises(PermissionDenied):
        raise_as(auditor, system)


def test_outsider_cannot_raise_a_concern_about_a_system_they_cannot_see(raise_as, outsider, system):
    with pytest.raises(PermissionDenied):
        raise_as(outsider, system)


def test_a_concern_needs_a_summary_and_what_was_seen(viewer, system):
    with pytest.raises(ValidationError) as error:
        services.raise_concern(system=system, by=viewer, data={"summary": " ", "description": ""})
    assert set(error.value.message_dict) == {"summary", "description"}


def test_a_concern_keeps_an_attachment(viewer, system, media_root):
    upload = SimpleUploadedFile("screenshot.txt", b"What I saw.\n", content_type="text/plain")
    concern = services.raise_concern(
        system=system,
        by=viewer,
        data={"summary": "Odd answer", "description": "See the file."},
        attachment=upload,
    )
    assert concern.attachment_name == "screenshot.txt"
    assert concern.attachment.read() == b"What I saw.\n"


def test_an_anonymous_concerns_attachment_loses_its_file_name(viewer, system, media_root):
    upload = SimpleUploadedFile("samuel-notes.txt", b"What I saw.\n", content_type="text/plain")
    concern = services.raise_concern(
        system=system,
        by=viewer,
        data={"summary": "Odd answer", "description": "See the file.", "is_anonymous": True},
        attachment=upload,
    )
    assert concern.attachment_name == "attachment.txt"


def test_an_attachment_of_a_forbidden_type_is_refused(viewer, system, media_root):
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as error:
        services.raise_concern(
            system=system,
            by=viewer,
            data={"summary": "Odd answer", "description": "See the file."},
            attachment=upload,
        )
    assert "attachment" in error.value.message_dict


# --- The audit trail ------------------------------------------------------------------------------
def test_history_records_the_raiser_of_a_named_concern(concern, viewer):
    event = history_of(concern).get()
    assert event.user_id == viewer.pk
    assert event.user_repr == str(viewer)


def test_history_records_the_anonymous_raiser_without_showing_their_name(anonymous_concern, viewer):
    event = history_of(anonymous_concern).get()
    assert anonymous_concern.history.get().history_user_id == viewer.pk  # the trail knows who
    assert event.user_id is None  # the audit log, which the committee reads, does not
    assert event.user_repr == ANONYMOUS_RAISER
    assert viewer.full_name not in str(event.changes)


# --- Triage ---------------------------------------------------------------------------------------
def test_contributor_turns_a_viewers_concern_into_a_risk(concern, contributor, viewer, risk_data):
    risk = services.create_risk_from_concern(concern=concern, by=contributor, data=risk_data)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RISK
    assert concern.risk == risk
    assert risk.system == concern.system
    assert risk.reference in concern.answer
    assert told(ReminderReason.CONCERN_ANSWERED, viewer).exists()
    assert history_of(concern).first().change_reason == f"Became {risk.reference}"


def test_a_risk_from_a_concern_is_prefilled_from_it(concern):
    initial = services.risk_initial(concern)
    assert initial["title"] == concern.summary
    assert concern.description in initial["scenario"]


def test_contributor_turns_a_concern_into_an_incident(concern, contributor, viewer):
    incident = services.create_incident_from_concern(
        concern=concern,
        by=contributor,
        data={
            "title": concern.summary,
            "description": concern.description,
            "severity": 3,
            "detected_at": concern.created_at,
        },
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.INCIDENT
    assert concern.incident == incident
    assert told(ReminderReason.CONCERN_ANSWERED, viewer).exists()


def test_contributor_links_a_concern_to_an_existing_risk(concern, contributor, risk):
    services.link_concern(concern=concern, by=contributor, risk=risk)
    concern.refresh_from_db()
    assert (concern.status, concern.risk) == (ConcernStatus.LINKED, risk)


def test_contributor_links_a_concern_to_an_existing_incident(concern, contributor, system):
    incident = IncidentFactory(system=system)
    services.link_concern(concern=concern, by=contributor, incident=incident)
    concern.refresh_from_db()
    assert concern.incident == incident


def test_a_concern_cannot_be_linked_to_another_systems_risk(concern, contributor, foreign_system):
    with pytest.raises(ValidationError):
        services.link_concern(
            concern=concern, by=contributor, risk=RiskFactory(system=foreign_system)
        )


def test_closing_a_concern_gives_the_raiser_the_answer(concern, contributor, viewer):
    services.close_concern(concern=concern, by=contributor, answer="Expected: it is a test bot.")
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    assert concern.answer == "Expected: it is a test bot."
    assert concern.triaged_by == contributor
    assert told(ReminderReason.CONCERN_ANSWERED, viewer).exists()


def test_closing_a_concern_needs_an_answer(concern, contributor):
    with pytest.raises(ValidationError):
        services.close_concern(concern=concern, by=contributor, answer="  ")


def test_a_triaged_concern_cannot_be_triaged_again(concern, contributor):
    services.close_concern(concern=concern, by=contributor, answer="Known.")
    with pytest.raises(ValidationError):
        services.close_concern(concern=concern, by=contributor, answer="Again.")


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor", "outsider"])
def test_only_the_systems_contributors_triage_a_concern(concern, role, request):
    with pytest.raises(PermissionDenied):
        services.close_concern(concern=concern, by=request.getfixturevalue(role), answer="No.")


def test_administrator_may_triage_any_concern(concern, administrator):
    services.close_concern(concern=concern, by=administrator, answer="Handled centrally.")
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED


def test_triage_of_an_anonymous_concern_tells_the_raiser(anonymous_concern, contributor, viewer):
    services.close_concern(concern=anonymous_concern, by=contributor, answer="Thanks.")
    assert told(ReminderReason.CONCERN_ANSWERED, viewer).exists()
