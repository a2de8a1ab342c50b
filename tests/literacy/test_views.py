"""The literacy pages: the organisation's gaps, a person's page, recording and importing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.literacy.models import CompletionSource, TrainingCompletion
from tests.factories import (
    MembershipFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    TrainingRequirementFactory,
    UserFactory,
)
from tests.literacy.conftest import days

pytestmark = pytest.mark.django_db


def test_overview_lists_people_missing_required_trainings(client, auditor, literacy):
    UserFactory(full_name="Ada Missing")
    holder = UserFactory(full_name="Bo Holder")
    TrainingCompletionFactory(person=holder, training=literacy)
    client.force_login(auditor)

    page = client.get(reverse("literacy:overview")).content.decode()

    assert "Ada Missing" in page
    assert "Bo Holder" not in page


def test_overview_filters_by_team(client, administrator, team, literacy):
    member = MembershipFactory(team=team).user
    UserFactory(full_name="Not In Team")
    client.force_login(administrator)

    response = client.get(reverse("literacy:overview"), {"team": team.pk})

    assert [p for p, _ in response.context["rows"]] == [member]


def test_overview_query_count_does_not_grow_with_people(
    client, administrator, literacy, oversight, django_assert_max_num_queries
):
    for _ in range(15):
        UserFactory()
    client.force_login(administrator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("literacy:overview"), {"per_page": 10})

    assert len(response.context["rows"]) == 10


def test_overview_export_has_one_row_per_missing_training(client, committee_member, literacy):
    UserFactory(email="ada@example.org")
    client.force_login(committee_member)

    response = client.get(reverse("literacy:export"))
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert lines[0] == "name,email,training,kind,state,valid_until,required_of"
    assert any(
        "ada@example.org,AI literacy essentials,AI literacy,Missing" in line for line in lines
    )


def test_person_page_shows_what_is_missing(client, viewer, literacy):
    client.force_login(viewer)

    response = client.get(reverse("literacy:mine"))

    assert [s.state for s in response.context["states"]] == ["missing"]


def test_person_cannot_see_another_persons_page(client, viewer, contributor):
    client.force_login(viewer)

    assert client.get(reverse("literacy:person", args=[contributor.pk])).status_code == 404


def test_viewer_declares_own_completion_from_the_form(client, viewer, literacy):
    client.force_login(viewer)

    response = client.post(
        reverse("literacy:record"),
        {"training": literacy.pk, "completed_on": days(-1).isoformat()},
    )

    assert response.status_code == 302
    assert TrainingCompletion.objects.get(person=viewer).source == CompletionSource.DECLARED


def test_administrator_records_anothers_completion(client, administrator, viewer, literacy):
    client.force_login(administrator)

    client.post(
        reverse("literacy:record"),
        {"person": viewer.pk, "training": literacy.pk, "completed_on": days(-1).isoformat()},
    )

    assert TrainingCompletion.objects.get(person=viewer).recorded_by == administrator


def test_import_page_shows_row_errors_and_stores_nothing(client, administrator, literacy):
    client.force_login(administrator)
    upload = SimpleUploadedFile(
        "lms.csv",
        b"email,training,completed_on\nnobody@example.org,AI literacy essentials,2026-01-01\n",
    )

    response = client.post(reverse("literacy:import"), {"file": upload})

    assert response.status_code == 400
    assert "Row 2: no person has the e-mail address" in response.content.decode()
    assert not TrainingCompletion.objects.exists()


def test_import_page_records_a_good_file(client, administrator, literacy):
    UserFactory(email="ada@example.org")
    client.force_login(administrator)
    upload = SimpleUploadedFile(
        "lms.csv",
        b"email,training,completed_on\nada@example.org,AI literacy essentials,2026-01-01\n",
    )

    response = client.post(reverse("literacy:import"), {"file": upload})

    assert response.status_code == 302
    assert TrainingCompletion.objects.count() == 1


def test_trainings_page_lists_trainings_and_who_must_take_them(client, viewer):
    training = TrainingFactory(name="Prompt safety")
    TrainingRequirementFactory(training=training, audience="contributors")
    client.force_login(viewer)

    page = client.get(reverse("literacy:trainings")).content.decode()

    assert "Prompt safety" in page
    assert "Contributors of a team" in page


def test_profile_page_has_a_training_section_with_what_is_missing(client, viewer, literacy):
    client.force_login(viewer)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "Training (AI literacy)" in page
    assert "AI literacy essentials" in page
