"""Records of the review tests (on the shared ``system`` and ``risk`` of ``tests/conftest.py``):
a submitter, two more committee members, a complete checklist, and helpers that read like the
workflow."""

import pytest

from apps.core.models import Evidence
from apps.reviews import services
from apps.reviews.models import ChecklistKey, ChecklistStatus
from config import celery_app
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Notification tasks run in the test's process even where REDIS_URL is set (as in CI)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def submitter(team):
    """A contributor of ``team`` who owns nothing: submits plans."""
    return MembershipFactory(team=team, user__full_name="Sam Submitter").user


@pytest.fixture
def reviewer2(db):
    return UserFactory(is_committee_member=True, full_name="Fatima Second")


@pytest.fixture
def reviewer3(db):
    return UserFactory(is_committee_member=True, full_name="Omar Third")


def complete_checklist(system, by):
    """Every item done, each with a note as evidence."""
    for key in ChecklistKey.values:
        services.add_checklist_evidence(
            system=system, key=key, by=by, kind=Evidence.Kind.NOTE, note=f"Evidence for {key}"
        )
        services.update_checklist_item(
            system=system, key=key, by=by, status=ChecklistStatus.DONE, note="Checked."
        )


@pytest.fixture
def ready_system(system, risk, contributor):
    """A system whose plan may go to an initial deployment review."""
    complete_checklist(system, contributor)
    return system


def submit(system, by, reviewers, kind="initial"):
    return services.submit_safety_plan(system=system, by=by, kind=kind, reviewers=reviewers)


@pytest.fixture
def review(ready_system, submitter, committee_member):
    """A pending initial review of ``ready_system`` (one approval needed), one reviewer."""
    return submit(ready_system, submitter, [committee_member])
