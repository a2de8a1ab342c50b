"""Every problem at once: a service runs each of its checks and reports all their errors together.

A person who fixes the one error they were shown and submits again should not meet the next
one then: the services (and so the pages and the API) collect the ``ValidationError`` of each
independent check and raise them as one, each message unchanged::

    errors = ErrorCollector()
    with errors.check():
        _check_reviewers(system, reviewers)
    with errors.check():
        _check_plan(plan)
    errors.raise_if_any()   # one ValidationError with the field errors of both checks

A check whose failure makes the next checks meaningless (the record is not there, the person
may not act) still raises at once, outside the collector.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ErrorCollector:
    """The ``ValidationError`` of several checks, by field, in the order they were found."""

    def __init__(self) -> None:
        self._errors: dict[str, list[ValidationError]] = {}

    def __bool__(self) -> bool:
        return bool(self._errors)

    def add(self, error: ValidationError | str, field: str | None = None) -> None:
        """Keep ``error`` (a message, or a ValidationError with or without fields); a message
        already kept for the same field is not repeated."""
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if field is not None:
            error = ValidationError({field: error.error_list})
        if hasattr(error, "error_dict"):
            items = error.error_dict.items()
        else:
            items = [(NON_FIELD_ERRORS, error.error_list)]
        for name, errors in items:
            kept = self._errors.setdefault(name, [])
            seen = {(e.message, e.code) for e in kept}
            for one in errors:
                if (one.message, one.code) not in seen:
                    kept.append(one)
                    seen.add((one.message, one.code))

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run the block; its ``ValidationError`` is kept instead of raised."""
        try:
            yield
        except ValidationError as error:
            self.add(error)

    def raise_if_any(self) -> None:
        if not self._errors:
            return
        if list(self._errors) == [NON_FIELD_ERRORS]:
            raise ValidationError(self._errors[NON_FIELD_ERRORS])
        raise ValidationError(self._errors)
