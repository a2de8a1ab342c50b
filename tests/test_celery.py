"""The Celery app: eager without Redis, a real broker with it."""

from django.conf import settings

from config import celery_app


def test_celery_reads_django_settings():
    assert celery_app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL


def test_tasks_run_eagerly_exactly_when_no_redis_is_configured():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL == settings.REDIS_URL


def test_acks_late_so_a_killed_worker_does_not_lose_a_task():
    assert celery_app.conf.task_acks_late is True
