"""The Art. 4 obligation's page shows the AI literacy of the system's team; other obligations'
pages do not."""

import pytest
from django.urls import reverse

from tests.factories import ObligationFactory, TrainingCompletionFactory, current_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def art_4(system):
    return ObligationFactory(system=system, requirement=current_requirement("Art. 4"))


def test_art_4_obligation_page_lists_team_members_missing_training(
    client, contributor, viewer, art_4, literacy
):
    TrainingCompletionFactory(person=contributor, training=literacy)
    client.force_login(contributor)

    response = client.get(reverse("compliance:obligation_detail", args=[art_4.pk]))

    panel = response.context["literacy_panel"]
    assert panel["with_gaps"] == 1
    assert [row["person"] for row in panel["rows"] if row["gaps"]] == [viewer]
    assert "AI literacy of Customer Experience" in response.content.decode()


def test_other_obligation_page_has_no_literacy_panel(client, contributor, obligation, literacy):
    client.force_login(contributor)

    response = client.get(reverse("compliance:obligation_detail", args=[obligation.pk]))

    assert "literacy_panel" not in response.context
    assert "AI literacy of" not in response.content.decode()
