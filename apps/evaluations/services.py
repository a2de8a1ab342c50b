"""Writes of evaluations: test cases (create, edit, archive, from a library template) and
evaluation runs (ingested from JUnit XML or the JSON format).

Every rule of the data is here, whichever way it comes in (pages, the API, the library's
one-click add): a test case belongs to a risk of its own system and verifies mitigations of that
system; its key is unique within the system; a run is refused whole when its file cannot be read
(nothing is written), and each of its results is kept, mapped to a test case by key or listed as
unknown. What a run says about the mitigations is :mod:`apps.evaluations.verification`'s.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.core.validation import ErrorCollector
from apps.evaluations import parsers, permissions, verification
from apps.evaluations.models import (
    EvaluationRun,
    ResultOutcome,
    RunOutcome,
    TestCase,
    TestCaseTemplate,
    TestResult,
    normalise_tags,
)
from apps.mitigations.models import Mitigation
from apps.systems.models import AISystem

EDITABLE_FIELDS = ["risk", "key", "title", "kind", "input", "pass_criterion", "tags"]
# Runs a little ahead of the server's clock are taken as now (clocks of CI runners drift).
CLOCK_SKEW = datetime.timedelta(minutes=5)


# --- Test cases -----------------------------------------------------------------------------------
def _check_links(system: AISystem, data: dict[str, Any], mitigations: Iterable | None) -> None:
    """The risk and the mitigations are the system's own; the key has no surrounding spaces."""
    errors = ErrorCollector()
    risk = data.get("risk")
    if risk is not None and risk.system_id != system.pk:
        errors.add(
            f"A test case probes a risk of its own system; {risk.reference} belongs to another.",
            field="risk",
        )
    key = data.get("key")
    if key is not None and (not key.strip() or any(c.isspace() for c in key)):
        errors.add(
            "A key is one word the pipeline reports (letters, digits and - _ . : / allowed), "
            "without spaces.",
            field="key",
        )
    if mitigations is not None:
        foreign = [m for m in mitigations if m.system_id != system.pk]
        if foreign:
            errors.add(
                "A test case verifies mitigations of its own system only; "
                f"{', '.join(m.reference for m in foreign)} belong to another system.",
                field="mitigations",
            )
    errors.raise_if_any()


