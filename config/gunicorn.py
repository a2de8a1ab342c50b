"""Gunicorn's settings for ``manage.py start`` (and the Docker image).

Command-line flags (``manage.py start --bind … --workers …``) and ``GUNICORN_CMD_ARGS`` take
precedence over these values.
"""

import os

from config.log_format import gunicorn_logging

bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# The largest streamed exports (XLSX of 100,000 risks: about 50 s) must be able to finish.
timeout = 120
accesslog = "-"
# Logs as JSON lines like the app's (config/log_format.py; LOG_FORMAT=plain for gunicorn's own
# format): gunicorn's errors to stderr, the access log to stdout.
errorlog = "-"
logconfig_dict = gunicorn_logging()
# No runtime control socket: nothing uses it, and every gunicorn of a host would share its path.
control_socket_disable = True
# Django and the app are imported by each worker (not --preload): a deploy's workers can be
# replaced one by one, and a worker never shares a database connection with another.


def post_worker_init(worker):
    """Load what the first request of a kind would otherwise wait for: WeasyPrint, its fonts and
    text layout (about 0.7 s on the first plan PDF of a worker)."""
    from apps.reviews.pdf import warm_up

    warm_up()
