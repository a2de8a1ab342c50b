"""An administrator's own catalogue (an internal policy, a sector rule), uploaded as YAML or CSV.

* **YAML**: the same document as the shipped catalogues (:mod:`apps.compliance.loader`).
* **CSV** (UTF-8, one header row): one requirement per row, with the columns of
  :data:`CSV_COLUMNS`; the catalogue's framework key, name and version come from the upload form.
  A row's ``applies_when`` makes it apply to the systems whose facts meet it, e.g.
  ``eu_ai_act_tier=high_risk|limited; processes_personal_data=yes`` (``all``: every system;
  empty: organisation-wide, no per-system obligation).

Every problem is reported with where it is (the row number the person sees in their spreadsheet,
or the YAML entry), and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

import yaml
from django.core.exceptions import ValidationError

from apps.compliance import loader
from apps.compliance.facts import FACTS, condition_errors
from apps.compliance.models import CatalogueScope, RequirementKind

MAX_BYTES = 2 * 1024 * 1024
MAX_REPORTED = 200
HEADER_ROW = 1


@dataclass(frozen=True)
class CSVColumn:
    name: str
    required: bool
    help: str


CSV_COLUMNS = [
    CSVColumn("identifier", True, "The requirement's ID, unique in the file (e.g. POL-3.2)."),
    CSVColumn("title", True, "Its title."),
    CSVColumn("summary", False, "What it asks, in a sentence or two."),
    CSVColumn("kind", False, f"One of {', '.join(RequirementKind.values)} (default requirement)."),
    CSVColumn("parent", False, "The identifier of the section or objective it belongs to."),
    CSVColumn("binds", False, "Who it binds: provider, deployer, gpai_provider (| between)."),
    CSVColumn("blocking", False, "yes if it must be met before a deployment is approved."),
    CSVColumn(
        "applies_when",
        False,
        "The systems it applies to: fact=value|value; fact=yes … (all: every system; empty: "
        "organisation-wide).",
    ),
]
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


def _problems(messages: list[str]) -> ValidationError:
    shown = messages[:MAX_REPORTED]
    if len(messages) > MAX_REPORTED:
        shown.append(f"… and {len(messages) - MAX_REPORTED} more problems.")
    return ValidationError(shown)


def _text_of(upload) -> str:
    if upload.size > MAX_BYTES:
        raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    data = upload.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            "The file is not encoded in UTF-8: save it as UTF-8 and upload it again."
        ) from error


def read_upload(
    upload, *, framework: str = "", name: str = "", version: str = "", source: str = ""
) -> dict:
    """The catalogue document in an uploaded ``.yaml``/``.yml`` or ``.csv`` file, checked: raises
    ``ValidationError`` listing every problem (with its row or entry) if it cannot be loaded."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ValidationError("Upload a .yaml, .yml or .csv file.")
    text = _text_of(upload)
    if suffix == ".csv":
        document = read_csv(text, framework=framework, name=name, version=version, source=source)
    else:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ValidationError(f"The file is not valid YAML{where}.") from error
        if isinstance(document, dict):
            for key, value in (
                ("framework", framework),
                ("name", name),
                ("version", version),
                ("source", source),
            ):
                if value and not document.get(key):
                    document[key] = value
    problems = loader.check(document)
    if problems:
        raise _problems(problems)
    return document


_CONDITION = re.compile(r"^\s*([a-z_]+)\s*=\s*(.*?)\s*$")


def parse_condition(text: str) -> tuple[dict | None, list[str]]:
    """``fact=value|value; fact=yes`` → (conditions, problems). Empty: (None, []), organisation-
    wide; ``all``: ({}, []), every system."""
    text = (text or "").strip()
    if not text:
        return None, []
    if text.lower() in ("all", "every system", "*"):
        return {}, []
    conditions: dict = {}
    problems: list[str] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _CONDITION.match(part)
        if not match:
            problems.append(f"“{part}” is not fact=value.")
            continue
        name, raw = match.groups()
        fact = FACTS.get(name)
        if fact is None:
            problems.append(f"“{name}” is not a fact of a system.")
            continue
        if fact.is_boolean:
            word = raw.lower()
            if word not in YES | NO or word == "":
                problems.append(f"{name} is a yes/no fact: write {name}=yes or {name}=no.")
                continue
            conditions[name] = word in YES
        else:
            conditions[name] = [value.strip() for value in raw.split("|")]
    problems += condition_errors(conditions)
    return conditions, problems


def describe_condition(conditions: dict) -> str:
    if not conditions:
        return "Every AI system"
    parts = []
    for name, expected in conditions.items():
        fact = FACTS[name]
        if fact.is_boolean:
            parts.append(f"{fact.label}: {'yes' if expected else 'no'}")
        else:
            parts.append(f"{fact.label}: {' or '.join(fact.display(v) for v in expected)}")
    return "; ".join(parts)[:255]


