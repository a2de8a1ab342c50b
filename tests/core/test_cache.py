"""The shared cache fails open: with Redis unreachable (nothing listening, a Redis that hangs, a
Redis killed and started again) every request still succeeds, and the outage is logged."""

import contextlib
import logging
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.core import cache as fail_open
from apps.core.cache import FailOpenRedisCache
from tests.api.conftest import token_client

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs the redis-server program"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_outage_remembered():
    """Outages are remembered per process: each test starts without one."""
    fail_open.outages._state.clear()
    yield
    fail_open.outages._state.clear()


def use_redis_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens."""
    use_redis_at(settings, f"redis://127.0.0.1:{free_port()}/0")


@contextlib.contextmanager
def redis_server(port: int):
    process = subprocess.Popen(  # noqa: S603 (the system's redis-server)
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


# --- Each operation -------------------------------------------------------------------------------
def test_every_operation_answers_like_an_empty_cache_when_redis_is_unreachable(redis_down):
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("key") is False
    assert cache.set("key", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # what was not stored
    assert cache.add("lock", "mine") is True  # a lock or a "once" mark is taken as granted
    assert cache.incr("counter", 3) == 3
    assert cache.touch("key") is False
    assert cache.delete("key") is False
    assert cache.get_or_set("computed", lambda: "fresh") == "fresh"
    cache.delete_many(["a", "b"])


def test_an_outage_is_logged_once_not_at_every_call(redis_down, caplog, monkeypatch):
    monkeypatch.setattr(fail_open, "RETRY_SECONDS", 0)  # try Redis at every call
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        for _ in range(20):
            cache.get("key")
    warnings = [r for r in caplog.records if r.name == "apps.core.cache"]
    assert len(warnings) == 1
    assert "is unreachable" in warnings[0].getMessage()
    assert "fail open" in warnings[0].getMessage()


def test_a_redis_that_hangs_costs_one_timeout_then_nothing(settings):
    """A Redis whose connection is accepted but never answered: the first call waits for the
    socket timeout, the next ones skip Redis for a while instead of each waiting again."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(50)  # accepts connections in the kernel, answers nothing
        use_redis_at(settings, f"redis://127.0.0.1:{hung.getsockname()[1]}/0")

        started = time.monotonic()
        assert cache.get("key", "miss") == "miss"
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            assert cache.get("key", "miss") == "miss"
        next_hundred = time.monotonic() - started

    assert 0.4 <= first < 3
    assert next_hundred < 0.2


def test_errors_that_are_not_outages_still_raise(settings):
    """A bug (here: incrementing a value that is not a number) is not swallowed."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: a Redis that answers")
    use_redis_at(settings, settings.REDIS_URL)
    cache.set("text", "not a number")
    import redis

    with pytest.raises(redis.exceptions.ResponseError, match=r"not an integer"):
        cache.incr("text")


@needs_redis_server
def test_the_cache_comes_back_by_itself_when_redis_does(settings, caplog, monkeypatch):
    monkeypatch.setattr(fail_open, "RETRY_SECONDS", 0.2)
    port = free_port()
    use_redis_at(settings, f"redis://127.0.0.1:{port}/0")
    with caplog.at_level(logging.INFO, logger="apps.core.cache"):
        with redis_server(port):
            cache.set("key", "before")
            assert cache.get("key") == "before"
        # killed (SIGKILL): the cache answers like an empty one
        assert cache.get("key", "miss") == "miss"
        with redis_server(port):
            time.sleep(0.3)
            cache.set("key", "after")
            assert cache.get("key") == "after"
    messages = [r.getMessage() for r in caplog.records if r.name == "apps.core.cache"]
    assert any("is unreachable" in m for m in messages)
    assert any("is back after" in m for m in messages)


def test_the_backend_keeps_settings_options_apart_from_its_defaults(settings):
    params = {"OPTIONS": {"socket_timeout": 0.25}}
    backend = FailOpenRedisCache("redis://127.0.0.1:1/0", params)
    assert backend._options == {"socket_connect_timeout": 1.0, "socket_timeout": 0.25}
    assert params == {"OPTIONS": {"socket_timeout": 0.25}}  # the settings are not changed


def test_logs_never_show_the_redis_password():
    assert fail_open.describe("redis://user:secret@cache.internal:6380/2") == (
        "cache.internal:6380/2"
    )


# --- Requests -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_api_requests_succeed_and_are_not_throttled_while_redis_is_down(
    redis_down, settings, auditor, risk
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute"},
    }
    client = token_client(auditor)
    responses = [client.get(reverse("api:risk-list")) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 6
    assert all(r["Content-Type"] == "application/json" for r in responses)
    assert responses[-1].json()["count"] == 1


@pytest.mark.django_db
def test_a_page_and_a_form_save_succeed_while_redis_is_down(redis_down, client_for, risk):
    client = client_for("contributor")
    assert client.get(reverse("risks:detail", args=[risk.pk])).status_code == 200
    form = client.get(reverse("risks:edit", args=[risk.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["framework_references"] = [str(pk) for pk in data.get("framework_references", [])]
    data["title"] = "Saved without Redis"
    assert client.post(reverse("risks:edit", args=[risk.pk]), data).status_code == 302
    risk.refresh_from_db()
    assert risk.title == "Saved without Redis"


@pytest.mark.django_db
def test_a_plan_pdf_is_rendered_without_its_cache_while_redis_is_down(
    redis_down, client_for, system
):
    from tests.factories import ReviewFactory

    review = ReviewFactory(system=system)
    url = reverse(
        "reviews:version_pdf",
        kwargs={"system_pk": system.pk, "number": review.current_version.number},
    )
    response = client_for("contributor").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_sweeps_cache_lock_is_taken_as_granted_while_redis_is_down(redis_down):
    from apps.reminders.services import CacheSweepLock

    lock = CacheSweepLock()
    assert lock.acquire()
    lock.release()
