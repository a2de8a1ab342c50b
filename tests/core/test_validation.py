"""ErrorCollector: a service runs every check and reports all their errors together."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from apps.core.validation import ErrorCollector


def raise_(error):
    raise error


def test_errors_of_several_checks_are_raised_together_by_field():
    errors = ErrorCollector()
    with errors.check():
        raise_(ValidationError({"reviewers": "Assign at least 3 reviewers."}))
    with errors.check():
        raise_(ValidationError(["Open: monitoring.", "Critical risk RSK-0001 is untreated."]))
    with errors.check():
        raise_(ValidationError({"kind": "Choose the kind of review."}))
    with pytest.raises(ValidationError) as caught:
        errors.raise_if_any()
    assert caught.value.message_dict == {
        "reviewers": ["Assign at least 3 reviewers."],
        NON_FIELD_ERRORS: ["Open: monitoring.", "Critical risk RSK-0001 is untreated."],
        "kind": ["Choose the kind of review."],
    }


def test_messages_are_kept_word_for_word_and_not_repeated():
    errors = ErrorCollector()
    errors.add("The title is taken.", field="title")
    errors.add(ValidationError({"title": "The title is taken."}))
    with pytest.raises(ValidationError) as caught:
        errors.raise_if_any()
    assert caught.value.message_dict == {"title": ["The title is taken."]}


def test_only_general_errors_stay_a_plain_list():
    errors = ErrorCollector()
    errors.add("REV-0001 is already in progress.")
    with pytest.raises(ValidationError) as caught:
        errors.raise_if_any()
    assert not hasattr(caught.value, "error_dict")
    assert caught.value.messages == ["REV-0001 is already in progress."]


def test_nothing_found_raises_nothing():
    errors = ErrorCollector()
    with errors.check():
        pass
    assert not errors
    errors.raise_if_any()


def test_other_exceptions_are_not_swallowed():
    errors = ErrorCollector()
    with pytest.raises(PermissionError), errors.check():
        raise PermissionError("not yours")