def read_csv(text: str, *, framework: str, name: str, version: str, source: str = "") -> dict:
    """A catalogue document from a CSV file's text (see the module's notes). Raises a
    ``ValidationError`` with every row's problems."""
    problems: list[str] = []
    for label, value in (("Framework key", framework), ("Name", name), ("Version", version)):
        if not value.strip():
            problems.append(f"{label}: required for a CSV file (the file has only requirements).")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not header:
        raise ValidationError("The file is empty: it needs a header row and one row a requirement.")
    reader.fieldnames = header
    missing = [c.name for c in CSV_COLUMNS if c.required and c.name not in header]
    unknown = [h for h in header if h and h not in {c.name for c in CSV_COLUMNS}]
    if missing:
        problems.append(f"Row {HEADER_ROW}: the column(s) {', '.join(missing)} are missing.")
    if unknown:
        problems.append(
            f"Row {HEADER_ROW}: unknown column(s) {', '.join(unknown)} (expected: "
            f"{', '.join(c.name for c in CSV_COLUMNS)})."
        )
    if problems and missing:
        raise _problems(problems)
    requirements, rules = [], {}
    rows: dict[int, int] = {}  # requirement index → row number
    for number, row in enumerate(reader, start=HEADER_ROW + 1):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        if None in row:
            problems.append(f"Row {number}: more cells than the header has columns.")
            continue
        item = {
            "id": (row.get("identifier") or "").strip(),
            "title": (row.get("title") or "").strip(),
            "summary": (row.get("summary") or "").strip(),
            "kind": (row.get("kind") or "").strip().lower() or RequirementKind.REQUIREMENT,
        }
        if (row.get("parent") or "").strip():
            item["parent"] = row["parent"].strip()
        binds = [b.strip().lower() for b in (row.get("binds") or "").split("|") if b.strip()]
        item["binds"] = binds
        blocking = (row.get("blocking") or "").strip().lower()
        if blocking not in YES | NO:
            problems.append(f"Row {number}: blocking is yes or no, not “{row['blocking']}”.")
        item["blocking"] = blocking in YES
        conditions, found = parse_condition(row.get("applies_when") or "")
        problems += [f"Row {number}: applies_when: {problem}" for problem in found]
        if conditions is not None and not found and item["id"]:
            key = repr(sorted(conditions.items()))
            rules.setdefault(key, (conditions, []))[1].append(item["id"])
        rows[len(requirements)] = number
        requirements.append(item)
    if not requirements and not problems:
        problems.append("The file has no requirement rows.")
    document = {
        "framework": framework.strip(),
        "name": name.strip(),
        "version": version.strip(),
        "source": source.strip(),
        "scope": CatalogueScope.SYSTEM if rules else CatalogueScope.ORGANISATION,
        "requirements": requirements,
        "rules": [
            {
                "key": f"applies-when-{index}",
                "description": describe_condition(conditions),
                "when": conditions,
                "requirements": identifiers,
            }
            for index, (conditions, identifiers) in enumerate(rules.values(), start=1)
        ],
    }
    for problem in loader.check(document):
        problems.append(_row_of(problem, rows))
    if problems:
        raise _problems(problems)
    return document


_REQUIREMENT_WHERE = re.compile(r"^requirements\[(\d+)\](?: \([^)]*\))?: ")


def _row_of(problem: str, rows: dict[int, int]) -> str:
    """A checker's “requirements[3] (X): …” as the spreadsheet's “Row 4: …”."""
    match = _REQUIREMENT_WHERE.match(problem)
    if not match:
        return problem
    number = rows.get(int(match.group(1)) - 1)
    text = problem[match.end() :].replace("requirements[", "row [")
    return f"Row {number}: {_rows_in(text, rows)}"


def _rows_in(text: str, rows: dict[int, int]) -> str:
    return re.sub(r"row \[(\d+)\]", lambda m: f"row {rows.get(int(m.group(1)) - 1)}", text)


def csv_template() -> str:
    """A CSV file with the header and two example rows, for administrators to start from."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in CSV_COLUMNS])
    writer.writerow(
        ["POL-1", "AI use policy", "Teams follow the AI use policy.", "section", "", "", "no", ""]
    )
    writer.writerow(
        [
            "POL-1.1",
            "Privacy review before launch",
            "A system that processes personal data has a privacy review before it goes live.",
            "requirement",
            "POL-1",
            "deployer",
            "yes",
            "processes_personal_data=yes",
        ]
    )
    return out.getvalue()
