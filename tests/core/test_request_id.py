"""The request id: from X-Request-ID or made up, on every log line, into tasks and the outbox."""

import json
import logging
import types

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from apps.core import outbox, request_id
from apps.core.models import OutboxMessage
from config.log_format import JSONFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The JSON lines the app's loggers write meanwhile."""
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JSONFormatter().format(record)))

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_the_balancers_request_id_comes_back_in_the_answer(client):
    response = client.get(reverse("core:healthz"), headers={"X-Request-ID": "lb-7f3a.42"})

    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_a_request_without_one_gets_a_new_id_each_time(client):
    first = client.get(reverse("core:healthz"))["X-Request-ID"]
    second = client.get(reverse("core:healthz"))["X-Request-ID"]

    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize("sent", ["", "a b", "x" * 129, "<script>", "é"])
def test_an_id_that_is_not_plain_is_replaced_by_a_new_one(client, sent):
    response = client.get(reverse("core:healthz"), headers={"X-Request-ID": sent})

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_every_line_logged_during_the_request_carries_its_id(client, json_lines, monkeypatch):
    from apps.core.views import pages

    def logging_check():
        logging.getLogger("apps.test").warning("checking the database")
        return None

    monkeypatch.setattr(pages, "_database_problem", logging_check)

    client.get(reverse("core:healthz"), headers={"X-Request-ID": "req-1"})

    lines = [line for line in json_lines if line["logger"] == "apps.test"]
    assert lines and all(line["request_id"] == "req-1" for line in lines)


def test_djangos_line_about_a_refused_request_carries_its_id(client, json_lines):
    client.get(reverse("core:metrics"), headers={"X-Request-ID": "req-401"})

    [line] = [line for line in json_lines if line["logger"] == "django.request"]
    assert line["status"] == 401
    assert line["request_id"] == "req-401"


def test_a_line_logged_outside_any_request_has_no_id(json_lines):
    logging.getLogger("apps.test").warning("between requests")

    assert "request_id" not in json_lines[-1]


def test_a_streamed_body_is_written_under_the_requests_id():
    seen = []

    def body():
        seen.append(request_id.current())
        yield b"row\n"
        seen.append(request_id.current())

    middleware = request_id.RequestIdMiddleware(lambda request: StreamingHttpResponse(body()))
    response = middleware(RequestFactory().get("/", headers={"X-Request-ID": "export-9"}))
    assert request_id.current() is None  # the view has returned

    assert b"".join(response.streaming_content) == b"row\n"
    assert seen == ["export-9", "export-9"]
    assert request_id.current() is None


def test_gunicorns_access_line_takes_the_id_from_the_answer():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", None, None)
    record.args = {"h": "127.0.0.1", "s": "200", "{x-request-id}o": "req-5"}

    assert json.loads(JSONFormatter().format(record))["request_id"] == "req-5"


# --- Celery ---------------------------------------------------------------------------------------
def test_a_task_published_during_a_request_carries_its_id_in_a_header():
    headers = {}
    with request_id.bound("req-7"):
        request_id.add_header(headers=headers)

    assert headers == {"request_id": "req-7"}


def test_a_task_runs_under_the_id_of_the_request_that_published_it():
    task = types.SimpleNamespace(request=types.SimpleNamespace(request_id="req-7", is_eager=False))

    request_id.bind_for_task(task_id="t-1", task=task)
    try:
        assert request_id.current() == "req-7"
    finally:
        request_id.unbind_for_task(task_id="t-1")
    assert request_id.current() is None


def test_a_periodic_task_runs_under_an_id_of_its_own():
    task = types.SimpleNamespace(request=types.SimpleNamespace(is_eager=False))

    request_id.bind_for_task(task_id="beat-3", task=task)
    try:
        assert request_id.current() == "task-beat-3"
    finally:
        request_id.unbind_for_task(task_id="beat-3")


def test_the_signals_bind_the_id_while_a_real_task_runs():
    from celery import shared_task

    seen = []

    @shared_task(name="tests.request_id_probe")
    def probe():
        seen.append(request_id.current())

    with request_id.bound("req-8"):
        probe.apply()  # run here, as an eager task is
    probe.apply()

    assert seen[0] == "req-8"
    assert seen[1].startswith("task-")


# --- The outbox -----------------------------------------------------------------------------------
@pytest.fixture
def delivered(monkeypatch):
    deliveries = []

    def handler(payload):
        logging.getLogger("apps.test").info("delivering")
        deliveries.append((payload, request_id.current()))

    monkeypatch.setitem(outbox._handlers, "tests.request_id", handler)
    monkeypatch.setattr(outbox, "relay_requester", None)  # relayed by the test
    return deliveries


def test_an_outbox_message_is_delivered_under_the_id_of_the_request_that_wrote_it(
    delivered, json_lines
):
    with request_id.bound("req-9"):
        outbox.enqueue("tests.request_id", {"n": 1}, dedupe_key="rid-1")

    outbox.relay()

    assert delivered == [({"n": 1}, "req-9")]  # the handler sees its payload as written
    assert [line["request_id"] for line in json_lines if line["message"] == "delivering"] == [
        "req-9"
    ]


def test_a_message_written_outside_a_request_keeps_its_payload_as_it_is(delivered):
    outbox.enqueue("tests.request_id", {"n": 2}, dedupe_key="rid-2")

    assert OutboxMessage.objects.get(dedupe_key="rid-2").payload == {"n": 2}
    outbox.relay()
    assert delivered == [({"n": 2}, None)]
