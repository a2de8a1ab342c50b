"""The documents the committee reviews besides safety plans, registered by the apps that keep them.

A review of a document kind (:data:`apps.reviews.models.DOCUMENT_KINDS`: a classification, a
fundamental-rights impact assessment) goes through the same workflow as a safety plan — the
same reviewers, seats, delegation, queue, reminders and decisions — but its ``subject`` is a
record of an app above reviews, which reviews cannot import. That app registers what the
review needs to know about its document in its ``AppConfig.ready()``::

    from apps.reviews.subjects import ReviewSubject, register_review_subject

    register_review_subject(
        ReviewSubject(
            kind="classification",
            template="classification/_review_subject.html",  # context: review, subject
            on_approved=confirm_classification,  # fn(*, review, subject, by)
            on_closed=drop_pending_classification,  # fn(*, review, subject, by, status)
            describe=lambda record: f"Classification v{record.number}: {record.result}",
        )
    )

and submits a document with :func:`apps.reviews.services.submit_document_for_review` (and,
after changes were requested, the new version of the document with
:func:`apps.reviews.services.resubmit_document`).

``on_approved`` runs inside the transaction of the decision that approves the review (after the
review is saved as approved), ``on_closed`` inside that of a rejection (``status`` "rejected")
or a withdrawal ("withdrawn"); an exception in either undoes the decision. Neither is called
when the committee requests changes: the review stays open for the document's next version.
The subject's ``get_absolute_url()`` is linked from the review's page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ReviewSubject:
    kind: str  # a DOCUMENT_KINDS value: "classification" or "fria"
    template: str  # shows the document on the review page; context: review, subject
    on_approved: Callable[..., Any]  # fn(*, review, subject, by), in the deciding transaction
    on_closed: Callable[..., Any] | None = None  # fn(*, review, subject, by, status)
    describe: Callable[[Any], str] | None = None  # fn(subject) -> "Classification v2: high-risk"


_SUBJECTS: dict[str, ReviewSubject] = {}


class UnregisteredReviewSubject(ImproperlyConfigured):
    """A document kind of review that no installed app registered."""


def register_review_subject(subject: ReviewSubject) -> None:
    """Register (or replace) what reviews of ``subject.kind`` review."""
    # Imported here: the models import nothing of this module, and apps register in ready().
    from apps.reviews.models import DOCUMENT_KINDS

    if subject.kind not in DOCUMENT_KINDS:
        raise ImproperlyConfigured(
            f"“{subject.kind}” is not a kind of document review: choose one of "
            + ", ".join(str(kind.value) for kind in DOCUMENT_KINDS)
            + " (apps.reviews.models.DOCUMENT_KINDS)."
        )
    _SUBJECTS[subject.kind] = subject


def registered(kind: str) -> ReviewSubject | None:
    """What reviews of ``kind`` review, or ``None`` (pages that show an old review whose app
    is gone)."""
    return _SUBJECTS.get(kind)


def subject_for(kind: str) -> ReviewSubject:
    """What reviews of ``kind`` review; a clear error when no installed app registered it."""
    try:
        return _SUBJECTS[kind]
    except KeyError:
        raise UnregisteredReviewSubject(
            f"No app registered the document reviewed by a “{kind}” review: the app that keeps "
            "it calls apps.reviews.subjects.register_review_subject() in its AppConfig.ready()."
        ) from None


def unregister_review_subject(kind: str) -> None:
    """Forget the registration of ``kind`` (tests that register a throwaway subject)."""
    _SUBJECTS.pop(kind, None)


def describe(review) -> str:
    """The document under review in words, e.g. “Classification v2: high-risk”; its ``str()``
    when the registration gives no ``describe`` (or none is registered)."""
    subject = review.subject
    return "" if subject is None else describe_subject(review.kind, subject)


def describe_subject(kind: str, subject) -> str:
    """A document of a ``kind`` review in words (its ``str()`` when nothing says better)."""
    registered = _SUBJECTS.get(kind)
    if registered is not None and registered.describe is not None:
        return registered.describe(subject)
    return str(subject)
