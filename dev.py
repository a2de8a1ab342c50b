#!/usr/bin/env python3
"""The two commands of the README, for a fresh machine with Python 3.11.

    python3 dev.py serve   install into .venv, migrate, load the demo data, serve :8000
    python3 dev.py test    install into .venv and run the whole test suite

Both create the virtualenv ``.venv`` and install the project with its pinned dependencies when
needed (again whenever pyproject.toml changes), and write a ``.env`` with a random SECRET_KEY if
there is none. Without DATABASE_URL / REDIS_URL the app uses SQLite and runs tasks eagerly; set
them to use PostgreSQL and Redis. Extra arguments after ``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older Python
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")


def ensure_venv() -> None:
    if not PYTHON.exists():
        say(f"Creating the virtualenv in {VENV.name}/")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("Installing the project and its pinned dependencies")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def ensure_env_file() -> None:
    env_file = ROOT / ".env"
    if env_file.exists():
        return
    say("Writing .env with a random SECRET_KEY")
    env_file.write_text(
        "# Local settings; never commit this file. See README.md, Configuration.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )


def serve() -> None:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    say("Migrating the database")
    run(PYTHON, "manage.py", "migrate", "--no-input", env=env)
    say("Loading the demo organisation")
    run(PYTHON, "manage.py", "seed_demo", env=env)
    say("Serving on http://127.0.0.1:8000 (Ctrl+C to stop)")
    run(PYTHON, "manage.py", "runserver", "127.0.0.1:8000", env=env)


def test(pytest_args: list[str]) -> None:
    say("Collecting static files (tests use the production storage)")
    run(PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0")
    # The whole suite runs on every core (four processes at most; pytest-xdist, each with its own
    # test database); given arguments (a file, -k, -n …) it runs as asked. Not --dist worksteal:
    # a stolen test may then run after a transactional one has emptied the tables.
    parallel = [] if pytest_args else ["-n", str(min(4, os.cpu_count() or 1))]
    say("Running the test suite")
    run(PYTHON, "-m", "pytest", *parallel, *pytest_args)


def main(argv: list[str]) -> None:
    ensure_python()
    if not argv or argv[0] not in {"serve", "test"}:
        sys.exit(__doc__)
    ensure_venv()
    ensure_env_file()
    if argv[0] == "serve":
        serve()
    else:
        test(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
