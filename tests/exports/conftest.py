"""Fixtures of the export tests: files in a folder of the test's own, tasks run at once."""

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager_tasks():
    """Tasks queued by a page run at once, in the test, even when REDIS_URL is set.

    For tests of pages that queue a task; the worker itself is tested in test_tasks.
    """
    from config import celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
