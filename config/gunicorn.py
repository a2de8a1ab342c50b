"""Gunicorn's settings for ``manage.py start`` (and the Docker image).

Command-line flags (``manage.py start --bind … --workers …``) and ``GUNICORN_CMD_ARGS`` take
precedence over these values.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from config.log_format import gunicorn_logging

_own_metrics_dir: list[str] = []

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
    from apps.core.pdf import warm_up

    warm_up()


def on_starting(server):
    """/metrics adds up the figures of every worker process of this server (apps.core.metrics):
    each writes them to files in ``PROMETHEUS_MULTIPROC_DIR``, set here before the workers fork
    and import prometheus_client (which reads it at import). Without one given, each server
    makes its own and removes it when it stops, so two servers on one machine never mix their
    figures; one given starts without the files of processes now gone (a restarted server would
    otherwise count its predecessor's requests again)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _own_metrics_dir.append(tempfile.mkdtemp(prefix="arr-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir[0]
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if not (pid.isdigit() and _alive(int(pid))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def child_exit(server, worker):
    """A worker that exits leaves its counters (they still count) but not its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    for directory in _own_metrics_dir:
        with contextlib.suppress(OSError):
            shutil.rmtree(directory)
