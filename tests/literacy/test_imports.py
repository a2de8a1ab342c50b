"""Importing completions from an LMS's CSV: row-level problems, all or nothing, idempotent."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import AuditEvent
from apps.literacy import imports, services
from apps.literacy.models import CompletionSource, TrainingCompletion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "lms.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.org")


def run(text, by):
    rows = imports.read_completions(upload(text))
    return services.import_completions(rows=rows, by=by, file_name="lms.csv")


def test_good_file_records_every_completion(administrator, ada, literacy):
    result = run(
        "email,training,completed_on,evidence\n"
        "ADA@example.org,ai literacy essentials,2026-01-15,LMS-1\n",
        administrator,
    )

    completion = TrainingCompletion.objects.get()
    assert (result.created, result.already_recorded) == (1, 0)
    assert completion.person == ada
    assert completion.source == CompletionSource.IMPORTED
    assert completion.evidence == "LMS-1"
    assert completion.expires_on == literacy.expiry_for(completion.completed_on)


def test_each_bad_row_is_reported_with_its_row_number(administrator, ada, literacy):
    text = (
        "email,training,completed_on\n"
        "ada@example.org,AI literacy essentials,2026-01-15\n"
        "nobody@example.org,AI literacy essentials,2026-01-15\n"
        "ada@example.org,Unknown course,15/01/2026\n"
    )
    with pytest.raises(ValidationError) as error:
        imports.read_completions(upload(text))

    assert error.value.messages == [
        "Row 3: no person has the e-mail address “nobody@example.org”.",
        "Row 4: no training is named “Unknown course”; completed_on is a date as YYYY-MM-DD, "
        "not “15/01/2026”.",
    ]


def test_file_with_a_bad_row_records_nothing(administrator, ada, literacy):
    with pytest.raises(ValidationError):
        run(
            "email,training,completed_on\n"
            "ada@example.org,AI literacy essentials,2026-01-15\n"
            "ada@example.org,AI literacy essentials,2999-01-01\n",
            administrator,
        )

    assert not TrainingCompletion.objects.exists()


def test_importing_the_same_file_twice_adds_nothing(administrator, ada, literacy):
    text = "email,training,completed_on\nada@example.org,AI literacy essentials,2026-01-15\n"
    run(text, administrator)

    result = run(text, administrator)

    assert (result.created, result.already_recorded) == (0, 1)
    assert TrainingCompletion.objects.count() == 1


def test_header_without_required_columns_is_refused(administrator):
    with pytest.raises(ValidationError, match="lacks the column completed_on"):
        imports.read_completions(upload("email,training\na@example.org,x\n"))


def test_file_that_is_not_csv_is_refused(administrator):
    with pytest.raises(ValidationError, match=r"\.csv"):
        imports.read_completions(upload("x", name="lms.xlsx"))


def test_imported_completions_are_in_the_audit_trail(administrator, ada, literacy):
    run(
        "email,training,completed_on\nada@example.org,AI literacy essentials,2026-01-15\n",
        administrator,
    )

    event = AuditEvent.objects.get(content_type__model="trainingcompletion")
    assert event.user == administrator
    assert event.change_reason == "Imported from lms.csv"


def test_only_administrators_import(contributor, ada, literacy):
    rows = imports.read_completions(
        upload("email,training,completed_on\nada@example.org,AI literacy essentials,2026-01-15\n")
    )
    with pytest.raises(PermissionDenied):
        services.import_completions(rows=rows, by=contributor)
