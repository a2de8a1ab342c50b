"""Browser journeys: Playwright drives Debian's Chromium against a live server.

Playwright's own browser download does not work on our machines, so the journeys use the system
Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``); without one they are skipped with the reason.
Screenshots of the key pages land in ``test-artifacts/e2e/`` (git-ignored) for a look after a run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.idp.servers import oidc_provider, saml_idp  # noqa: F401 (the single sign-on journey's)

# Playwright's sync API runs an event loop in the test's thread; the ORM calls that the test makes
# around it (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "journey-password-1"


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, serving static files as production does.

    Its default handler finds static files in the apps' folders by their plain names, but pages
    (with production's manifest storage) ask for the hashed names that collectstatic wrote to
    STATIC_ROOT: serve STATIC_ROOT, like WhiteNoise in the container.
    """
    from django.contrib.staticfiles import handlers
    from django.test.testcases import _StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    finder_handler = handlers.StaticFilesHandler
    handlers.StaticFilesHandler = _StaticFilesHandler
    try:
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    finally:
        handlers.StaticFilesHandler = finder_handler
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _tasks_run_and_cache_is_own(settings):
    """What a worker would do happens at once, so a journey sees the notifications people get
    (even where REDIS_URL points Celery at a broker with no worker); and cached pages and PDFs
    live under this run's own key prefix, so that another database on the same Redis (records
    with the same primary keys) never serves its PDF here."""
    from config import celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"e2e-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }
    yield
    celery_app.conf.task_always_eager = eager


def serialized_contents() -> dict[str, str]:
    """The database snapshot each connection took at setup for ``serialized_rollback``."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


def restore_serialized_contents(snapshots: dict[str, str]) -> None:
    """Playwright's sync API switches this thread to a new context, in which Django opens new
    connection objects without the snapshot; ``serialized_rollback`` would then silently restore
    nothing after an earlier transactional test's flush. Hand the snapshot over."""
    from django.db import connections

    for alias, contents in snapshots.items():
        connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's chromium to run the journeys.")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    snapshots = serialized_contents()
    with sync_playwright() as playwright:
        restore_serialized_contents(snapshots)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def where(location: dict) -> str:
    return f"{location.get('url', '?')}:{location.get('lineNumber', '?')}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so that fixtures know whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_as(browser, live_server, request):
    """``page = open_as(user)``: a fresh browser context signed in as that person.

    When the journey fails, each person's page is saved as ``failed-<test>-<n>.png``."""
    contexts = []

    def sign_in(user):
        user.set_password(PASSWORD)
        user.save()
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(f"{message.text} (at {where(message.location)})")
                if message.type == "error"
                else None
            ),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield sign_in
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts, start=1):
        if report is not None and report.failed:
            for page in context.pages:
                screenshot(page, f"failed-{request.node.name}-{number}")
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot of what the person sees, for a look after the run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # caret="initial": hiding the caret leaves style="" on every input, which htmx then copies
    # while settling a swap, and the Content-Security-Policy (no inline style) reports that.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


def assert_page_is_whole(page):
    """The page's own CSS and JavaScript loaded (no broken asset) and nothing failed in it."""
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('.navbar')).display !== 'block'"
    ), "Bootstrap's CSS did not load"
    assert page.evaluate("() => typeof window.htmx === 'object'"), "htmx did not load"
    assert not page.console_errors, page.console_errors