def _assign(test_case: TestCase, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of a test case: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(test_case, name, value)
    test_case.tags = normalise_tags(test_case.tags)


def check_test_case(
    *, system: AISystem, data: dict[str, Any], mitigations: Iterable | None = None
) -> None:
    """The checks that need no write (the pages ask them while their form has other errors)."""
    _check_links(system, data, mitigations)


def _checked(test_case: TestCase, data: dict[str, Any], mitigations) -> list | None:
    errors = ErrorCollector()
    mitigations = list(mitigations) if mitigations is not None else None
    with errors.check():
        _check_links(test_case.system, data, mitigations)
    _assign(test_case, data)
    with errors.check():
        test_case.full_clean(exclude=["created_by", "template", "mitigations"])
    errors.raise_if_any()
    return mitigations


@transaction.atomic
def create_test_case(
    *,
    system: AISystem,
    by,
    data: dict[str, Any],
    mitigations: Iterable = (),
    reason: str = "",
    template: TestCaseTemplate | None = None,
) -> TestCase:
    """Add a test case to one risk of ``system``."""
    refusal = permissions.why_cannot_add_test_cases(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    test_case = TestCase(system=system, created_by=by, template=template)
    mitigations = _checked(test_case, data, mitigations)
    save_with_history(test_case, by=by, reason=reason or "Added")
    if mitigations:
        test_case.mitigations.add(*mitigations)
    return test_case


@transaction.atomic
def update_test_case(
    *,
    test_case: TestCase,
    by,
    data: dict[str, Any],
    mitigations: Iterable | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> TestCase:
    """Edit a test case; ``mitigations`` replace the ones it verifies when given."""
    test_case = (
        TestCase.objects.select_for_update(of=("self",))
        .select_related("system", "system__team")
        .get(pk=test_case.pk)
    )
    refusal = permissions.why_cannot_edit_test_case(by, test_case)
    if refusal:
        raise PermissionDenied(refusal)
    data = check_version(test_case, expected_version, data)
    mitigations = _checked(test_case, data, mitigations)
    save_with_history(test_case, by=by, reason=reason or "Edited")
    if mitigations is not None and {m.pk for m in mitigations} != set(
        test_case.mitigations.values_list("pk", flat=True)
    ):
        test_case._history_user = by
        test_case._change_reason = reason or "Mitigations it verifies changed"
        test_case.mitigations.set(mitigations)
    return test_case


@transaction.atomic
def archive_test_case(*, test_case: TestCase, by, reason: str = "") -> TestCase:
    test_case = TestCase.objects.select_for_update(of=("self",)).get(pk=test_case.pk)
    refusal = permissions.why_cannot_archive_test_case(by, test_case)
    if refusal:
        raise PermissionDenied(refusal)
    if test_case.is_archived:
        raise ValidationError(f"{test_case.reference} is already archived.")
    test_case.archived_at, test_case.archived_by = timezone.now(), by
    save_with_history(test_case, by=by, reason=reason or "Archived")
    return test_case


@transaction.atomic
def restore_test_case(*, test_case: TestCase, by, reason: str = "") -> TestCase:
    test_case = TestCase.objects.select_for_update(of=("self",)).get(pk=test_case.pk)
    refusal = permissions.why_cannot_archive_test_case(by, test_case)
    if refusal:
        raise PermissionDenied(refusal)
    if not test_case.is_archived:
        raise ValidationError(f"{test_case.reference} is not archived.")
    test_case.archived_at = test_case.archived_by = None
    save_with_history(test_case, by=by, reason=reason or "Restored from the archive")
    return test_case


def _free_key(system: AISystem, key: str, taken: set[str]) -> str:
    """``key``, or ``key-2``, ``key-3``… when the system already has it."""
    candidate, number = key, 1
    while candidate in taken:
        number += 1
        candidate = f"{key}-{number}"
    taken.add(candidate)
    return candidate


def add_template_test_cases(*, risk, template, by) -> list[TestCase]:
    """The library's one-click add (:mod:`apps.library.hooks`): the template's starter test
    cases become test cases of the new risk, each verifying the risk's new mitigations of the
    kinds it names. Called inside the add's transaction."""
    starters = list(TestCaseTemplate.objects.filter(risk_template=template))
    if not starters:
        return []
    system = risk.system
    taken = set(TestCase.objects.filter(system=system).values_list("key", flat=True))
    mitigations = list(Mitigation.objects.filter(risks=risk))
    created = []
    for starter in starters:
        kinds = set(starter.verifies_kinds.split())
        created.append(
            create_test_case(
                system=system,
                by=by,
                template=starter,
                reason=f"Starter test case of the risk library ({template.key})",
                data={
                    "risk": risk,
                    "key": _free_key(system, starter.key, taken),
                    "title": starter.title,
                    "kind": starter.kind,
                    "input": starter.input,
                    "pass_criterion": starter.pass_criterion,
                    "tags": starter.tags,
                },
                mitigations=[m for m in mitigations if m.kind in kinds],
            )
        )
    return created


# --- Evaluation runs ------------------------------------------------------------------------------
def _summary(results: list[TestResult]) -> dict[str, Any]:
    counts = dict.fromkeys(ResultOutcome.values, 0)
    for result in results:
        counts[result.outcome] += 1
    executed = counts["passed"] + counts["failed"] + counts["error"]
    return {
        "total": len(results),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "errors": counts["error"],
        "skipped": counts["skipped"],
        "pass_rate": round(100 * counts["passed"] / executed, 2) if executed else None,
        "outcome": RunOutcome.FAILED if counts["failed"] or counts["error"] else RunOutcome.PASSED,
    }


def _map(system: AISystem, parsed: list[parsers.ParsedResult]) -> list[TestResult]:
    """Each result, its test case found by the first of its keys the system has."""
    known = dict(TestCase.objects.filter(system=system).values_list("key", "pk"))
    results = []
    for position, item in enumerate(parsed):
        key = next((k for k in item.keys if k in known), item.key)
        results.append(
            TestResult(
                test_case_id=known.get(key),
                key=key,
                name=item.name,
                outcome=item.outcome,
                duration_seconds=item.duration_seconds,
                message=item.message,
                position=position,
            )
        )
    return results


def read_run(
    *,
    content: bytes,
    file_name: str = "",
    source_format: str | None = None,
    model_version: str | None = None,
    suite: str | None = None,
) -> parsers.ParsedRun:
    """Parse and check a run without writing anything: every problem of the file at once, with
    the version and the limits."""
    limit = settings.EVALUATION_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError(
            {"file": f"The file is larger than {filesizeformat(limit)}: split the run."}
        )
    run = parsers.parse(content, source_format=source_format, file_name=file_name)
    errors = ErrorCollector()
    run.model_version = (model_version or "").strip() or run.model_version
    run.suite = (suite or "").strip()[:200] or run.suite or "default"
    if not run.model_version:
        errors.add("Say which version the run evaluated (model_version).", field="model_version")
    elif len(run.model_version) > 200:
        errors.add("Keep the version to 200 characters.", field="model_version")
    if len(run.results) > settings.EVALUATION_MAX_RESULTS:
        errors.add(
            f"The run has {len(run.results)} results; the register takes "
            f"{settings.EVALUATION_MAX_RESULTS} at most in one run: split it.",
            field="file",
        )
    now = timezone.now()
    if run.started_at is not None and run.started_at > now + CLOCK_SKEW:
        errors.add(
            f"The run says it started on {run.started_at.isoformat()}, in the future.",
            field="file",
        )
    errors.raise_if_any()
    if run.started_at is None or run.started_at > now:
        run.started_at = now
    return run


@transaction.atomic
def ingest_run(
    *,
    system: AISystem,
    by,
    content: bytes,
    file_name: str = "",
    source_format: str | None = None,
    model_version: str | None = None,
    suite: str | None = None,
) -> EvaluationRun:
    """Record an evaluation run of ``system`` from a JUnit XML or JSON report, all or nothing,
    and apply what it says to the mitigations its test cases verify."""
    refusal = permissions.why_cannot_upload_runs(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    parsed = read_run(
        content=content,
        file_name=file_name,
        source_format=source_format,
        model_version=model_version,
        suite=suite,
    )
    results = _map(system, parsed.results)
    run = EvaluationRun(
        system=system,
        suite=parsed.suite,
        model_version=parsed.model_version,
        source_format=parsed.source_format,
        file_name=(file_name or "")[:255],
        started_at=parsed.started_at,
        duration_seconds=parsed.duration_seconds,
        unknown_count=sum(1 for result in results if result.test_case_id is None),
        uploaded_by=by,
        **_summary(results),
    )
    save_with_history(
        run, by=by, reason=f"Reported ({run.get_source_format_display()}, {run.total} results)"
    )
    for result in results:
        result.run = run
    TestResult.objects.bulk_create(results, batch_size=1000)
    verification.apply_run(run, by=by)
    return run
