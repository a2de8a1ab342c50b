"""The ISO/IEC 42001 Statement of Applicability: the draft's controls, their answers with history,
submitting a frozen version, the committee's decision, immutability, the pages and exports."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from apps.compliance import soa
from apps.compliance.models_soa import (
    ControlApplicability,
    ControlImplementation,
    SoAEntry,
    SoAVersion,
    SoAVersionEntry,
    SoAVersionStatus,
)
from apps.core.concurrency import EditConflict, StateConflict
from apps.core.models import AuditEvent
from apps.reviews.models import ImmutableRecordError
from tests.compliance.conftest import APPLICABLE, answer_all, submitted
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- The draft ------------------------------------------------------------------------------------
def test_the_draft_has_every_annex_a_control_not_decided_at_first(controls):
    rows = soa.soa_draft()
    assert len(rows) == len(controls) == 38
    assert rows[0].requirement.identifier == "A.2.2"
    assert rows[0].objective == "A.2 Policies related to AI"
    assert {row.entry.applicability for row in rows} == {ControlApplicability.UNDECIDED}
    assert not any(row.entry.pk for row in rows)


def test_a_committee_member_answers_a_control_with_history(controls, committee_member, mitigation):
    entry = soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={**APPLICABLE, "policies": "AI policy v2", "mitigations": [mitigation]},
        reason="Policy adopted",
    )
    assert entry.applicability == ControlApplicability.APPLICABLE
    assert list(entry.mitigations.all()) == [mitigation]
    events = AuditEvent.objects.filter(object_repr__contains="A.2.2")
    assert events.exists()
    assert entry.history.first().history_change_reason == "Policy adopted"
    assert entry.history.first().history_user == committee_member


def test_excluding_a_control_needs_a_justification(controls, committee_member):
    with pytest.raises(ValidationError) as refused:
        soa.update_soa_entry(
            requirement=controls[0],
            by=committee_member,
            data={"applicability": ControlApplicability.EXCLUDED, "justification": " "},
        )
    assert "justification" in refused.value.message_dict
    assert not SoAEntry.objects.exists()


def test_only_a_control_that_applies_is_implemented(controls, committee_member):
    with pytest.raises(ValidationError) as refused:
        soa.update_soa_entry(
            requirement=controls[0],
            by=committee_member,
            data={
                "applicability": ControlApplicability.EXCLUDED,
                "justification": "No AI suppliers.",
                "implementation": ControlImplementation.IMPLEMENTED,
            },
        )
    assert list(refused.value.message_dict) == ["implementation"]


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor"])
def test_only_committee_members_and_administrators_edit_the_draft(controls, user_for, role):
    with pytest.raises(PermissionDenied):
        soa.update_soa_entry(requirement=controls[0], by=user_for(role), data=APPLICABLE)


def test_administrator_edits_the_draft(controls, administrator):
    entry = soa.update_soa_entry(requirement=controls[0], by=administrator, data=APPLICABLE)
    assert entry.updated_by == administrator


def test_a_requirement_that_is_not_an_annex_a_control_is_refused(committee_member):
    objective = soa.soa_catalogue().requirements.get(identifier="A.2")
    with pytest.raises(ValidationError, match="not a control"):
        soa.update_soa_entry(requirement=objective, by=committee_member, data=APPLICABLE)


def test_two_people_changing_the_same_justification_conflict(
    controls, committee_member, administrator
):
    entry = soa.update_soa_entry(requirement=controls[0], by=committee_member, data=APPLICABLE)
    soa.update_soa_entry(
        requirement=controls[0],
        by=administrator,
        data={"justification": "Theirs"},
        expected_version=entry.version,
    )
    with pytest.raises(EditConflict):
        soa.update_soa_entry(
            requirement=controls[0],
            by=committee_member,
            data={"justification": "Mine"},
            expected_version=entry.version,
        )


def test_mitigations_are_named_by_their_references(mitigation):
    assert soa.mitigations_from_references(f"{mitigation.reference}, {mitigation.pk}") == [
        mitigation
    ]
    with pytest.raises(ValidationError) as refused:
        soa.mitigations_from_references("MTG-99999 banana")
    assert "MTG-99999" in str(refused.value) and "banana" in str(refused.value)


# --- Submitting -----------------------------------------------------------------------------------
def test_submission_is_refused_with_every_undecided_and_unjustified_control(
    controls, committee_member
):
    SoAEntry.objects.create(
        requirement=controls[0],
        applicability=ControlApplicability.APPLICABLE,
        justification="",
    )
    with pytest.raises(ValidationError) as refused:
        soa.submit_soa(by=committee_member)
    messages = refused.value.messages
    assert len(messages) == 2
    assert "not decided yet: A.2.3, A.2.4" in messages[0] and "and 25 more" in messages[0]
    assert "without a justification: A.2.2." in messages[1]
    assert not SoAVersion.objects.exists()


def test_submitting_freezes_every_control_as_version_one(controls, committee_member, mitigation):
    answer_all(controls, committee_member)
    soa.update_soa_entry(
        requirement=controls[1], by=committee_member, data={"mitigations": [mitigation]}
    )
    version = soa.submit_soa(by=committee_member, note="First statement")
    assert (version.number, version.status) == (1, SoAVersionStatus.PENDING)
    rows = list(soa.version_entries(version))
    assert len(rows) == 38
    assert rows[1].identifier == controls[1].identifier
    assert rows[1].mitigations == [
        {
            "reference": mitigation.reference,
            "title": mitigation.title,
            "system": mitigation.system.reference,
            "status": mitigation.get_status_display(),
        }
    ]
    assert version.history.first().history_change_reason == "Version 1 submitted to the committee"


def test_a_second_version_waits_for_the_first_to_be_decided(controls, committee_member):
    submitted(controls, committee_member)
    with pytest.raises(ValidationError, match="Version 1 is already waiting"):
        soa.submit_soa(by=committee_member)


def test_contributors_cannot_submit(controls, contributor):
    with pytest.raises(PermissionDenied):
        soa.submit_soa(by=contributor)


# --- Deciding -------------------------------------------------------------------------------------
def test_the_submitter_cannot_approve_their_own_version(controls, committee_member):
    version = submitted(controls, committee_member)
    with pytest.raises(PermissionDenied, match="another committee member"):
        soa.decide_soa(version=version, by=committee_member, approve=True)


def test_another_committee_member_approves_it_into_force(controls, committee_member, second_member):
    version = submitted(controls, committee_member)
    soa.decide_soa(version=version, by=second_member, approve=True, comment="Fine.")
    version.refresh_from_db()
    assert version.status == SoAVersionStatus.APPROVED
    assert (version.decided_by, version.decision_comment) == (second_member, "Fine.")
    assert soa.current_soa_version() == version


@pytest.mark.parametrize("role", ["auditor", "administrator", "contributor"])
def test_only_committee_members_decide(controls, committee_member, user_for, role):
    version = submitted(controls, committee_member)
    with pytest.raises(PermissionDenied):
        soa.decide_soa(version=version, by=user_for(role), approve=True)


def test_a_rejection_says_why(controls, committee_member, second_member):
    version = submitted(controls, committee_member)
    with pytest.raises(ValidationError) as refused:
        soa.decide_soa(version=version, by=second_member, approve=False)
    assert "comment" in refused.value.message_dict
    soa.decide_soa(version=version, by=second_member, approve=False, comment="Justify A.10.")
    version.refresh_from_db()
    assert version.status == SoAVersionStatus.REJECTED


def test_a_decided_version_is_not_decided_again(controls, committee_member, second_member):
    version = submitted(controls, committee_member)
    soa.decide_soa(version=version, by=second_member, approve=True)
    with pytest.raises(StateConflict):
        soa.decide_soa(
            version=version,
            by=UserFactory(is_committee_member=True),
            approve=False,
            comment="Too late",
        )


def test_a_decided_version_and_its_rows_never_change(controls, committee_member, second_member):
    version = submitted(controls, committee_member)
    soa.decide_soa(version=version, by=second_member, approve=True)
    version.refresh_from_db()
    version.note = "Rewritten"
    with pytest.raises(ImmutableRecordError):
        version.save()
    row = version.entries.first()
    row.justification = "Rewritten"
    with pytest.raises(ImmutableRecordError):
        row.save()
    with pytest.raises(ImmutableRecordError):
        version.entries.update(justification="Rewritten")
    with pytest.raises(ImmutableRecordError):
        SoAVersion.objects.filter(pk=version.pk).delete()


def test_editing_the_draft_leaves_the_approved_version_as_it_was(
    controls, committee_member, second_member
):
    version = submitted(controls, committee_member)
    soa.decide_soa(version=version, by=second_member, approve=True)
    soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={
            "applicability": ControlApplicability.EXCLUDED,
            "justification": "Not us",
            "implementation": ControlImplementation.NOT_IMPLEMENTED,
        },
    )
    frozen = SoAVersionEntry.objects.get(version=version, requirement=controls[0])
    assert frozen.applicability == ControlApplicability.APPLICABLE
    changed = [row.requirement for row in soa.soa_draft() if row.changed_since_approved]
    assert changed == [controls[0]]


def test_the_submitter_withdraws_a_pending_version(controls, committee_member, second_member):
    version = submitted(controls, committee_member)
    with pytest.raises(PermissionDenied):
        soa.withdraw_soa(version=version, by=UserFactory(is_committee_member=True))
    soa.withdraw_soa(version=version, by=committee_member)
    version.refresh_from_db()
    assert version.status == SoAVersionStatus.WITHDRAWN
    assert soa.submit_soa(by=committee_member).number == 2


# --- Pages ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("viewer", 403),
        ("contributor", 403),
        ("auditor", 200),
        ("committee_member", 200),
    ],
)
def test_the_statement_is_read_by_those_who_read_every_team(client, user_for, role, status):
    client.force_login(user_for(role))
    assert client.get(reverse("compliance_org:soa")).status_code == status


def test_the_draft_page_takes_a_fixed_number_of_queries(
    client, controls, committee_member, second_member, mitigation, django_assert_max_num_queries
):
    client.force_login(committee_member)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("compliance_org:soa"))
    version = submitted(controls, committee_member)
    soa.decide_soa(version=version, by=second_member, approve=True)
    for control in controls[:10]:
        soa.update_soa_entry(
            requirement=control, by=committee_member, data={"mitigations": [mitigation]}
        )
    with django_assert_max_num_queries(len(few) + 3):  # the version in force and its rows
        response = client.get(reverse("compliance_org:soa"))
    assert response.status_code == 200
    assert mitigation.reference in response.content.decode()


def test_the_control_form_saves_the_answer(client, controls, committee_member, mitigation):
    client.force_login(committee_member)
    url = reverse("compliance_org:soa_control", args=[controls[0].pk])
    response = client.post(url, {**APPLICABLE, "mitigations": mitigation.reference, "policies": ""})
    assert response.status_code == 302
    entry = SoAEntry.objects.get(requirement=controls[0])
    assert list(entry.mitigations.all()) == [mitigation]


def test_the_control_form_shows_every_problem_at_once(client, controls, committee_member):
    client.force_login(committee_member)
    url = reverse("compliance_org:soa_control", args=[controls[0].pk])
    response = client.post(
        url,
        {
            "applicability": "excluded",
            "justification": "",
            "implementation": "implemented",
            "mitigations": "MTG-4242",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"justification", "implementation", "mitigations"}
    assert not SoAEntry.objects.exists()


def test_a_committee_member_decides_from_the_version_page(
    client, controls, committee_member, second_member
):
    version = submitted(controls, committee_member)
    client.force_login(second_member)
    page = client.get(version.get_absolute_url())
    assert "Your decision" in page.content.decode()
    response = client.post(
        reverse("compliance_org:soa_decide", args=[version.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == SoAVersionStatus.APPROVED


def test_the_submitter_is_not_offered_the_decision(client, controls, committee_member):
    version = submitted(controls, committee_member)
    client.force_login(committee_member)
    assert "Your decision" not in client.get(version.get_absolute_url()).content.decode()
    response = client.post(
        reverse("compliance_org:soa_decide", args=[version.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403


def test_the_version_exports_as_a_spreadsheet_with_a_row_per_control(
    client, controls, committee_member, auditor
):
    version = submitted(controls, committee_member)
    client.force_login(auditor)
    response = client.get(reverse("compliance_org:soa_version_xlsx", args=[version.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][:4] == ("control", "title", "objective", "applicability")
    assert len(rows) == 39
    assert rows[1][0] == "A.2.2" and rows[1][3] == "Applicable"


def test_the_draft_exports_as_a_spreadsheet(client, controls, committee_member, mitigation):
    soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={**APPLICABLE, "mitigations": [mitigation]},
    )
    client.force_login(committee_member)
    response = client.get(reverse("compliance_org:soa_xlsx"))
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].values
    )
    assert len(rows) == 39
    assert rows[1][3] == "Applicable"
    assert rows[1][6] == f"{mitigation.reference} {mitigation.title}"
    assert rows[2][3] == "Not decided yet"


def test_the_version_exports_as_a_pdf(client, controls, committee_member):
    version = submitted(controls, committee_member)
    client.force_login(committee_member)
    response = client.get(reverse("compliance_org:soa_version_pdf", args=[version.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_an_edit_conflict_puts_their_mitigations_back_as_references():
    from django.http import QueryDict

    from apps.compliance.forms_soa import SoAEntryForm

    form = SoAEntryForm(data=QueryDict("mitigations=MTG-0001", mutable=True))
    form.take_saved_values({"mitigations": {12, 3}})
    assert form.data["mitigations"] == "MTG-0003, MTG-0012"
