"""Reading an evaluation run: JUnit XML, or the register's JSON format.

Both become a :class:`ParsedRun` (its results, suite, version, start and duration); nothing is
written here. A file that cannot be read is a ``ValidationError`` that says what is wrong and
where (a line and column, or ``results[3].outcome``), every problem at once up to a limit.

**JUnit XML** is what most CI tools and test runners write (pytest ``--junitxml``, Jest, Maven
Surefire, promptfoo…): ``<testsuites>`` or ``<testsuite>``, each ``<testcase name= classname=
time=>`` passing unless it holds ``<failure>``, ``<error>`` or ``<skipped>``. A result names its
test case by a ``<property name="test_case" value="…">`` of the testcase when there is one, else
by its ``name`` (or ``classname.name``). It is parsed with defusedxml, DTDs forbidden: no entity
expansion, no external entity, no network.

**The JSON format** (``application/json``)::

    {
      "model_version": "support-llm-2026-11",       the version evaluated (or in the form)
      "suite": "nightly red-team",                   optional; "default"
      "started_at": "2026-11-30T02:00:00Z",          optional, ISO 8601; when it was received
      "duration_seconds": 183.4,                     optional; the sum of the results'
      "results": [                                   at least one
        {"test_case": "prompt-injection-ignore-instructions",
         "outcome": "passed",                        passed, failed, error or skipped
         "name": "…", "duration_seconds": 1.2,       optional
         "message": "…"}                             optional: why it failed
      ]
    }

(``"system": "SYS-0042"`` too when it is posted to the API as the request's body.)
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.evaluations.models import ResultOutcome, RunFormat

MAX_ERRORS = 20  # problems listed at most; the rest are counted
MESSAGE_LENGTH = 4000
NAME_LENGTH = 500
KEY_LENGTH = 255
# The property of a JUnit testcase that names its test case, when its name does not.
KEY_PROPERTIES = ("test_case", "test-case", "testcase", "key")
OUTCOMES = ", ".join(ResultOutcome.values)


@dataclass
class ParsedResult:
    keys: list[str]  # the test case keys it may name, best first
    name: str
    outcome: str
    duration_seconds: float | None = None
    message: str = ""

    @property
    def key(self) -> str:
        return self.keys[0]


@dataclass
class ParsedRun:
    source_format: str
    results: list[ParsedResult] = field(default_factory=list)
    suite: str = ""
    model_version: str = ""
    started_at: datetime.datetime | None = None
    duration_seconds: float | None = None


class Problems:
    """The problems found in one file, by field: raised together."""

    def __init__(self, field_name: str):
        self.field = field_name
        self.messages: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(message)

    def raise_if_any(self) -> None:
        if not self.count:
            return
        messages = list(self.messages)
        if self.count > len(messages):
            messages.append(f"… and {self.count - len(messages)} more problems.")
        raise ValidationError({self.field: messages})


def _fail(field_name: str, message: str):
    raise ValidationError({field_name: [message]})


def detect_format(content: bytes, file_name: str = "") -> str:
    """JUnit XML or JSON, from the file's name, else from its first character."""
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix == ".xml":
        return RunFormat.JUNIT
    if suffix == ".json":
        return RunFormat.JSON
    start = content.lstrip()[:1]
    if start == b"<":
        return RunFormat.JUNIT
    if start in (b"{", b"["):
        return RunFormat.JSON
    _fail(
        "file",
        "The file is neither JUnit XML nor the JSON format of an evaluation run: upload the "
        "report your pipeline writes (a .xml or .json file).",
    )


def parse(content: bytes, *, source_format: str | None = None, file_name: str = "") -> ParsedRun:
    """The run in ``content`` (bytes of a file or of a request's body)."""
    if not content.strip():
        _fail("file", "The file is empty.")
    source_format = source_format or detect_format(content, file_name)
    if source_format == RunFormat.JUNIT:
        return parse_junit(content)
    if source_format == RunFormat.JSON:
        return parse_json(content)
    _fail("format", f"Unknown format “{source_format}”: junit or json.")


# --- Shared pieces --------------------------------------------------------------------------------
def _seconds(text, where: str, problems: Problems) -> float | None:
    if text in (None, ""):
        return None
    try:
        value = float(str(text).replace(",", "")) if isinstance(text, str) else float(text)
    except (TypeError, ValueError):
        problems.add(f"{where}: “{text}” is not a number of seconds.")
        return None
    if not math.isfinite(value) or value < 0:
        problems.add(f"{where}: “{text}” is not a number of seconds.")
        return None
    return value


def _moment(text, where: str, problems: Problems) -> datetime.datetime | None:
    """An ISO 8601 date-time; one without an offset is UTC (JUnit's timestamps have none)."""
    if text in (None, ""):
        return None
    try:
        moment = parse_datetime(str(text).strip())
    except ValueError:
        moment = None
    if moment is None:
        problems.add(
            f"{where}: “{text}” is not a date and time (ISO 8601, e.g. 2026-11-30T02:00:00Z)."
        )
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _text(value, length: int) -> str:
    return str(value or "").strip()[:length]


def _keys(*candidates: str) -> list[str]:
    keys = []
    for candidate in candidates:
        candidate = (candidate or "").strip()[:KEY_LENGTH]
        if candidate and candidate not in keys:
            keys.append(candidate)
    return keys


