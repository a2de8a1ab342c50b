"""The Celery application.

With ``REDIS_URL`` set, tasks go through Redis to a worker and periodic jobs come from Celery beat
(schedules stored by django-celery-beat, visible in the admin). Without it, settings make tasks
run eagerly in the calling process, so the app needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("risk_register")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
