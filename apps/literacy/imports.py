"""Completions exported by a learning-management system, uploaded as CSV.

UTF-8, one header row, one completion a row, with the columns of :data:`CSV_COLUMNS` (in any
order; other columns are ignored). People are found by e-mail address, trainings by name (case
does not matter). Like the catalogues' CSV (:mod:`apps.compliance.imports`, whose file checks
this reuses), every problem is reported with its row number as the spreadsheet shows it, and
nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import PurePath

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone

from apps.compliance.imports import HEADER_ROW, CSVColumn
from apps.compliance.imports import _problems as problems_error
from apps.compliance.imports import _text_of as text_of
from apps.literacy.models import Training

CSV_COLUMNS = [
    CSVColumn("email", True, "The person's e-mail address in the register."),
    CSVColumn("training", True, "The training's name, as the register writes it."),
    CSVColumn("completed_on", True, "The day it was completed: YYYY-MM-DD."),
    CSVColumn("evidence", False, "A certificate number or the LMS's record id."),
]
REQUIRED = [column.name for column in CSV_COLUMNS if column.required]


@dataclass(frozen=True)
class CompletionRow:
    number: int
    person: object
    training: Training
    completed_on: datetime.date
    evidence: str


def read_completions(upload) -> list[CompletionRow]:
    """The rows of an uploaded ``.csv`` file, checked: raises ``ValidationError`` listing every
    problem with its row if any row is wrong."""
    if PurePath(upload.name or "").suffix.lower() != ".csv":
        raise ValidationError("Upload a .csv file.")
    return parse_completions(text_of(upload))


def parse_completions(text: str) -> list[CompletionRow]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ValidationError("The file is empty: it needs a header row and one row a completion.")
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = [name for name in REQUIRED if name not in reader.fieldnames]
    if missing:
        raise ValidationError(
            f"The header row lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: it names {', '.join(REQUIRED)} and optionally evidence."
        )
    raw = []
    for number, row in enumerate(reader, start=HEADER_ROW + 1):
        values = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if any(values.values()):
            raw.append((number, values))
    if not raw:
        raise ValidationError("The file has no completion rows.")

    # Two queries, whatever the file's length.
    emails = {values["email"].lower() for _, values in raw}
    people = dict(
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", "pk")
    )
    people_by_pk = get_user_model().objects.in_bulk(people.values())
    trainings = {t.name.lower(): t for t in Training.objects.all()}

    today = timezone.localdate()
    problems, rows = [], []
    for number, values in raw:
        found = []
        person_pk = people.get(values["email"].lower())
        if not values["email"]:
            found.append("the e-mail address is empty")
        elif person_pk is None:
            found.append(f"no person has the e-mail address “{values['email']}”")
        training = trainings.get(values["training"].lower())
        if not values["training"]:
            found.append("the training is empty")
        elif training is None:
            found.append(f"no training is named “{values['training']}”")
        elif not training.is_active:
            found.append(f"the training “{training.name}” is no longer offered")
        try:
            completed_on = datetime.date.fromisoformat(values["completed_on"])
        except ValueError:
            completed_on = None
            found.append(f"completed_on is a date as YYYY-MM-DD, not “{values['completed_on']}”")
        else:
            if completed_on > today:
                found.append("completed_on is in the future")
        if len(values.get("evidence", "")) > 255:
            found.append("evidence is longer than 255 characters")
        if found:
            problems.append(f"Row {number}: {'; '.join(found)}.")
            continue
        rows.append(
            CompletionRow(
                number=number,
                person=people_by_pk[person_pk],
                training=training,
                completed_on=completed_on,
                evidence=values.get("evidence", ""),
            )
        )
    if problems:
        raise problems_error(problems)
    return rows


def csv_template() -> str:
    """The header and an example row, for administrators to start from."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in CSV_COLUMNS])
    writer.writerow(["ada@example.org", "AI literacy essentials", "2026-03-02", "LMS-48213"])
    return out.getvalue()
