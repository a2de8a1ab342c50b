"""``dev.py``, the README's two commands: its arguments, the port check, what each command runs."""

import importlib.util
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def listening():
    """A port on 127.0.0.1 that something listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def commands(dev, monkeypatch):
    """The commands dev.py runs, instead of running them."""
    ran = []
    monkeypatch.setattr(dev, "run", lambda *args, env=None: ran.append([str(a) for a in args]))
    return ran


# --- Arguments ------------------------------------------------------------------------------------
def test_serve_listens_on_port_8000_of_this_machine_by_default(dev):
    options, rest = dev.parse(["serve"])
    assert (options.command, options.host, options.port, rest) == ("serve", "127.0.0.1", 8000, [])


def test_serve_takes_a_port_and_a_host(dev):
    options, _ = dev.parse(["serve", "--port", "8123", "--host", "0.0.0.0"])  # noqa: S104
    assert (options.port, options.host) == (8123, "0.0.0.0")  # noqa: S104


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http", ""])
def test_serve_refuses_what_is_not_a_port_number(dev, port, capsys):
    with pytest.raises(SystemExit) as exit_:
        dev.parse(["serve", "--port", port])
    assert exit_.value.code == 2
    assert "--port" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["serve", "--bogus"]])
def test_an_unknown_command_or_option_shows_the_usage(dev, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        dev.parse(argv)
    assert exit_.value.code == 2
    assert "usage: python3 dev.py" in capsys.readouterr().err


def test_everything_after_test_goes_to_pytest_as_given(dev):
    options, rest = dev.parse(["test", "tests/systems", "-k", "archive", "--deep", "-x"])
    assert options.command == "test"
    assert rest == ["tests/systems", "-k", "archive", "--deep", "-x"]


# --- What the test command runs -----------------------------------------------------------------
@pytest.mark.parametrize("args", [[], ["--deep"], ["--durations=50"], ["-x", "-q"]])
def test_the_whole_suite_runs_on_every_core(dev, args, monkeypatch):
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)
    command = dev.pytest_command(args)
    assert command[1:7] == ["-m", "pytest", "-n", "2", "--dist", "loadgroup"]
    assert command[7:] == args


@pytest.mark.parametrize(
    "args", [["tests/systems"], ["-k", "archive"], ["-karchive"], ["-n", "4"], ["--lf"]]
)
def test_chosen_tests_run_as_asked_in_one_process(dev, args):
    assert dev.pytest_command(args)[1:] == ["-m", "pytest", *args]


def test_at_most_four_test_processes(dev, monkeypatch):
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 16)
    assert dev.pytest_command([])[3:5] == ["-n", "4"]


def test_the_static_files_are_checked_before_the_tests_run(dev, commands):
    dev.test(["--deep"])
    assert commands[0][1:] == ["manage.py", "collectstatic_if_changed"]
    assert commands[1][1:] == [
        "-m",
        "pytest",
        "-n",
        commands[1][4],
        "--dist",
        "loadgroup",
        "--deep",
    ]


# --- Serving --------------------------------------------------------------------------------------
def test_serve_migrates_quietly_seeds_and_serves_on_the_port_asked_for(dev, commands):
    dev.serve("127.0.0.1", 8123)
    assert [command[1:3] for command in commands] == [
        ["manage.py", "migrate"],
        ["manage.py", "seed_demo"],
        ["manage.py", "runserver"],
    ]
    assert commands[0][-2:] == ["--verbosity", "0"]
    assert commands[2][-1] == "127.0.0.1:8123"


def test_a_free_port_passes_the_check(dev, listening):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    dev.check_port("127.0.0.1", free)


def test_a_port_in_use_is_named_with_a_free_one_to_use_instead(dev, listening):
    with pytest.raises(SystemExit) as exit_:
        dev.check_port("127.0.0.1", listening)
    message = str(exit_.value.code)
    assert f"Port {listening} on 127.0.0.1 is in use" in message
    suggested = int(message.rsplit("--port ", 1)[1])
    assert suggested > listening
    assert dev.port_is_free("127.0.0.1", suggested)


def test_serve_stops_before_installing_anything_when_its_port_is_in_use(
    dev, listening, monkeypatch
):
    monkeypatch.setattr(dev, "ensure_venv", lambda: pytest.fail("installed before the check"))
    with pytest.raises(SystemExit, match=f"Port {listening}"):
        dev.main(["serve", "--port", str(listening)])
