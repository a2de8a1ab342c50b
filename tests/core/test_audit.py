"""The audit trail and the global audit log page."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.accounts.models import Membership, Team
from apps.core.models import AuditEvent
from apps.systems import services
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def events_for(obj):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )


def test_creating_a_record_logs_its_initial_values(team):
    system = AISystemFactory(team=team, name="Fraud detector")
    event = events_for(system).get()
    assert event.action == "+"
    assert event.object_repr == "Fraud detector"
    values = {c["field"]: c["new"] for c in event.changes}
    assert values["name"] == "Fraud detector"
    assert values["team"] == "Customer Experience"
    assert "updated_at" not in values


def test_a_change_logs_old_and_new_readable_values(team, contributor):
    system = AISystemFactory(team=team, lifecycle_stage="pilot")
    services.update_system(system=system, by=contributor, data={"lifecycle_stage": "production"})
    event = events_for(system).filter(action="~").get()
    assert event.user == contributor
    assert event.user_repr == str(contributor)
    assert event.changes == [
        {
            "field": "lifecycle_stage",
            "label": "lifecycle stage",
            "old": "Pilot",
            "new": "Production",
        }
    ]


def test_a_save_that_changes_nothing_logs_nothing(team):
    system = AISystemFactory(team=team)
    system.save()
    assert events_for(system).count() == 1
    assert system.history.count() == 2  # simple-history keeps the version regardless


def test_foreign_keys_are_logged_by_name(team, other_team, administrator):
    # Owned by someone who can read it in its new team too (a system's owners must).
    system = AISystemFactory(team=team, business_owner=administrator)
    services.update_system(system=system, by=administrator, data={"team": other_team})
    change = events_for(system).filter(action="~").get().changes[0]
    assert change == {
        "field": "team",
        "label": "owning team",
        "old": "Customer Experience",
        "new": "Credit Risk",
    }


def test_membership_changes_are_audited(team):
    membership = MembershipFactory(team=team, role=Membership.Role.VIEWER)
    membership.role = Membership.Role.CONTRIBUTOR
    membership.save()
    event = events_for(membership).filter(action="~").get()
    assert event.changes[0]["old"] == "Viewer"
    assert event.changes[0]["new"] == "Contributor"


def test_signing_in_leaves_no_history_version(client):
    user = UserFactory()
    versions = user.history.count()
    assert client.login(email=user.email, password="correct-horse-battery-staple")
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == versions


def test_passwords_never_reach_the_history(team):
    user = UserFactory()
    user.set_password("a-new-secret-password")
    user.save()
    assert not hasattr(user.history.first(), "password")
    for event in events_for(user):
        assert all(change["field"] != "password" for change in event.changes)


# --- The audit log page -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("auditor", 200),
        ("committee_member", 200),
        ("administrator", 200),
        ("contributor", 403),
        ("viewer", 403),
        ("nobody", 403),
        ("anonymous", 302),
    ],
)
def test_who_can_open_the_audit_log(role, status, client_for):
    assert client_for(role).get(reverse("core:audit_log")).status_code == status


@pytest.fixture
def activity(team, contributor, administrator):
    chatbot = AISystemFactory(team=team, name="Chatbot")
    services.update_system(
        system=chatbot, by=contributor, data={"vendor": "Acme"}, reason="New vendor"
    )
    scorer = AISystemFactory(team=team, name="Scorer")
    services.archive_system(system=scorer, by=administrator, reason="Retired")
    return chatbot, scorer


def rows(response):
    return list(response.context["page_obj"].object_list)


def test_audit_log_lists_changes_newest_first_with_links(client_for, activity):
    chatbot, _scorer = activity
    system_type = ContentType.objects.get_for_model(AISystem)
    response = client_for("auditor").get(reverse("core:audit_log"), {"model": system_type.pk})
    events = rows(response)
    assert events[0].object_repr == "Scorer"
    assert events[0].change_reason == "Retired"
    assertContains(response, f'href="{chatbot.get_absolute_url()}"')
    assertContains(response, "New vendor")
    assertContains(response, "Acme")


def test_audit_log_filters_by_user(client_for, activity, contributor):
    response = client_for("auditor").get(reverse("core:audit_log"), {"user": contributor.pk})
    assert [e.change_reason for e in rows(response)] == ["New vendor"]


def test_audit_log_filters_by_model(client_for, activity):
    team_type = ContentType.objects.get_for_model(Team)
    response = client_for("auditor").get(reverse("core:audit_log"), {"model": team_type.pk})
    assert {e.content_type_id for e in rows(response)} == {team_type.pk}
    system_type = ContentType.objects.get_for_model(AISystem)
    response = client_for("auditor").get(reverse("core:audit_log"), {"model": system_type.pk})
    assert {e.object_repr for e in rows(response)} == {"Chatbot", "Scorer"}


def test_audit_log_filters_by_date_range(client_for, activity):
    AuditEvent.objects.filter(change_reason="Retired").update(
        timestamp=datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC)
    )
    response = client_for("auditor").get(
        reverse("core:audit_log"), {"date_after": "2025-01-01", "date_before": "2025-01-31"}
    )
    assert [e.change_reason for e in rows(response)] == ["Retired"]


def test_audit_log_filters_by_action(client_for, activity):
    response = client_for("auditor").get(reverse("core:audit_log"), {"action": "~"})
    assert {e.change_reason for e in rows(response)} == {"New vendor", "Retired"}


def test_audit_log_model_filter_offers_audited_models_only(client_for):
    response = client_for("auditor").get(reverse("core:audit_log"))
    offered = {ct.model for ct in response.context["filter_form"].fields["model"].queryset}
    assert {"aisystem", "team", "membership", "user", "governancesettings"} <= offered
    assert "session" not in offered


def test_audit_log_shows_an_empty_state_when_nothing_matches(client_for, activity):
    response = client_for("auditor").get(reverse("core:audit_log"), {"q": "no such record"})
    assertContains(response, "No change matches these filters")


def test_audit_log_runs_a_constant_number_of_queries(
    client_for, team, django_assert_max_num_queries
):
    client = client_for("auditor")
    AISystemFactory(team=team)
    client.get(reverse("core:audit_log"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:audit_log"))
    for _ in range(30):
        AISystemFactory(team=team)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("core:audit_log"))


def test_object_history_page_is_scoped_to_those_who_see_the_record(client_for, team, other_team):
    system = AISystemFactory(team=other_team, name="Hidden scorer")
    url = reverse("systems:history", args=[system.pk])
    assert client_for("contributor").get(url).status_code == 404
    response = client_for("auditor").get(url)
    assertContains(response, "Hidden scorer")
    assertNotContains(response, "No changes recorded yet")
