"""The outbox's administration page: the backlog and the failures, filtered, and retried."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core import outbox
from apps.core.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:core_outboxmessage_changelist"


@pytest.fixture
def messages(monkeypatch):
    monkeypatch.setitem(outbox._handlers, "tests.mail", lambda payload: None)
    monkeypatch.setitem(outbox._handlers, "tests.job", lambda payload: None)
    failed = OutboxMessage.objects.create(
        kind="tests.mail",
        dedupe_key="failed",
        status=OutboxStatus.FAILED,
        attempts=outbox.MAX_ATTEMPTS,
        last_error="Traceback…\nSMTPServerDisconnected: Connection unexpectedly closed",
    )
    pending = OutboxMessage.objects.create(kind="tests.job", dedupe_key="pending")
    sent = OutboxMessage.objects.create(
        kind="tests.mail", dedupe_key="sent", status=OutboxStatus.SENT, attempts=1
    )
    return {"failed": failed, "pending": pending, "sent": sent}


def test_administrator_sees_the_backlog_with_its_last_errors(client_for, messages):
    response = client_for("administrator").get(reverse(CHANGELIST))

    assert response.status_code == 200
    assertContains(response, "SMTPServerDisconnected: Connection unexpectedly closed")
    assertContains(response, "Retry the selected messages now")


def test_the_backlog_filters_by_status_and_kind(client_for, messages):
    client = client_for("administrator")

    failed = client.get(reverse(CHANGELIST), {"status__exact": "failed"})
    jobs = client.get(reverse(CHANGELIST), {"kind": "tests.job"})

    assert list(failed.context["cl"].result_list) == [messages["failed"]]
    assert list(jobs.context["cl"].result_list) == [messages["pending"]]


@pytest.mark.parametrize("role", ["contributor", "committee_member", "auditor"])
def test_other_roles_cannot_open_the_outbox(role, client_for, messages):
    response = client_for(role).get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_administrator_retries_failed_messages_and_it_is_logged(
    client_for, administrator, messages
):
    response = client_for(administrator).post(
        reverse(CHANGELIST),
        {
            "action": "retry_messages",
            "_selected_action": [messages["failed"].pk, messages["sent"].pk],
        },
        follow=True,
    )

    assertContains(response, "1 message put back in line for the relay. 1 already sent")
    messages["failed"].refresh_from_db()
    assert (messages["failed"].status, messages["failed"].attempts) == (OutboxStatus.PENDING, 0)
    assert OutboxMessage.objects.get(pk=messages["sent"].pk).status == OutboxStatus.SENT
    entry = LogEntry.objects.get(object_id=str(messages["failed"].pk))
    assert (entry.user, entry.change_message) == (administrator, "Retried from the administration")


def test_nobody_adds_edits_or_deletes_a_message_by_hand(client_for, messages):
    client = client_for("administrator")
    change = client.get(reverse("admin:core_outboxmessage_change", args=[messages["failed"].pk]))

    assert client.get(reverse("admin:core_outboxmessage_add")).status_code == 403
    assertNotContains(change, 'name="_save"')
    assert (
        client.post(
            reverse("admin:core_outboxmessage_delete", args=[messages["failed"].pk])
        ).status_code
        == 403
    )
