"""The request id: one id per request, in every log line it causes, wherever that line is written.

A request arrives with ``X-Request-ID`` (set by the load balancer, e.g. HAProxy's
``unique-id-format``) or gets a new one (32 hex digits). :class:`RequestIdMiddleware` keeps it in
:data:`config.log_format.request_id_var` while the request is served (a streamed response's body
included) and sends it back in the answer's ``X-Request-ID``; the JSON log formatter writes it
on every line as ``request_id``.

It follows the work the request causes:

* **Celery tasks** carry it in a message header (``request_id``, added when the task is
  published: :func:`add_header`) and the worker binds it while the task runs
  (:func:`bind_for_task`); a task published by no request (Celery beat) runs under an id of its
  own, ``task-<task id>``.
* **The outbox**: a message written during a request keeps the id in its payload
  (:data:`PAYLOAD_KEY`, :func:`stamp`), and the relay binds it while the message is delivered
  (:func:`bound`) — the e-mail sent a minute later by another process logs the request's id.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator

from apps.core import tracing
from config.log_format import request_id_var

HEADER = "X-Request-ID"
# What an id sent by a client may look like: short, and nothing a log reader would trip on.
VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# The key under which an outbox message keeps the id of the request that wrote it.
PAYLOAD_KEY = "_request_id"
# The Celery message header that carries it.
TASK_HEADER = "request_id"


def new_id() -> str:
    return uuid.uuid4().hex


def current() -> str | None:
    """The id of the request or task being served, if any."""
    return request_id_var.get()


@contextlib.contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    """Serve what runs inside under ``request_id`` (unchanged when it is empty)."""
    if not request_id:
        yield
        return
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


def from_client(value: str | None) -> str | None:
    """The client's (the balancer's) id when it is one we keep, else ``None``."""
    value = (value or "").strip()
    return value if VALID.fullmatch(value) else None


class RequestIdMiddleware:
    """First of the middleware: everything after it logs under the request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = from_client(request.headers.get(HEADER)) or new_id()
        request.request_id = request_id
        tracing.tag_current_span(request_id)
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        if (
            response.streaming
            and not getattr(response, "is_async", False)
            and getattr(response, "file_to_stream", None) is None  # a file: sent as it is
        ):
            # The body is written after this returns: it logs under the id too.
            response.streaming_content = _streamed(response.streaming_content, request_id)
        return response


def _streamed(chunks, request_id: str):
    iterator = iter(chunks)
    while True:
        with bound(request_id):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


# --- Celery ---------------------------------------------------------------------------------------
def add_header(headers: dict | None = None, **_) -> None:
    """``before_task_publish``: the publishing request's id goes with the task."""
    request_id = current()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, object] = {}


def bind_for_task(task_id: str | None = None, task=None, **_) -> None:
    """``task_prerun``: the task runs under the id of the request that published it, or under
    ``task-<id>`` when none did (a periodic task)."""
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (
        current() if getattr(request, "is_eager", False) else None
    )
    _task_tokens[task_id or ""] = request_id_var.set(request_id or f"task-{task_id}")


def unbind_for_task(task_id: str | None = None, **_) -> None:
    """``task_postrun``: back to what the process had before the task."""
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context: nothing to undo
            request_id_var.reset(token)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(add_header, weak=False, dispatch_uid="request_id.add")
    signals.task_prerun.connect(bind_for_task, weak=False, dispatch_uid="request_id.bind")
    signals.task_postrun.connect(unbind_for_task, weak=False, dispatch_uid="request_id.unbind")


# --- The outbox -----------------------------------------------------------------------------------
def stamp(payload: dict) -> dict:
    """``payload`` with the current request's id (as it was, outside a request)."""
    request_id = current()
    if not request_id or PAYLOAD_KEY in payload:
        return payload
    return {**payload, PAYLOAD_KEY: request_id}


def unstamp(payload: dict) -> tuple[dict, str | None]:
    """The payload as its handler expects it, and the id of the request that wrote it."""
    if PAYLOAD_KEY not in payload:
        return payload, None
    payload = dict(payload)
    return payload, payload.pop(PAYLOAD_KEY)
