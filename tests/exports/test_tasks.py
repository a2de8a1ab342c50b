"""How export jobs run: beat's schedule, the Celery tasks, a real worker, the administration."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.exports import tasks
from apps.exports.models import ExportStatus
from apps.exports.services import start_export
from config import celery_app
from tests.factories import AISystemFactory, MembershipFactory, RiskFactory
from tests.reminders.test_concurrency import needs_redis, real_worker, wait_for


@pytest.mark.django_db
def test_beat_deletes_expired_exports_every_hour():
    task = PeriodicTask.objects.get(name="Delete expired exports")

    assert task.task == tasks.delete_expired_exports.name == "exports.delete_expired_exports"
    assert (task.crontab.minute, task.crontab.hour) == ("15", "*")


@pytest.mark.parametrize("name", ["exports.run_export", "exports.delete_expired_exports"])
def test_the_worker_knows_every_scheduled_task(name):
    celery_app.loader.import_default_modules()
    assert name in celery_app.tasks
    task = celery_app.tasks[name]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


@pytest.mark.django_db
def test_administrator_opens_the_export_jobs_admin_page(client_for):
    response = client_for("administrator").get(reverse("admin:exports_exportjob_changelist"))
    assert response.status_code == 200


@needs_redis
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_job_runs_on_a_real_worker():
    member = MembershipFactory(role="viewer")
    for n in range(3):
        RiskFactory(system=AISystemFactory(team=member.team), title=f"Risk {n}")
    RiskFactory(title="Another team's risk")
    previous = celery_app.conf.task_routes
    try:
        with real_worker() as queue:
            # Where the outbox's relay and the export's task go (normally their own queues).
            celery_app.conf.task_routes = {"*": {"queue": queue}}
            celery_app.amqp.flush_routes()
            celery_app.amqp.__dict__.pop("router", None)
            job = start_export(user=member.user, kind="register_xlsx")  # queued on commit
            wait_for(lambda: job.refresh_from_db() or job.is_finished)
    finally:
        celery_app.conf.task_routes = previous
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)

    assert (job.status, job.progress, job.row_count) == (ExportStatus.DONE, 100, 3)
    assert job.file.storage.exists(job.file.name)
