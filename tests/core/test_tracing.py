"""OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, each request is a trace sent over OTLP.

The app runs in a process of its own (tracing instruments Django for the whole process), against
an OTLP/HTTP receiver started by the test on the loopback.
"""

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.test import Client
from apps.core import tracing
response = Client(HTTP_HOST="127.0.0.1").get("/healthz", headers={"X-Request-ID": "trace-me-1"})
assert response.status_code == 200, response.status_code
tracing.flush()
print("traced" if tracing.enabled() else "untraced")
"""


@pytest.fixture
def receiver():
    """An OTLP/HTTP receiver on the loopback: it keeps the spans posted to /v1/traces."""
    spans = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        spans.extend(scope.spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", spans
    server.shutdown()
    server.server_close()


def run_app(tmp_path, **env):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
        **env,
    }
    environment.pop("REDIS_URL", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_request_is_a_trace_whose_span_carries_the_request_id(receiver, tmp_path):
    endpoint, spans = receiver

    run = run_app(tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_SERVICE_NAME="register")

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "traced"
    server_spans = [span for span in spans if span.kind == span.SPAN_KIND_SERVER]
    assert len(server_spans) == 1
    attributes = {a.key: a.value.string_value for a in server_spans[0].attributes}
    assert attributes["request_id"] == "trace-me-1"
    assert attributes.get("http.route", "healthz") == "healthz"


def test_without_the_endpoint_nothing_is_traced(receiver, tmp_path):
    endpoint, spans = receiver

    # The exporter would send to the receiver if tracing were on: it must stay off.
    run = run_app(
        tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=endpoint
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "untraced"
    assert spans == []
