"""``/api/v1/training-completions/``: read-only; everyone's for global readers, one's own for
others; with filters and history."""

import pytest
from rest_framework.test import APIClient

from tests.factories import TrainingCompletionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/training-completions/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def completions(viewer, contributor, literacy):
    return [
        TrainingCompletionFactory(person=viewer, training=literacy),
        TrainingCompletionFactory(person=contributor, training=literacy),
    ]


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize("role", ["auditor", "administrator", "committee_member"])
def test_global_readers_read_every_completion(api, request, role, completions):
    api.force_authenticate(request.getfixturevalue(role))

    assert ids(api.get(URL)) == sorted(c.pk for c in completions)


def test_others_read_only_their_own_completions(api, viewer, completions):
    api.force_authenticate(viewer)

    assert ids(api.get(URL)) == [completions[0].pk]


def test_auditor_cannot_write(api, auditor, viewer, literacy):
    api.force_authenticate(auditor)

    response = api.post(URL, {"person": viewer.pk, "training": literacy.pk}, format="json")

    assert response.status_code in (403, 405)


def test_filter_by_person_email(api, auditor, viewer, completions):
    api.force_authenticate(auditor)

    assert ids(api.get(URL, {"person": viewer.email.upper()})) == [completions[0].pk]


def test_history_of_a_completion(api, auditor, completions):
    api.force_authenticate(auditor)

    response = api.get(f"{URL}{completions[0].pk}/history/")

    assert response.status_code == 200


def test_anonymous_is_refused(api):
    assert api.get(URL).status_code == 401
