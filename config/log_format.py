"""Logs as JSON lines, for production: one object per line on stdout/stderr, tracebacks included.

Used by Django's ``LOGGING`` (``LOG_FORMAT=json``, the default when ``DEBUG`` is off) and by
gunicorn's configuration (``config/gunicorn.py``, through :func:`gunicorn_logging`), so that
every line an operator collects — gunicorn's own, its access log, the app's and the traceback
of a 500 the user only saw as "Something went wrong" — has the same shape::

    {"time": "2026-03-02T06:00:01.123Z", "level": "ERROR", "logger": "django.request",
     "message": "Internal Server Error: /api/v1/risks/", "method": "GET",
     "path": "/api/v1/risks/", "status": 500, "request_id": "9f1c…", "process": 4242,
     "exception": "Traceback (most recent call last):\\n …"}

**The request id.** Every line logged while a request is answered (and while a Celery task or
an outbox delivery that the request caused runs, in whichever process) carries the request's
``request_id``: the ``X-Request-ID`` the load balancer sent, or one made up for it
(``apps.core.request_id``). It is kept in :data:`request_id_var`, a context variable, so that
this formatter finds it without every call to a logger passing it; gunicorn's access line takes
it from the response's ``X-Request-ID`` header.

Standard library only: it must load before Django does (gunicorn configures logging first).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import os

# The attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# gunicorn's access log atoms, by the names the JSON line gives them.
_ACCESS_ATOMS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "q": "query",
    "H": "protocol",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "f": "referer",
    "a": "user_agent",
}
# The id of the request (or task) being served: set by apps.core.request_id.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


def _jsonable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


class JSONFormatter(logging.Formatter):
    """A record as one line of JSON (see the module's notes)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, name in _ACCESS_ATOMS.items():
                value = record.args.get(atom)
                if value not in (None, "-", ""):
                    line[name] = int(value) if atom in "sBM" and str(value).isdigit() else value
            request_id = record.args.get("{x-request-id}o")
            if request_id:
                line["request_id"] = request_id
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            line["method"] = getattr(request, "method", None)
            line["path"] = request.path
            # Django logs a 4xx answer once the middleware has returned: the id is the request's.
            if getattr(request, "request_id", None):
                line["request_id"] = request.request_id
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line and name not in ("request", "args"):
                line["status" if name == "status_code" else name] = _jsonable(value)
        if "request_id" not in line and request_id_var.get():
            line["request_id"] = request_id_var.get()
        line["process"] = record.process
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def log_format() -> str:
    """``json`` or ``plain``: ``LOG_FORMAT``, by default ``json`` unless ``DEBUG`` is on (the
    same rule as the settings, read before Django is)."""
    default = "plain" if _flag(os.environ.get("DEBUG", "")) else "json"
    return os.environ.get("LOG_FORMAT", default).strip().lower() or default


def gunicorn_logging() -> dict:
    """gunicorn's ``logconfig_dict``: its error log to stderr and its access log to stdout, as
    JSON lines; empty (gunicorn's own format) when ``LOG_FORMAT=plain``."""
    if log_format() != "json":
        return {}

    def stream(name: str) -> dict:
        return {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": f"ext://sys.{name}",
        }

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.log_format.JSONFormatter"}},
        "handlers": {"stderr": stream("stderr"), "stdout": stream("stdout")},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
