#!/usr/bin/env python3
"""The two commands of the README, for a fresh machine with Python 3.11.

    python3 dev.py serve [--port 8000] [--host 127.0.0.1]
        install into .venv, migrate, load the demo data, serve http://127.0.0.1:8000
    python3 dev.py test [--deep] [pytest arguments…]
        install into .venv and run the whole test suite (or what the arguments select)

Both create the virtualenv ``.venv`` and install the project with its pinned dependencies when
needed (again whenever pyproject.toml changes), and write a ``.env`` with a random SECRET_KEY if
there is none. Without DATABASE_URL / REDIS_URL the app uses SQLite and runs tasks eagerly; set
them to use PostgreSQL and Redis.

``test`` collects the static files first when their sources changed since the last run (about a
minute; the tests use production's hashed, compressed static files), then runs pytest: the
whole suite on every core (four processes at most), or, given arguments, as they ask (a file,
``-k``, ``-x``…). ``--deep`` runs the property-based fuzzing with many more examples (nightly).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def run_quietly(*args: str | Path) -> None:
    """Run a command, showing its output only if it fails."""
    result = subprocess.run(  # noqa: S603
        [str(a) for a in args], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
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
    say("Installing the project and its pinned dependencies (a minute or two the first time)")
    run_quietly(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run_quietly(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
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


# --- serve ------------------------------------------------------------------------------------
def port_number(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1 to 65535)")
    return port


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name == "posix":  # as runserver does: a port in TIME_WAIT is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def next_free_port(host: str, port: int, tries: int = 20) -> int | None:
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if port_is_free(host, candidate):
            return candidate
    return None


def check_port(host: str, port: int) -> None:
    """Stop before migrating if the server could not listen, saying which port and what to do."""
    try:
        free = port_is_free(host, port)
    except OSError as error:
        sys.exit(f"Cannot serve on {host}:{port}: {error.strerror or error}.")
    if free:
        return
    suggestion = next_free_port(host, port)
    hint = (
        f" Port {suggestion} is free: python3 dev.py serve --port {suggestion}"
        if suggestion
        else ""
    )
    sys.exit(
        f"Port {port} on {host} is in use (another server, or another `dev.py serve`, is "
        f"listening there). Stop it, or choose another port.{hint}"
    )


def serve(host: str, port: int) -> None:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    say("Migrating the database")
    run(PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0", env=env)
    say("Loading the demo organisation")
    run(PYTHON, "manage.py", "seed_demo", env=env)
    shown = f"[{host}]" if ":" in host else host
    say(f"Serving on http://{shown}:{port} (Ctrl+C to stop)")
    run(PYTHON, "manage.py", "runserver", f"{shown}:{port}", env=env)


# --- test -------------------------------------------------------------------------------------
# Arguments that choose the tests or the processes: pytest then runs as they ask, in one process
# unless they say otherwise (starting workers costs more than a subset takes).
CHOOSING = ("-k", "-m", "-n", "--numprocesses", "-p", "--lf", "--last-failed", "--pdb", "--trace")


def runs_everything(pytest_args: list[str]) -> bool:
    """No test path and no option that chooses tests or processes (``--durations``, ``-x``,
    ``--deep``… keep the whole suite in parallel)."""
    for arg in pytest_args:
        if not arg.startswith("-") or arg.split("=", 1)[0] in CHOOSING or arg.startswith("-k"):
            return False
    return True


def pytest_command(pytest_args: list[str]) -> list[str]:
    """The whole suite on every core (four processes at most; pytest-xdist, each with its own
    test database), or what the arguments choose, as they ask. Not --dist worksteal: a stolen
    test may then run after a transactional one has emptied the tables. --dist loadgroup: the
    tests of a module with an expensive module fixture share one process (tests/conftest.py)."""
    processes = str(min(4, os.cpu_count() or 1))
    parallel = ["-n", processes, "--dist", "loadgroup"] if runs_everything(pytest_args) else []
    return [str(PYTHON), "-m", "pytest", *parallel, *pytest_args]


def test(pytest_args: list[str]) -> None:
    say("Checking the static files (the tests use production's hashed, compressed files)")
    run(PYTHON, "manage.py", "collectstatic_if_changed")
    say(
        "Running the whole test suite (about 12 minutes on 2 cores)"
        if runs_everything(pytest_args)
        else "Running the tests asked for"
    )
    command = pytest_command(pytest_args)
    run(*command)


# --- command line -----------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python3 dev.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="{serve,test}")
    serve_parser = commands.add_parser(
        "serve", help="migrate, load the demo organisation and serve the app for development"
    )
    serve_parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}"
    )
    serve_parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    commands.add_parser(
        "test",
        help="run the test suite; further arguments (and --deep) go to pytest",
        add_help=False,
    )
    return main_parser


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The command and its options; for ``test``, everything after it goes to pytest as is."""
    if argv[:1] == ["test"]:
        return argparse.Namespace(command="test"), argv[1:]
    return parser().parse_args(argv), []


def main(argv: list[str]) -> None:
    ensure_python()
    options, pytest_args = parse(argv)
    if options.command == "serve":
        check_port(options.host, options.port)  # before installing anything
    ensure_venv()
    ensure_env_file()
    if options.command == "serve":
        serve(options.host, options.port)
    else:
        test(pytest_args)


if __name__ == "__main__":
    main(sys.argv[1:])
