"""Reading evaluation reports: JUnit XML and the JSON format, including malformed files."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.evaluations import parsers
from tests.evaluations.reports import json_report, junit


def messages(error: ValidationError) -> list[str]:
    return [message for field_messages in error.message_dict.values() for message in field_messages]


# --- JUnit XML ------------------------------------------------------------------------------------
def test_a_junit_report_gives_each_testcase_with_its_outcome():
    run = parsers.parse(
        junit(("a", "passed"), ("b", "failed"), ("c", "error"), ("d", "skipped")),
        file_name="report.xml",
    )

    assert run.source_format == "junit"
    assert [(r.key, r.outcome) for r in run.results] == [
        ("a", "passed"),
        ("b", "failed"),
        ("c", "error"),
        ("d", "skipped"),
    ]
    assert run.results[1].message.startswith("The reply contained the canary.")


def test_a_junit_report_gives_its_suite_start_and_duration():
    run = parsers.parse(junit(("a", "passed"), suite="red-team", timestamp="2026-11-30T02:00:00"))

    assert run.suite == "red-team"
    assert run.started_at == datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)
    assert run.duration_seconds == 12.5


def test_a_junit_testcase_names_its_test_case_by_property_first():
    content = b"""<testsuite name="s"><testcase name="test_probe[3]" classname="tests.probes">
      <properties><property name="test_case" value="prompt-injection-ignore-instructions"/>
      </properties></testcase></testsuite>"""

    result = parsers.parse(content).results[0]

    assert result.keys == [
        "prompt-injection-ignore-instructions",
        "test_probe[3]",
        "tests.probes.test_probe[3]",
        "tests.probes::test_probe[3]",
    ]


def test_a_junit_report_may_be_a_single_testsuite_with_a_namespace():
    content = (
        b"""<ns:testsuite xmlns:ns="urn:x" name="one"><ns:testcase name="a"/></ns:testsuite>"""
    )

    run = parsers.parse(content, source_format="junit")

    assert [r.key for r in run.results] == ["a"]
    assert run.suite == "one"


def test_malformed_xml_says_where_it_breaks():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b"<testsuites>\n  <testsuite name='x'>\n</testsuites>", file_name="r.xml")

    assert refused.value.message_dict["file"] == [
        "The file is not well-formed XML (line 3, column 3): mismatched tag."
    ]


@pytest.mark.parametrize(
    "payload",
    [
        # An external entity (XXE) reading a local file.
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<testsuite name="s"><testcase name="&x;"/></testsuite>',
        # Entity expansion (a "billion laughs").
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<testsuite name="s"><testcase name="&b;"/></testsuite>',
        # A DTD fetched from the network.
        b'<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "http://example.invalid/x.dtd">'
        b'<testsuite name="s"><testcase name="a"/></testsuite>',
    ],
    ids=["external-entity", "entity-expansion", "external-dtd"],
)
def test_xml_with_a_document_type_is_refused_for_safety(payload):
    with pytest.raises(ValidationError) as refused:
        parsers.parse(payload, file_name="report.xml")

    assert "document type" in messages(refused.value)[0]
    assert "root:" not in str(refused.value)


def test_an_xml_file_that_is_not_junit_is_refused():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b"<html><body>Hello</body></html>", file_name="page.xml")

    assert messages(refused.value) == [
        "The XML file is not a JUnit report: its root element is <html>, not <testsuites> or "
        "<testsuite>."
    ]


def test_a_junit_report_without_results_is_refused():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b'<testsuites><testsuite name="empty"/></testsuites>')

    assert "holds no test case result" in messages(refused.value)[0]


def test_every_problem_of_a_junit_report_is_listed_at_once():
    content = b"""<testsuite name="s" timestamp="yesterday">
      <testcase classname="x"/><testcase name="b" time="fast"/></testsuite>"""

    with pytest.raises(ValidationError) as refused:
        parsers.parse(content)

    assert messages(refused.value) == [
        "testsuite 1: timestamp: “yesterday” is not a date and time (ISO 8601, e.g. "
        "2026-11-30T02:00:00Z).",
        "testcase 1 has no name: the register cannot tell which test case it reports.",
        "testcase “b”: time: “fast” is not a number of seconds.",
    ]


# --- The JSON format ------------------------------------------------------------------------------
def test_a_json_report_gives_its_results_version_and_suite():
    run = parsers.parse(
        json_report(("a", "passed"), ("b", "failed"), started_at="2026-11-30T02:00:00+01:00"),
        file_name="run.json",
    )

    assert run.source_format == "json"
    assert [(r.key, r.outcome) for r in run.results] == [("a", "passed"), ("b", "failed")]
    assert (run.model_version, run.suite) == ("support-llm-2026-11", "nightly red-team")
    assert run.started_at == datetime.datetime(2026, 11, 30, 1, 0, tzinfo=datetime.UTC)


def test_a_json_report_sums_its_results_durations_when_it_gives_none():
    content = (
        b'{"model_version": "v1", "results": [{"test_case": "a", "outcome": "passed", '
        b'"duration_seconds": 1.5}, {"test_case": "b", "outcome": "passed", '
        b'"duration_seconds": 2}]}'
    )

    assert parsers.parse(content).duration_seconds == 3.5


def test_invalid_json_says_where_it_breaks():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b'{"results": [\n  {"test_case": "a",,}]}', file_name="run.json")

    assert messages(refused.value) == [
        "The file is not valid JSON (line 2, column 21): Expecting property name enclosed in "
        "double quotes."
    ]


def test_every_bad_result_of_a_json_report_is_listed_at_once():
    content = json_report(("a", "ok"), ("", "passed"), ("c", "passed"), ("d", None))

    with pytest.raises(ValidationError) as refused:
        parsers.parse(content)

    assert refused.value.message_dict["results"] == [
        "results[0].outcome: “ok” is not one of passed, failed, error, skipped.",
        "results[1].test_case: name the test case (its key).",
        "results[3].outcome: “None” is not one of passed, failed, error, skipped.",
    ]


def test_a_json_report_without_results_is_refused():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b'{"model_version": "v1", "results": []}')

    assert "the run's results are missing" in messages(refused.value)[0]


def test_a_json_list_is_not_a_run():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b"[1, 2]", file_name="run.json")

    assert "not an object with the run's results" in messages(refused.value)[0]


def test_a_file_in_neither_format_is_refused():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b"name,outcome\na,passed\n", file_name="run.csv")

    assert "neither JUnit XML nor the JSON format" in messages(refused.value)[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        parsers.parse(b"  \n", file_name="run.json")

    assert messages(refused.value) == ["The file is empty."]


def test_too_many_problems_are_counted_not_all_listed():
    content = json_report(*[(f"k{n}", "bad") for n in range(25)])

    with pytest.raises(ValidationError) as refused:
        parsers.parse(content)

    listed = refused.value.message_dict["results"]
    assert len(listed) == parsers.MAX_ERRORS + 1
    assert listed[-1] == "… and 5 more problems."
