"""Evaluation reports as pipelines write them, for the tests: JUnit XML and the JSON format."""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr


def junit(*cases, suite="nightly red-team", timestamp="2026-11-30T02:00:00", time="12.5") -> bytes:
    """A JUnit report; each case is ``(name, outcome)`` or ``(name, outcome, classname)``,
    outcome one of passed, failed, error, skipped."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr(suite)} time="{time}">',
        f'  <testsuite name={quoteattr(suite)} timestamp="{timestamp}" tests="{len(cases)}">',
    ]
    for case in cases:
        name, outcome, classname = (*case, "")[:3]
        attrs = f'name={quoteattr(name)} time="0.5"'
        if classname:
            attrs += f" classname={quoteattr(classname)}"
        body = {
            "passed": "",
            "failed": '<failure message="The reply contained the canary.">CANARY-7F3A</failure>',
            "error": '<error message="Timed out after 30 s"/>',
            "skipped": "<skipped/>",
        }[outcome]
        lines.append(f"    <testcase {attrs}>{body}</testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines).encode()


def json_report(
    *results, model_version="support-llm-2026-11", suite="nightly red-team", **extra
) -> bytes:
    """The JSON format; each result is ``(test_case, outcome)``."""
    return json.dumps(
        json_document(*results, model_version=model_version, suite=suite, **extra)
    ).encode()


def json_document(
    *results, model_version="support-llm-2026-11", suite="nightly red-team", **extra
) -> dict:
    document = {
        "model_version": model_version,
        "suite": suite,
        "results": [{"test_case": key, "outcome": outcome} for key, outcome in results],
        **extra,
    }
    if model_version is None:
        del document["model_version"]
    return document
