"""Failing loudly and correctly: health checks that say what is down, JSON errors under /api/
(500s included), and production logs as JSON lines with the traceback the user never sees.

The outage tests take the services away for real: gunicorn (with the deployment's
``config/gunicorn.py``) started against a database and a Redis where nothing listens.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from config.log_format import JSONFormatter, gunicorn_logging, log_format

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port where nothing listens (the kernel's choice, closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- In process -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_readiness_answers_ok_when_the_database_and_redis_answer(client, settings):
    settings.REDIS_URL = ""  # no Redis configured: nothing more to check
    response = client.get(reverse("core:readiness"))
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_is_a_503_naming_redis_when_redis_does_not_answer(client, settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get(reverse("core:readiness"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "database: ok\nredis: unreachable\n"
    assert "Readiness check: Redis is unreachable" in caplog.text


@pytest.mark.django_db
def test_liveness_does_not_depend_on_redis(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert client.get(reverse("core:healthz")).status_code == 200


def test_readiness_answers_only_reads(client):
    assert client.post(reverse("core:readiness")).status_code == 405


@pytest.fixture
def failing_risk_list(monkeypatch):
    """The risks' list selector raising, as a bug would."""
    from apps.risks import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the risk list")

    monkeypatch.setattr(selectors, "risk_list", broken)


@pytest.mark.django_db
def test_an_api_500_is_json_and_its_traceback_is_logged(
    failing_risk_list, client_for, caplog, settings
):
    settings.DEBUG = False
    client = client_for("auditor")
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(reverse("api:risk-list"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "bug" not in response.content.decode()  # the details are in the log only
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info[0] is RuntimeError


@pytest.mark.django_db
def test_a_500_outside_the_api_is_the_sites_html_page(monkeypatch, client_for, settings):
    from apps.risks.views.register import RiskListView

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the register")

    monkeypatch.setattr(RiskListView, "selector", staticmethod(broken))
    settings.DEBUG = False
    client = client_for("auditor")
    client.raise_request_exception = False
    response = client.get(reverse("risks:list"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Something went wrong on our side" in response.content


def test_a_log_record_is_one_line_of_json_with_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys as system

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/api/v1/risks/",),
            system.exc_info(),
        )
    record.status_code = 500
    line = JSONFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR" and parsed["logger"] == "django.request"
    assert parsed["message"] == "Internal Server Error: /api/v1/risks/"
    assert parsed["status"] == 500
    assert parsed["exception"].startswith("Traceback") and "ValueError: boom" in parsed["exception"]
    assert parsed["time"].endswith("Z")


def test_logs_are_json_in_production_and_plain_in_development(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("DEBUG", "false")
    assert log_format() == "json"
    assert gunicorn_logging()["loggers"]["gunicorn.access"]["handlers"] == ["stdout"]
    monkeypatch.setenv("DEBUG", "true")
    assert log_format() == "plain"
    assert gunicorn_logging() == {}  # gunicorn's own format
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert log_format() == "json"


def test_the_settings_log_in_the_format_chosen():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == settings.LOG_FORMAT
    assert settings.LOGGING["formatters"]["json"]["()"] == "config.log_format.JSONFormatter"


# --- gunicorn with nothing behind it --------------------------------------------------------------
def _get(url: str, **headers) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own test server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture(scope="module")
def server_without_services(tmp_path_factory):
    """gunicorn, as the deployment starts it (``config/gunicorn.py``), against a PostgreSQL and
    a Redis where nothing listens; yields its address and its stdout and stderr files."""
    folder = tmp_path_factory.mktemp("outage")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "a-production-like-secret-key-for-the-outage-test-0123456789",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://register@127.0.0.1:{free_port()}/register",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    stdout, stderr = folder / "stdout.log", folder / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(  # noqa: S603 (our interpreter, the deployment's config)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{stderr.read_text()}")
            try:
                _get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer:\n{stderr.read_text()}")
                time.sleep(0.3)
        yield {"base": base, "stdout": stdout, "stderr": stderr, "process": process}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_healthz_is_a_plain_503_when_the_database_is_unreachable(server_without_services):
    status, content_type, body = _get(f"{server_without_services['base']}/healthz")
    assert status == 503
    assert content_type.startswith("text/plain")
    assert body == b"database: unreachable\n"


def test_readiness_names_each_service_that_is_down(server_without_services):
    status, content_type, body = _get(f"{server_without_services['base']}/healthz/ready")
    assert status == 503
    assert content_type.startswith("text/plain")
    assert body == b"database: unreachable\nredis: unreachable\n"


def test_an_api_call_with_the_database_down_is_a_json_500(server_without_services):
    status, content_type, body = _get(
        f"{server_without_services['base']}/api/v1/risks/", Authorization="Bearer arr_unknown"
    )
    assert status == 500
    assert content_type == "application/json"
    assert json.loads(body)["code"] == "server_error"


def test_the_operator_finds_the_traceback_as_json_lines_on_stderr(server_without_services):
    _get(f"{server_without_services['base']}/api/v1/risks/", Authorization="Bearer arr_unknown")
    time.sleep(0.5)  # the worker writes its log line after answering
    lines = server_without_services["stderr"].read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line: gunicorn's and the app's
    assert any(r["logger"] == "gunicorn.error" for r in records)  # "Booting worker…"
    errors = [
        r for r in records if r["logger"] == "django.request" and r["path"] == "/api/v1/risks/"
    ]
    assert errors and errors[-1]["level"] == "ERROR" and errors[-1]["status"] == 500
    assert "OperationalError" in errors[-1]["exception"]
    assert "Traceback (most recent call last)" in errors[-1]["exception"]


def test_the_access_log_is_json_lines_on_stdout(server_without_services):
    _get(f"{server_without_services['base']}/healthz")
    time.sleep(0.5)
    lines = server_without_services["stdout"].read_text().splitlines()
    access = [json.loads(line) for line in lines]
    assert access and all(r["logger"] == "gunicorn.access" for r in access)
    health = [r for r in access if r.get("path") == "/healthz"]
    assert health and health[-1]["status"] == 503 and health[-1]["method"] == "GET"


@pytest.mark.django_db
def test_an_api_body_over_the_size_limit_is_a_json_400(client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_for("contributor")
    client.raise_request_exception = False
    body = b'{"title": "' + b"x" * 4096 + b'"}'
    response = client.generic(
        "POST", reverse("api:risk-list"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body is larger than the 1.0 KB accepted.",
        "code": "too_large",
    }


@pytest.mark.django_db
def test_an_unknown_host_is_a_json_400_under_the_api_and_a_page_elsewhere(client):
    api = client.get("/api/v1/", HTTP_HOST="elsewhere.example")
    assert (api.status_code, api["Content-Type"]) == (400, "application/json")
    assert api.json()["code"] == "bad_request"
    page = client.get("/", HTTP_HOST="elsewhere.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_a_path_under_api_outside_its_versions_is_a_json_404(client):
    response = client.get("/api/v0/risks/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["code"] == "not_found"
