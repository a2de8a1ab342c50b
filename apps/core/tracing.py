"""Optional OpenTelemetry tracing: on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Each request becomes a trace (Django's instrumentation), with a span per SQL statement
(psycopg's, on PostgreSQL) and a span per Celery task, linked to the request that published it
(Celery's: the trace context travels in the task's headers). Spans are sent in batches over
OTLP/HTTP to ``$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`` (an OpenTelemetry Collector, Jaeger,
Tempo…); the SDK's other ``OTEL_*`` variables apply (``OTEL_SERVICE_NAME``,
``OTEL_TRACES_SAMPLER``, ``OTEL_EXPORTER_OTLP_HEADERS`` …). Every span carries the request id
(``request_id``), as the log lines do.

The packages are an extra (``pip install -e '.[otel]'``, in the dev extras too): with the
variable set and the packages missing, the app refuses to start rather than run untraced
without saying so.
"""

from __future__ import annotations

import logging
import os

from django.core.exceptions import ImproperlyConfigured

from config.log_format import request_id_var

logger = logging.getLogger(__name__)

_configured = False


def enabled() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip())


def configure() -> bool:
    """Set up tracing once per process when the endpoint is set; ``True`` if it is on."""
    global _configured
    if _configured or not enabled():
        return _configured
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        raise ImproperlyConfigured(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed "
            f"({error}): pip install -e '.[otel]', or unset the variable."
        ) from error

    service = os.environ.get("OTEL_SERVICE_NAME") or "ai-risk-register"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(_request_id_processor())
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS, _TIMEOUT…) itself.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False)
    _configured = True
    logger.info("OpenTelemetry tracing on: spans to %s", os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"])
    return True


def _request_id_processor():
    """A span processor that puts the request id (:mod:`apps.core.request_id`) on every span
    as it starts."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RequestIdSpanProcessor(SpanProcessor):
        def on_start(self, span, parent_context=None) -> None:
            request_id = request_id_var.get()
            if request_id:
                span.set_attribute("request_id", request_id)

    return RequestIdSpanProcessor()


def tag_current_span(request_id: str) -> None:
    """Put the request id on the request's span (Django's, started before the id was known)."""
    if not _configured:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attribute("request_id", request_id)


def flush(timeout_millis: int = 5000) -> None:
    """Send the spans still in the batch (tests; a process about to exit)."""
    if not _configured:
        return
    from opentelemetry import trace

    trace.get_tracer_provider().force_flush(timeout_millis)