# --- JUnit XML ------------------------------------------------------------------------------------
def _local(tag) -> str:
    """The element's name without a namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _junit_root(content: bytes):
    try:
        return SafeElementTree.fromstring(content, forbid_dtd=True)
    except DTDForbidden:
        _fail(
            "file",
            "The XML file declares a document type (<!DOCTYPE …>): JUnit reports need none, and "
            "the register refuses it for safety.",
        )
    except EntitiesForbidden:
        _fail("file", "The XML file declares entities: the register refuses them for safety.")
    except DefusedXmlException:
        _fail("file", "The XML file refers to external resources: the register refuses them.")
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        where = f" (line {line}, column {column + 1})" if line else ""
        reason = str(error).split(":", 1)[0]
        _fail("file", f"The file is not well-formed XML{where}: {reason}.")


def parse_junit(content: bytes) -> ParsedRun:
    root = _junit_root(content)
    name = _local(root.tag)
    if name not in ("testsuites", "testsuite"):
        _fail(
            "file",
            f"The XML file is not a JUnit report: its root element is <{name}>, not "
            "<testsuites> or <testsuite>.",
        )
    problems = Problems("file")
    suites = (
        [root] if name == "testsuite" else [s for s in root.iter() if _local(s.tag) == "testsuite"]
    )
    run = ParsedRun(source_format=RunFormat.JUNIT)
    run.suite = _text(root.get("name"), 200) or next(
        (_text(s.get("name"), 200) for s in suites if s.get("name")), ""
    )
    starts = [
        moment
        for index, suite in enumerate(suites, start=1)
        if (moment := _moment(suite.get("timestamp"), f"testsuite {index}: timestamp", problems))
    ]
    run.started_at = min(starts) if starts else None
    run.duration_seconds = _seconds(root.get("time"), f"<{name}> time", problems)
    if run.duration_seconds is None and name == "testsuites":
        times = [_seconds(s.get("time"), "testsuite time", problems) for s in suites]
        known = [time for time in times if time is not None]
        run.duration_seconds = sum(known) if known else None
    for position, case in enumerate((e for e in root.iter() if _local(e.tag) == "testcase"), 1):
        case_name = (case.get("name") or "").strip()
        classname = (case.get("classname") or "").strip()
        if not case_name:
            problems.add(
                f"testcase {position} has no name: the register cannot tell which test "
                "case it reports."
            )
            continue
        key_property = ""
        for properties in _children(case, "properties"):
            for prop in _children(properties, "property"):
                if (prop.get("name") or "").strip().lower() in KEY_PROPERTIES:
                    key_property = prop.get("value") or (prop.text or "")
        outcome, message = ResultOutcome.PASSED, ""
        for tag, result in (
            ("error", ResultOutcome.ERROR),
            ("failure", ResultOutcome.FAILED),
            ("skipped", ResultOutcome.SKIPPED),
        ):
            found = _children(case, tag)
            if found:
                element = found[0]
                outcome = result
                parts = [element.get("message") or "", (element.text or "").strip()]
                message = "\n".join(part for part in parts if part)
                break
        run.results.append(
            ParsedResult(
                keys=_keys(
                    key_property,
                    case_name,
                    f"{classname}.{case_name}" if classname else "",
                    f"{classname}::{case_name}" if classname else "",
                ),
                name=_text(f"{classname}.{case_name}" if classname else case_name, NAME_LENGTH),
                outcome=outcome,
                duration_seconds=_seconds(
                    case.get("time"), f"testcase “{case_name}”: time", problems
                ),
                message=message[:MESSAGE_LENGTH],
            )
        )
    problems.raise_if_any()
    if not run.results:
        _fail("file", "The JUnit report holds no test case result (<testcase>).")
    if run.duration_seconds is None:
        known = [r.duration_seconds for r in run.results if r.duration_seconds is not None]
        run.duration_seconds = sum(known) if known else None
    return run


# --- The JSON format ------------------------------------------------------------------------------
def parse_json(content: bytes) -> ParsedRun:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("file", "The JSON file is not UTF-8 text.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        _fail(
            "file",
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}.",
        )
    return parse_document(document)


def parse_document(document) -> ParsedRun:
    """A run in the JSON format, already decoded (an API request's body)."""
    if not isinstance(document, dict):
        _fail(
            "file",
            "The JSON document is not an object with the run's results: see the "
            "format in the README.",
        )
    problems = Problems("results")
    header = Problems("file")
    run = ParsedRun(source_format=RunFormat.JSON)
    run.suite = _text(document.get("suite"), 200)
    run.model_version = _text(document.get("model_version"), 200)
    run.started_at = _moment(document.get("started_at"), "started_at", header)
    run.duration_seconds = _seconds(document.get("duration_seconds"), "duration_seconds", header)
    results = document.get("results")
    if not isinstance(results, list) or not results:
        header.add("results: the run's results are missing (a list of at least one result).")
        header.raise_if_any()
    header.raise_if_any()
    for index, item in enumerate(results):
        where = f"results[{index}]"
        if not isinstance(item, dict):
            problems.add(f"{where}: not an object with test_case and outcome.")
            continue
        key = item.get("test_case")
        if not isinstance(key, str) or not key.strip():
            problems.add(f"{where}.test_case: name the test case (its key).")
            continue
        outcome = item.get("outcome")
        if outcome not in ResultOutcome.values:
            problems.add(f"{where}.outcome: “{outcome}” is not one of {OUTCOMES}.")
            continue
        message = item.get("message") or ""
        run.results.append(
            ParsedResult(
                keys=_keys(key),
                name=_text(item.get("name") or key, NAME_LENGTH),
                outcome=outcome,
                duration_seconds=_seconds(
                    item.get("duration_seconds"), f"{where}.duration_seconds", problems
                ),
                message=str(message)[:MESSAGE_LENGTH],
            )
        )
    problems.raise_if_any()
    if run.duration_seconds is None:
        known = [r.duration_seconds for r in run.results if r.duration_seconds is not None]
        run.duration_seconds = sum(known) if known else None
    return run
