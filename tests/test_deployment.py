"""The deployment files and production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_six_services():
    assert set(compose()["services"]) == {
        "web",
        "worker",
        "worker-exports",
        "beat",
        "postgres",
        "redis",
    }


def test_app_services_share_one_image_and_the_same_database_and_broker():
    services = compose()["services"]
    apps = [services[name] for name in ("web", "worker", "worker-exports", "beat")]
    for service in apps:
        assert service["build"] == "."
        assert service["environment"] == apps[0]["environment"]
    env = apps[0]["environment"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    db = services["postgres"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@postgres:5432/{db['POSTGRES_DB']}"
    )


def test_app_services_wait_for_healthy_database_and_broker():
    for name in ("web", "worker", "worker-exports", "beat"):
        depends = compose()["services"][name]["depends_on"]
        assert depends == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }


def test_worker_and_beat_run_celery_on_the_project_app():
    services = compose()["services"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["worker-exports"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert "DatabaseScheduler" in services["beat"]["command"]


def test_web_starts_with_the_production_start_command_on_port_8000():
    """``manage.py start`` migrates, checks the static files and serves with gunicorn
    (tests/test_production_start.py)."""
    web = compose()["services"]["web"]
    assert web["command"] == "python manage.py start"
    assert "8000:8000" in web["ports"]


def test_dockerfile_collects_static_files_and_starts_with_the_start_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11" in dockerfile
    assert re.search(r"^RUN .*manage\.py collectstatic_if_changed", dockerfile, re.M)
    assert dockerfile.rstrip().endswith('CMD ["python", "manage.py", "start"]')
    assert "USER app" in dockerfile


def test_gunicorn_serves_the_project_on_port_8000_with_a_timeout_for_long_exports():
    settings = {}
    exec((ROOT / "config" / "gunicorn.py").read_text(), settings)  # noqa: S102 - our own file
    assert settings["bind"] == ["0.0.0.0:8000"]
    assert settings["timeout"] >= 120
    assert settings["accesslog"] == "-"


def test_env_example_names_no_real_secret():
    example = (ROOT / ".env.example").read_text()
    assert "SECRET_KEY=change-me" in example


def test_production_settings_pass_the_deployment_checks():
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-0123456789",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "register.example.org",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
