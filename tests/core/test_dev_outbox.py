"""E-mails while developing: kept in a folder and shown at /dev/outbox/ (DEBUG only).

Signed-in people see the e-mails sent to them; staff see every e-mail; with DEBUG off the pages
do not exist (404, whoever asks).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core import devmail

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIST = reverse("core:dev_outbox")


@pytest.fixture
def store(settings, tmp_path):
    settings.DEV_OUTBOX_DIR = tmp_path / "dev-outbox"
    return settings.DEV_OUTBOX_DIR


@pytest.fixture
def debug(settings, store):
    settings.DEBUG = True
    return settings


def send(to, subject="Hello", body="The body.", html=None):
    connection = mail.get_connection("apps.core.devmail.DevOutboxBackend")
    message = EmailMultiAlternatives(subject, body, "register@example.org", [to])
    if html:
        message.attach_alternative(html, "text/html")
    assert connection.send_messages([message]) == 1
    return devmail.stored_emails()[0]


# --- The store ------------------------------------------------------------------------------------
def test_each_e_mail_is_kept_as_one_file_and_read_back(store):
    stored = send("ada@example.org", subject="REV-0001 waits", body="Please decide.")

    assert [path.name for path in store.iterdir()] == [stored.name]
    assert (stored.subject, stored.to, stored.text.strip()) == (
        "REV-0001 waits",
        ["ada@example.org"],
        "Please decide.",
    )
    assert stored.date is not None


def test_the_newest_come_first_and_only_the_last_ones_are_kept(store, monkeypatch):
    monkeypatch.setattr(devmail, "KEEP", 3)
    for n in range(5):
        send("ada@example.org", subject=f"Message {n}")

    assert [message.subject for message in devmail.stored_emails()] == [
        "Message 4",
        "Message 3",
        "Message 2",
    ]


def test_a_name_that_is_not_a_kept_message_reads_nothing(store):
    send("ada@example.org")

    assert devmail.stored_email("../../etc/passwd") is None
    assert devmail.stored_email("1234567890123456789-deadbeef.eml") is None


# --- The pages ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["anonymous", "contributor", "administrator"])
def test_with_debug_off_the_pages_do_not_exist(role, client_for, store):
    stored = send("ada@example.org")
    client = client_for(role)

    assert client.get(LIST).status_code == 404
    assert client.get(reverse("core:dev_outbox_message", args=[stored.name])).status_code == 404


def test_with_debug_on_anonymous_is_asked_to_sign_in(client, debug):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_person_sees_only_the_e_mails_sent_to_them(client_for, contributor, debug):
    send(contributor.email, subject="For the contributor")
    send("someone.else@example.org", subject="Reset your password")

    response = client_for(contributor).get(LIST)

    assertContains(response, "For the contributor")
    assertNotContains(response, "Reset your password")
    assertContains(response, f"You see the e-mails sent to {contributor.email}")


def test_staff_see_every_e_mail(client_for, contributor, debug):
    send(contributor.email, subject="For the contributor")
    send("someone.else@example.org", subject="Reset your password")

    response = client_for("administrator").get(LIST)

    assertContains(response, "For the contributor")
    assertContains(response, "Reset your password")


def test_an_e_mail_opens_with_its_text(client_for, contributor, debug):
    stored = send(contributor.email, subject="A decision", body="Approved, with conditions.")

    response = client_for(contributor).get(reverse("core:dev_outbox_message", args=[stored.name]))

    assertContains(response, "A decision")
    assertContains(response, "Approved, with conditions.")


def test_someone_elses_e_mail_is_not_found(client_for, contributor, debug):
    stored = send("someone.else@example.org", subject="Reset your password")

    response = client_for(contributor).get(reverse("core:dev_outbox_message", args=[stored.name]))

    assert response.status_code == 404


def test_the_html_version_is_served_sandboxed(client_for, contributor, debug):
    stored = send(contributor.email, html="<p>Digest</p><script>alert(1)</script>")

    page = client_for(contributor).get(reverse("core:dev_outbox_message", args=[stored.name]))
    html = client_for(contributor).get(reverse("core:dev_outbox_html", args=[stored.name]))

    assertContains(page, reverse("core:dev_outbox_html", args=[stored.name]))
    assert html.status_code == 200
    assert "sandbox" in html["Content-Security-Policy"]
    assert "script-src" not in html["Content-Security-Policy"]  # default-src 'none' applies


def test_an_e_mail_without_html_has_no_html_page(client_for, contributor, debug):
    stored = send(contributor.email)

    response = client_for(contributor).get(reverse("core:dev_outbox_html", args=[stored.name]))

    assert response.status_code == 404


def test_the_empty_outbox_says_how_to_fill_it(client_for, debug):
    assertContains(client_for("contributor").get(LIST), "No e-mail yet.")


def test_the_pages_only_read(client_for, debug):
    assert client_for("administrator").post(LIST).status_code == 405


# --- The settings ---------------------------------------------------------------------------------
def email_backend(**environment) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "EMAIL_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"EMAIL_URL": ""}, **environment)  # set and empty: .env's value is not read
    env["SECRET_KEY"] = "test-only-secret-key-for-settings"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.EMAIL_BACKEND)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_in_debug_without_email_url_e_mails_go_to_the_dev_outbox():
    assert email_backend(DEBUG="true") == "apps.core.devmail.DevOutboxBackend"


def test_email_url_wins_even_in_debug():
    assert email_backend(DEBUG="true", EMAIL_URL="consolemail://") == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_without_debug_and_email_url_e_mails_are_printed_as_before():
    assert email_backend(DEBUG="false") == "django.core.mail.backends.console.EmailBackend"
