"""E-mails in development: kept in a folder and shown at ``/dev/outbox/`` instead of printed.

With ``DEBUG`` on and no ``EMAIL_URL``, settings make :class:`DevOutboxBackend` the e-mail
backend: every message is written as one ``.eml`` file to ``DEV_OUTBOX_DIR`` (the web process
and a worker write to the same folder), the newest :data:`KEEP` are kept, and the page
``/dev/outbox/`` lists them (:mod:`apps.core.views.dev`).
"""

from __future__ import annotations

import dataclasses
import datetime
import email
import email.policy
import os
import re
import tempfile
import time
import uuid
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

# Messages kept in the folder; older ones are deleted as new ones arrive.
KEEP = 500
NAME = re.compile(r"^\d{19,20}-[0-9a-f]{8}\.eml$")


def folder() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


class DevOutboxBackend(BaseEmailBackend):
    """Writes each message as a ``.eml`` file to ``DEV_OUTBOX_DIR``."""

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        target = folder()
        target.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            content = message.message().as_bytes(linesep="\n")
            name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
            # Written whole, then renamed: the page never reads half a message.
            handle, temporary = tempfile.mkstemp(dir=target, suffix=".part")
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target / name)
            sent += 1
        _prune(target)
        return sent


def _prune(target: Path) -> None:
    names = sorted(path.name for path in target.glob("*.eml") if NAME.match(path.name))
    for name in names[:-KEEP]:
        (target / name).unlink(missing_ok=True)


@dataclasses.dataclass
class StoredEmail:
    """One message of the development outbox, read back from its file."""

    name: str
    subject: str
    sender: str
    to: list[str]
    cc: list[str]
    date: datetime.datetime | None
    text: str
    html: str | None

    @property
    def recipients(self) -> list[str]:
        return self.to + self.cc

    def is_for(self, address: str) -> bool:
        return address.lower() in {recipient.lower() for recipient in self.recipients}


def _parse(path: Path) -> StoredEmail:
    parsed: ParsedMessage = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    try:
        date = parsedate_to_datetime(parsed["Date"]) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredEmail(
        name=path.name,
        subject=str(parsed["Subject"] or ""),
        sender=str(parsed["From"] or ""),
        to=[address for _, address in getaddresses(parsed.get_all("To", []))],
        cc=[address for _, address in getaddresses(parsed.get_all("Cc", []))],
        date=date,
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else None,
    )


def stored_emails(*, for_address: str | None = None) -> list[StoredEmail]:
    """The kept messages, newest first; only those addressed to ``for_address`` if given."""
    target = folder()
    if not target.is_dir():
        return []
    names = sorted(
        (path.name for path in target.glob("*.eml") if NAME.match(path.name)), reverse=True
    )
    messages = []
    for name in names:
        try:
            message = _parse(target / name)
        except FileNotFoundError:
            continue  # pruned meanwhile
        if for_address is None or message.is_for(for_address):
            messages.append(message)
    return messages


def stored_email(name: str) -> StoredEmail | None:
    """One kept message by its file name (``None`` for a name that is not one)."""
    if not NAME.match(name):
        return None
    path = folder() / name
    try:
        return _parse(path)
    except FileNotFoundError:
        return None
