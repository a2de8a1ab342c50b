"""Celery's queues: the sweep, notifications, exports and monitoring intake each have their own,
so that a large export never delays an e-mail, and docker-compose's workers consume them all."""

from __future__ import annotations

import uuid

import pytest
import yaml
from celery import Celery
from django.conf import settings

from config import celery_app
from tests.test_deployment import ROOT

EXPECTED = {
    "core.relay_outbox": "notifications",  # e-mails and hand-overs of the outbox
    "reminders.daily_sweep": "sweep",
    "exports.run_export": "exports",
    "exports.delete_expired_exports": "exports",
}


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def our_tasks() -> list[str]:
    celery_app.loader.import_default_modules()
    # Not Celery's own, nor the probes that other test modules register.
    return sorted(name for name in celery_app.tasks if not name.startswith(("celery.", "tests.")))


@pytest.mark.parametrize(("task", "queue"), sorted(EXPECTED.items()))
def test_each_kind_of_work_goes_to_its_own_queue(task, queue):
    assert task in our_tasks()
    assert queue_of(task) == queue


def test_monitoring_intake_has_a_queue_of_its_own():
    assert queue_of("monitoring.evaluate_metrics") == "monitoring"


def test_a_task_without_a_route_goes_to_the_default_queue():
    assert queue_of("someone.elses_task") == settings.CELERY_TASK_DEFAULT_QUEUE == "celery"


def test_the_compose_workers_consume_every_queue_and_exports_apart():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    def queues(service: str) -> set[str]:
        command = services[service]["command"].split()
        return set(command[command.index("-Q") + 1].split(","))

    assert queues("worker") | queues("worker-exports") == set(settings.WORKER_QUEUES)
    assert queues("worker-exports") == {"exports"}
    assert {queue_of(task) for task in our_tasks()} <= set(settings.WORKER_QUEUES)


def test_every_task_is_acknowledged_only_when_done_and_handed_back_if_its_worker_dies():
    for name in our_tasks():
        task = celery_app.tasks[name]
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: a real broker")
def test_an_export_and_an_e_mail_wait_in_separate_queues_of_the_broker():
    """Published to a Redis database of the test's own (no worker consumes it)."""
    import redis

    database = 15
    url = settings.REDIS_URL.rsplit("/", 1)[0] + f"/{database}"
    app = Celery(f"queues-{uuid.uuid4().hex}", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, task_always_eager=False)
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    try:
        app.send_task("exports.run_export", args=[0])
        app.send_task("core.relay_outbox")
        assert broker.llen("exports") == 1
        assert broker.llen("notifications") == 1
        assert broker.llen("celery") == 0
    finally:
        broker.flushdb()
        app.close()
