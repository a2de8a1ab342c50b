"""The daily sweep: never the same reminder twice, escalation, digests and their preferences."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.mitigations.models import Mitigation
from apps.reminders import registry, services
from apps.reminders.models import (
    DigestFrequency,
    Escalation,
    Notification,
    Reminder,
    ReminderReason,
    ReminderSettings,
)
from apps.reminders.services import run_locked_sweep, run_sweep
from apps.systems.models import AISystem
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    NotificationPreferenceFactory,
    TeamFactory,
    UserFactory,
)
from tests.reminders.conftest import NOW, TODAY, days

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def emails_to(person):
    return [message for message in mail.outbox if message.to == [person.email]]


@pytest.fixture
def owner(db):
    return UserFactory(full_name="Olivia Owner", email="olivia@example.org")


@pytest.fixture
def committee(db):
    return [
        UserFactory(is_committee_member=True, full_name="Cora Committee"),
        UserFactory(is_committee_member=True, full_name="Carl Committee"),
    ]


# --- Never the same reminder twice ----------------------------------------------------------------
def test_running_the_sweep_twice_sends_one_email_and_one_notification_per_reminder(owner):
    AISystemFactory(business_owner=owner, next_review_due=days(7))
    MitigationFactory(owner=owner, due_date=days(-2))

    first = run_sweep(TODAY)
    second = run_sweep(TODAY)

    assert Reminder.objects.count() == 2
    assert Notification.objects.filter(recipient=owner).count() == 2
    assert len(emails_to(owner)) == 1
    assert (first.notified, first.digests) == (2, 1)
    assert (second.notified, second.digests) == (0, 0)


def test_the_next_day_an_item_already_reminded_of_is_not_reminded_again(owner, clock):
    MitigationFactory(owner=owner, due_date=days(-2))
    run_sweep(TODAY)

    clock.move_to(NOW + datetime.timedelta(days=1))
    result = run_sweep(days(1))

    assert result.candidates == 1  # still overdue, still a candidate…
    assert Reminder.objects.count() == 1  # …but the same reminder, for the same due date
    assert len(emails_to(owner)) == 1


def test_a_new_due_date_is_a_new_reminder(owner, clock):
    mitigation = MitigationFactory(owner=owner, due_date=days(-2))
    run_sweep(TODAY)
    Mitigation.objects.filter(pk=mitigation.pk).update(due_date=days(-1))

    run_sweep(TODAY)

    assert Reminder.objects.count() == 2
    assert len(emails_to(owner)) == 2


def test_a_review_coming_due_is_reminded_at_14_then_7_then_1_days(owner, clock):
    AISystemFactory(business_owner=owner, next_review_due=days(14))
    reasons = []
    for offset in range(16):
        clock.move_to(NOW + datetime.timedelta(days=offset))
        run_sweep(days(offset))
        reasons = list(Reminder.objects.order_by("pk").values_list("reason", flat=True))

    assert reasons == [
        ReminderReason.REVIEW_DUE_14,
        ReminderReason.REVIEW_DUE_7,
        ReminderReason.REVIEW_DUE_1,
        ReminderReason.REVIEW_OVERDUE,
    ]
    assert len(emails_to(owner)) == 4


def test_a_second_sweep_does_not_start_while_one_holds_the_lock():
    lock = services.SweepLock()
    assert lock.acquire()
    try:
        assert run_locked_sweep(TODAY) is None
    finally:
        lock.release()
    assert run_locked_sweep(TODAY) is not None


# --- Escalation -----------------------------------------------------------------------------------
def escalated_to(member) -> Reminder:
    """The committee member's reminder of the day's escalations (one a day at most)."""
    return Reminder.objects.get(recipient=member, reason=ReminderReason.ESCALATION)


def test_an_item_overdue_more_than_seven_days_is_escalated_to_the_committee_once(owner, committee):
    late = MitigationFactory(owner=owner, due_date=days(-8), title="Output filter")
    MitigationFactory(owner=owner, due_date=days(-7))  # seven days: not yet
    review_late = AISystemFactory(business_owner=owner, next_review_due=days(-30))

    result = run_sweep(TODAY)

    assert sorted(Escalation.objects.values_list("object_id", "reason")) == sorted(
        [(late.pk, "mitigation_overdue"), (review_late.pk, "review_overdue")]
    )
    assert result.escalations == 2
    escalation = Escalation.objects.get(object_id=late.pk)
    assert (escalation.escalated_on, escalation.due_date, escalation.days_late) == (
        TODAY,
        days(-8),
        8,
    )
    assert escalation.title.startswith("Mitigation")
    assert "Output filter" in escalation.title
    assert escalation.responsible == "Olivia Owner"
    assert escalation.url == Reminder.objects.get(object_id=late.pk).url


def test_each_committee_member_is_told_once_how_many_items_were_escalated_that_day(
    owner, committee
):
    UserFactory(is_committee_member=True, is_active=False)  # a former member
    MitigationFactory.create_batch(2, owner=owner, due_date=days(-9))
    AISystemFactory(business_owner=owner, next_review_due=days(-30))

    run_sweep(TODAY)

    told = Reminder.objects.filter(reason=ReminderReason.ESCALATION)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(m.pk for m in committee)
    reminder = escalated_to(committee[0])
    assert reminder.title == (
        f"Escalated to the committee on {TODAY:%-d %b %Y}: 3 late items "
        "(Mitigation overdue: 2; Review overdue: 1)"
    )
    assert reminder.url == f"/notifications/escalations/?escalated_on={TODAY.isoformat()}"
    assert Notification.objects.get(reminder=reminder).recipient == committee[0]


def test_the_committee_reminder_does_not_grow_with_the_items_escalated(owner, committee):
    MitigationFactory.create_batch(12, owner=owner, due_date=days(-9))

    run_sweep(TODAY)

    assert Escalation.objects.count() == 12
    assert Reminder.objects.filter(reason=ReminderReason.ESCALATION).count() == len(committee)


def test_the_escalation_delay_is_configurable(owner, committee):
    ReminderSettings.objects.update_or_create(pk=1, defaults={"escalate_after_days": 3})
    MitigationFactory(owner=owner, due_date=days(-4))

    result = run_sweep(TODAY)

    assert result.escalations == Escalation.objects.count() == 1


def test_an_item_overdue_for_both_its_owners_is_escalated_once(owner, committee):
    technical = UserFactory(full_name="Theo Technical")
    AISystemFactory(business_owner=owner, technical_owner=technical, next_review_due=days(-10))

    result = run_sweep(TODAY)

    assert result.escalations == 1
    assert Escalation.objects.get().responsible == "Olivia Owner"


def test_an_escalation_is_not_made_or_told_again_the_next_day(owner, committee, clock):
    MitigationFactory(owner=owner, due_date=days(-9))
    run_sweep(TODAY)

    clock.move_to(NOW + datetime.timedelta(days=1))
    result = run_sweep(days(1))

    assert result.escalations == 0
    assert Escalation.objects.get().escalated_on == TODAY
    assert Reminder.objects.filter(reason=ReminderReason.ESCALATION).count() == len(committee)
    assert result.notified == 0


def test_escalations_reach_the_committee_in_their_digest_once(owner, committee):
    MitigationFactory(owner=owner, due_date=days(-10), title="Rate limiter")

    run_sweep(TODAY)
    run_sweep(TODAY)

    for member in committee:
        (digest,) = emails_to(member)
        assert "ESCALATED TO THE COMMITTEE" in digest.body
        assert "Escalated to the committee" in digest.alternatives[0][0]
        assert "1 late item (Mitigation overdue: 1)" in digest.body
        assert "/notifications/escalations/?escalated_on=" in digest.body
        assert "escalations to the committee" in digest.subject


def test_expired_acceptances_and_reviews_coming_due_are_not_escalated(owner, committee):
    AISystemFactory(business_owner=owner, next_review_due=days(1))

    run_sweep(TODAY)

    assert not Escalation.objects.exists()
    assert not Reminder.objects.filter(reason=ReminderReason.ESCALATION).exists()


# --- In-app notifications -------------------------------------------------------------------------
def test_every_new_reminder_arrives_in_its_recipients_notifications_once(owner, committee):
    AISystemFactory(business_owner=owner, next_review_due=days(7))
    MitigationFactory(owner=owner, due_date=days(-9))

    result = run_sweep(TODAY)

    reminders = Reminder.objects.all()
    assert result.notified == reminders.count() == 2 + len(committee)
    assert not reminders.filter(notified_at__isnull=True).exists()
    assert sorted(
        Notification.objects.values_list("reminder_id", "recipient_id", "title", "url")
    ) == sorted(reminders.values_list("pk", "recipient_id", "title", "url"))


def test_a_reminder_not_yet_notified_is_notified_and_emailed_by_the_next_sweep(owner):
    reminder = Reminder.objects.create(
        recipient=owner,
        content_type=ContentType.objects.get_for_model(Mitigation),
        object_id=1,
        reason=ReminderReason.MITIGATION_OVERDUE,
        due_date=days(-2),
        title="Left by a sweep that was stopped",
        url="/mitigations/1/",
    )

    result = run_sweep(TODAY)

    reminder.refresh_from_db()
    assert (reminder.notified_at, reminder.emailed_at) == (NOW, NOW)
    assert result.notified == 1
    assert Notification.objects.get().reminder == reminder
    (digest,) = emails_to(owner)
    assert "Left by a sweep that was stopped" in digest.body


# --- Digest preferences ---------------------------------------------------------------------------
def test_daily_is_the_default(owner):
    MitigationFactory(owner=owner, due_date=days(-2))

    run_sweep(TODAY)

    assert len(emails_to(owner)) == 1


def test_digest_off_sends_no_email_but_notifications_still_arrive(owner):
    NotificationPreferenceFactory(user=owner, digest=DigestFrequency.OFF)
    MitigationFactory(owner=owner, due_date=days(-2))

    run_sweep(TODAY)

    assert emails_to(owner) == []
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_a_weekly_digest_gathers_the_week_and_goes_out_on_the_weekly_day(owner, clock):
    NotificationPreferenceFactory(user=owner, digest=DigestFrequency.WEEKLY)
    tuesday = days(1)
    clock.move_to(NOW + datetime.timedelta(days=1))
    MitigationFactory(owner=owner, due_date=days(-1), title="First")
    run_sweep(tuesday)
    assert emails_to(owner) == []  # not the weekly day
    assert Notification.objects.filter(recipient=owner).count() == 1  # in-app at once

    clock.move_to(NOW + datetime.timedelta(days=3))
    MitigationFactory(owner=owner, due_date=days(2), title="Second")
    run_sweep(days(3))
    assert emails_to(owner) == []

    clock.move_to(NOW + datetime.timedelta(days=7))
    run_sweep(days(7))  # Monday
    (digest,) = emails_to(owner)
    assert "First" in digest.body
    assert "Second" in digest.body

    clock.move_to(NOW + datetime.timedelta(days=8))
    MitigationFactory(owner=owner, due_date=days(7), title="Third")
    run_sweep(days(8))
    assert len(emails_to(owner)) == 1


def test_a_missed_weekly_day_catches_up_a_week_after_the_last_digest(owner, clock):
    preference = NotificationPreferenceFactory(user=owner, digest=DigestFrequency.WEEKLY)
    preference.last_digest_sent_at = NOW - datetime.timedelta(days=8)
    preference.save()
    clock.move_to(NOW + datetime.timedelta(days=1))  # a Tuesday
    MitigationFactory(owner=owner, due_date=days(-1))

    run_sweep(days(1))

    assert len(emails_to(owner)) == 1
    preference.refresh_from_db()
    assert preference.last_digest_sent_at == NOW + datetime.timedelta(days=1)


def test_the_weekly_digest_day_is_configurable(owner, clock):
    ReminderSettings.objects.update_or_create(pk=1, defaults={"weekly_digest_day": 2})
    NotificationPreferenceFactory(user=owner, digest=DigestFrequency.WEEKLY)
    MitigationFactory(owner=owner, due_date=days(-1))

    run_sweep(TODAY)  # Monday
    assert emails_to(owner) == []
    clock.move_to(NOW + datetime.timedelta(days=2))
    run_sweep(days(2))  # Wednesday
    assert len(emails_to(owner)) == 1


def test_a_mail_server_failure_keeps_the_notifications_and_retries_the_email(owner, monkeypatch):
    MitigationFactory(owner=owner, due_date=days(-2))

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(mail.EmailMultiAlternatives, "send", refuse)
        result = run_sweep(TODAY)
    assert result.digest_failures == 1
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert Reminder.objects.get().emailed_at is None

    run_sweep(TODAY)

    assert len(emails_to(owner)) == 1
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_a_digest_that_failed_to_go_out_does_not_count_as_the_last_digest_sent(owner, monkeypatch):
    preference = NotificationPreferenceFactory(user=owner, digest=DigestFrequency.DAILY)
    MitigationFactory(owner=owner, due_date=days(-2))

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", refuse)
    run_sweep(TODAY)

    preference.refresh_from_db()
    assert preference.last_digest_sent_at is None


# --- Digest content -------------------------------------------------------------------------------
def test_the_digest_has_text_and_html_with_a_link_to_each_item(owner, settings):
    settings.SITE_URL = "https://register.example.org"
    system = AISystemFactory(business_owner=owner, name="Support chatbot", next_review_due=days(7))
    mitigation = MitigationFactory(owner=owner, due_date=days(-2), title="Input <filter>")

    run_sweep(TODAY)

    (digest,) = emails_to(owner)
    assert digest.subject == "AI Risk Register: 2 reminders (1 overdue)"
    system_url = f"https://register.example.org{system.get_absolute_url()}"
    mitigation_url = f"https://register.example.org{mitigation.get_absolute_url()}"
    assert "Hello Olivia" in digest.body
    assert "OVERDUE" in digest.body and "REVIEWS COMING DUE" in digest.body
    assert system_url in digest.body and mitigation_url in digest.body
    assert "Input <filter>" in digest.body  # plain text is not HTML-escaped
    ((html, media_type),) = digest.alternatives
    assert media_type == "text/html"
    assert f'<a href="{system_url}">' in html and f'<a href="{mitigation_url}">' in html
    assert "Input &lt;filter&gt;" in html  # HTML is escaped
    assert "https://register.example.org/notifications/" in html
    assert "https://register.example.org/accounts/profile/" in html


def test_a_long_digest_lists_the_first_items_and_links_to_the_rest(owner, monkeypatch):
    monkeypatch.setattr(services, "DIGEST_MAX_ITEMS", 3)
    for n in range(5):
        MitigationFactory(owner=owner, due_date=days(-2 - n))

    run_sweep(TODAY)

    (digest,) = emails_to(owner)
    assert digest.subject.startswith("AI Risk Register: 5 reminders")
    assert digest.body.count("/mitigations/") == 3
    assert "and 2 more" in digest.body


def test_a_long_digest_fills_its_sections_in_order_and_counts_what_is_left_out(owner, monkeypatch):
    monkeypatch.setattr(services, "DIGEST_MAX_ITEMS", 2)
    AISystemFactory(business_owner=owner, next_review_due=days(10), name="Chatbot")
    AISystemFactory(business_owner=owner, next_review_due=days(5), name="Scorer")
    for n in (2, 4, 3):
        MitigationFactory(owner=owner, due_date=days(-n), title=f"Due {n} days ago")

    run_sweep(TODAY)

    (digest,) = emails_to(owner)
    assert digest.subject == "AI Risk Register: 5 reminders (3 overdue)"
    body = digest.body
    assert body.index("OVERDUE") < body.index("“Due 4 days ago”") < body.index("“Due 3 days ago”")
    assert "“Due 2 days ago”" not in body
    assert body.index("“Due 3 days ago”") < body.index("and 1 more")
    assert body.index("REVIEWS COMING DUE") < body.index("and 2 more")
    assert "Chatbot" not in body and "Scorer" not in body
    assert "5 reminders for you" in body


# --- Queries --------------------------------------------------------------------------------------
def sweep_queries(system_count, owners, team):
    systems = AISystem.objects.bulk_create(
        AISystem(
            **{
                f.attname: getattr(template, f.attname)
                for f in AISystem._meta.concrete_fields
                if f.attname not in ("id", "name")
            },
            name=f"Bulk system {n}",
        )
        for n, template in (
            (
                n,
                AISystemFactory.build(
                    team=team,
                    business_owner=owners[n % len(owners)],
                    technical_owner=owners[(n + 1) % len(owners)],
                    next_review_due=days(-10 + n % 25),
                ),
            )
            for n in range(system_count)
        )
    )
    Mitigation.objects.bulk_create(
        Mitigation(
            system=system,
            title=f"Mitigation {system.pk}",
            kind="architecture",
            layer="application",
            owner=owners[system.pk % len(owners)],
            due_date=days(-3 - system.pk % 10),
        )
        for system in systems
    )
    with CaptureQueriesContext(connection) as queries:
        result = run_sweep(TODAY)
    return len(queries), result


def test_the_sweep_makes_a_number_of_queries_that_grows_with_batches_not_rows(
    committee, monkeypatch
):
    monkeypatch.setattr(registry, "BATCH_SIZE", 100)
    # One INSERT per bulk_create, as on PostgreSQL (Django splits SQLite's at 999 parameters).
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: len(objs))
    owners = [UserFactory() for _ in range(3)]
    ReminderSettings.load()
    # Cached per process, as in a worker.
    ContentType.objects.get_for_models(AISystem, Mitigation, Escalation)
    few, few_result = sweep_queries(30, owners, TeamFactory())
    Reminder.objects.all().delete()
    Notification.objects.all().delete()
    AISystem.objects.all().update(archived_at=NOW)  # out of the next sweep
    many, many_result = sweep_queries(300, owners, TeamFactory())

    assert many_result.candidates > 9 * few_result.candidates
    # 300 systems and 300 mitigations are 3 batches each instead of 1: per collector, two more
    # batches (its SELECT and the INSERT of the batch's reminders, escalations and, on
    # PostgreSQL, notifications; elsewhere the escalations are a second INSERT) and the SELECT
    # that finds the end. The same people (3 owners, 2 committee members) get their one digest
    # each, whatever its size.
    per_batch = 2 if connection.vendor == "postgresql" else 3
    assert many - few == 2 * (2 * per_batch + 1)
    assert few == FEW_SYSTEMS_QUERIES


# The sweep over 30 systems and 30 mitigations: expiring acceptances (a SELECT in a savepoint: 3),
# the risk tally's compaction (on PostgreSQL a statement in a savepoint: 3), settings (1), seven
# collectors (7 SELECTs, and for the two with a batch one INSERT: 2), the day's escalations (their
# count by kind, the committee, the INSERT of the committee's reminders: 3), the people with
# reminders not yet notified (1), the digests' recipients (1), and per person (5 × 4) the
# savepoint of their transaction, the lock, the statement that marks their reminders e-mailed and
# reads back the digest, and the release. Elsewhere than on PostgreSQL the tally is not kept, the
# batches' escalations are a second INSERT (2), the reminders are inserted not yet notified: one
# batch of people is notified (5: savepoint, lock, INSERT of the notifications, UPDATE, release),
# and a digest reads the reminders, then marks them (5 × 5).
# The evaluations app adds its check of out-of-date verifications (a SELECT in a savepoint: 3)
# and its collector of flagged mitigations (1 SELECT): EVALUATIONS. The compliance app adds the
# expiry of lapsed exceptions (a SELECT in a savepoint: 3) and its two collectors of obligations
# coming due and overdue (2 SELECTs): COMPLIANCE. The concerns app adds its collector of
# concerns waiting for triage (1 SELECT): CONCERNS. The literacy app reads the required
# trainings (1 SELECT; none here, so it looks at nobody): LITERACY.
EVALUATIONS = 3 + 1
COMPLIANCE = 3 + 2
CONCERNS = 1
LITERACY = 1
OTHER_APPS = EVALUATIONS + COMPLIANCE + CONCERNS + LITERACY
if connection.vendor == "postgresql":
    FEW_SYSTEMS_QUERIES = 3 + 3 + 1 + 9 + 3 + 1 + 1 + 5 * 4 + OTHER_APPS
else:
    FEW_SYSTEMS_QUERIES = 3 + 1 + 9 + 2 + 3 + 1 + 5 + 1 + 5 * 5 + OTHER_APPS


def test_a_digest_makes_the_same_queries_however_many_reminders_it_sends(owner):
    ReminderSettings.load()
    ContentType.objects.get_for_models(AISystem, Mitigation)  # cached per process, as in a worker
    system = AISystemFactory(business_owner=owner)

    def queries_of_a_sweep_with(mitigations):
        Mitigation.objects.all().delete()
        Reminder.objects.all().delete()
        for n in range(mitigations):
            MitigationFactory(system=system, owner=owner, due_date=days(-2 - n % 5))
        with CaptureQueriesContext(connection) as queries:
            result = run_sweep(TODAY)
        assert (result.notified, result.digests) == (mitigations, 1)
        return len(queries)

    assert queries_of_a_sweep_with(40) == queries_of_a_sweep_with(2)
