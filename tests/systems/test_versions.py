"""Material changes: a new model, data or code version makes the approved plan stale for it; a
change review approves it, or the committee waives it (recorded, with who and why)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains
from rest_framework.test import APIClient

from apps.accounts.services import create_token
from apps.reminders.models import Notification
from apps.reviews.models import ReviewKind
from apps.systems import services as system_services
from apps.systems import versions
from apps.systems.models import SystemVersion, VersionStatus
from tests.factories import MembershipFactory, UserFactory
from tests.systems.approvals import approve, approved, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitter(team):
    return MembershipFactory(team=team, user__full_name="Sam Submitter").user


@pytest.fixture
def approved_system(system, risk, contributor, submitter, committee_member):
    approved(system, submitter=submitter, reviewer=committee_member)
    return system


def record(system, by, value="llm-2026-11", kind="model", note="The provider's November model."):
    return versions.record_version(system=system, by=by, kind=kind, value=value, note=note)


# --- Recording a version --------------------------------------------------------------------------
def test_recording_a_version_sets_it_on_the_system_and_waits_for_review(system, contributor):
    system.model_version = "llm-2026-10"
    system.save()

    version = record(system, contributor)

    system.refresh_from_db()
    assert system.model_version == "llm-2026-11"
    assert (version.status, version.previous_value, version.recorded_by) == (
        VersionStatus.PENDING,
        "llm-2026-10",
        contributor,
    )
    assert version.reference == f"VER-{version.pk:04d}"


def test_each_kind_sets_its_own_field(system, contributor):
    record(system, contributor, value="data-2026-q4", kind="data")
    record(system, contributor, value="a1b2c3d", kind="code")
    record(system, contributor, value="prompt v16", kind="configuration")

    system.refresh_from_db()
    assert (
        system.training_data_version,
        system.code_version,
        system.configuration_version,
    ) == ("data-2026-q4", "a1b2c3d", "prompt v16")


def test_the_system_history_names_the_change(system, contributor):
    version = record(system, contributor)

    assert system.history.first().history_change_reason == (
        f"New model version recorded ({version.reference})"
    )
    assert version.history.first().history_change_reason == "Recorded: a change review is owed"


def test_the_owners_are_told_a_change_review_is_owed(system, team, contributor):
    owner = MembershipFactory(team=team).user
    system.technical_owner = owner
    system.save()

    version = record(system, contributor)

    notification = Notification.objects.get(recipient=owner)
    assert notification.title == (
        f"{system.reference}: new model version “llm-2026-11” ({version.reference}) — the "
        "approved safety plan is stale for it: submit a change review"
    )
    assert not Notification.objects.filter(recipient=contributor).exists()


def test_a_version_the_system_already_runs_is_refused(system, contributor):
    record(system, contributor)

    with pytest.raises(ValidationError) as refused:
        record(system, contributor)

    assert refused.value.message_dict["value"] == [
        f"“llm-2026-11” is already the model version of {system.reference}."
    ]


def test_every_problem_of_a_version_is_given_at_once(system, contributor):
    with pytest.raises(ValidationError) as refused:
        record(system, contributor, value="  ", kind="weights")

    assert set(refused.value.message_dict) == {"kind", "value"}
    assert not SystemVersion.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "outsider"])
def test_only_the_team_records_versions(system, user_for, role):
    with pytest.raises(PermissionDenied):
        record(system, user_for(role))


def test_a_version_typed_on_the_form_of_an_approved_system_is_a_material_change(
    approved_system, contributor
):
    system_services.update_system(
        system=approved_system,
        by=contributor,
        data={"code_version": "release-42"},
        reason="Hotfix release",
    )

    version = SystemVersion.objects.get()
    assert (version.kind, version.value, version.note, version.status) == (
        "code",
        "release-42",
        "Hotfix release",
        VersionStatus.PENDING,
    )


def test_versions_typed_before_a_first_approval_are_not_material_changes(system, contributor):
    system_services.update_system(system=system, by=contributor, data={"model_version": "v0"})

    assert not SystemVersion.objects.exists()


# --- A change review settles it -------------------------------------------------------------------
def test_an_approved_change_review_approves_the_version(
    approved_system, contributor, submitter, committee_member
):
    version = record(approved_system, contributor)
    review = submit(approved_system, submitter, committee_member, kind=ReviewKind.CHANGE)

    approve(review, committee_member)

    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.decided_by == committee_member
    assert version.decision_note == (
        f"Approved with the safety plan ({review.reference}, version "
        f"{review.current_version.number})"
    )
    assert list(review.material_changes.all()) == [version]


def test_a_review_submitted_before_the_version_does_not_approve_it(
    approved_system, contributor, submitter, committee_member
):
    review = submit(approved_system, submitter, committee_member, kind=ReviewKind.PERIODIC)
    version = record(approved_system, contributor)

    approve(review, committee_member)

    version.refresh_from_db()
    assert version.status == VersionStatus.PENDING


def test_a_rejected_change_review_leaves_the_version_pending(
    approved_system, contributor, submitter, committee_member
):
    from apps.reviews import services as review_services

    version = record(approved_system, contributor)
    review = submit(approved_system, submitter, committee_member, kind=ReviewKind.CHANGE)

    review_services.decide_review(
        review=review,
        reviewer=committee_member,
        decision="reject",
        comment="Not evaluated yet.",
        version=review.current_version.number,
    )

    version.refresh_from_db()
    assert version.status == VersionStatus.PENDING


def test_the_submit_page_offers_a_change_review_with_the_changes_it_covers(
    approved_system, contributor, client_for
):
    version = record(approved_system, contributor)

    response = client_for("contributor").get(reverse("reviews:submit", args=[approved_system.pk]))

    assert response.context["form"].initial["kind"] == ReviewKind.CHANGE
    assertContains(response, "Material changes this review covers")
    assertContains(response, version.reference)


def test_the_system_page_says_the_plan_is_stale_for_the_version(
    approved_system, contributor, client_for
):
    record(approved_system, contributor)

    response = client_for("viewer").get(approved_system.get_absolute_url())

    assertContains(response, "The approved plan is stale")
    assertContains(response, "<code>llm-2026-11</code>")


# --- The committee waives it ----------------------------------------------------------------------
def test_a_committee_member_waives_the_review_saying_why(system, contributor, committee_member):
    version = record(system, contributor)

    versions.waive_version(version=version, by=committee_member, reason="A typo fix in a prompt.")

    version.refresh_from_db()
    assert (version.status, version.decided_by, version.decision_note) == (
        VersionStatus.WAIVED,
        committee_member,
        "A typo fix in a prompt.",
    )
    assert version.history.first().history_change_reason == (
        "Change review waived: A typo fix in a prompt."
    )


def test_a_waiver_says_why(system, contributor, committee_member):
    version = record(system, contributor)

    with pytest.raises(ValidationError) as refused:
        versions.waive_version(version=version, by=committee_member, reason=" ")

    assert "reason" in refused.value.message_dict


def test_an_owner_on_the_committee_cannot_waive_their_own_change(system, contributor):
    contributor.is_committee_member = True
    contributor.save()
    version = record(system, contributor)

    with pytest.raises(PermissionDenied, match="another committee member decides"):
        versions.waive_version(version=version, by=contributor, reason="Trust me.")


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor", "administrator"])
def test_only_the_committee_waives(system, contributor, user_for, role):
    version = record(system, contributor)

    with pytest.raises(PermissionDenied):
        versions.waive_version(version=version, by=user_for(role), reason="Fine.")


def test_a_settled_version_cannot_be_waived(system, contributor, committee_member):
    version = record(system, contributor)
    versions.waive_version(version=version, by=committee_member, reason="Minor.")

    with pytest.raises(ValidationError):
        versions.waive_version(
            version=version, by=UserFactory(is_committee_member=True), reason="Again."
        )


# --- Pages and API --------------------------------------------------------------------------------
def test_a_contributor_records_a_version_on_the_system_page(system, client_for):
    client = client_for("contributor")
    url = reverse("systems:record_version", args=[system.pk])

    response = client.post(url, {"kind": "model", "value": "llm-2026-11", "note": "Upgrade."})

    assert response.status_code == 302
    assert response["Location"] == system.get_absolute_url() + "#versions"
    assert SystemVersion.objects.get().value == "llm-2026-11"


def test_the_version_form_shows_every_problem(system, client_for):
    url = reverse("systems:record_version", args=[system.pk])

    response = client_for("contributor").post(url, {"kind": "", "value": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "value"}


def test_a_committee_member_waives_on_the_version_page(system, contributor, client_for):
    version = record(system, contributor)
    client = client_for("committee_member")
    assertContains(client.get(version.get_absolute_url()), "Waive the change review")

    response = client.post(
        reverse("systems:waive_version", args=[version.pk]), {"reason": "Prompt typo only."}
    )

    version.refresh_from_db()
    assert response.status_code == 302
    assert version.status == VersionStatus.WAIVED


def test_a_pipeline_records_a_version_through_the_api(system, contributor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user=contributor, name='ci')[1]}")

    response = client.post(
        "/api/v1/system-versions/",
        {"system": system.reference, "kind": "code", "version": "a1b2c3d", "note": "Release 42"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["version"]) == ("pending", "a1b2c3d")


def test_the_committee_waives_through_the_api(system, contributor, committee_member):
    version = record(system, contributor)
    client = APIClient()
    client.force_authenticate(committee_member)

    refused = client.post(f"/api/v1/system-versions/{version.pk}/waive/", {}, format="json")
    waived = client.post(
        f"/api/v1/system-versions/{version.pk}/waive/", {"reason": "Minor."}, format="json"
    )
    again = client.post(
        f"/api/v1/system-versions/{version.pk}/waive/", {"reason": "Minor."}, format="json"
    )

    assert refused.status_code == 400
    assert waived.status_code == 200
    assert waived.json()["status"] == "waived"
    assert again.status_code == 409
