"""How hard the property-based tests (hypothesis, schemathesis) try.

The default run tries a few examples of each property, enough to catch a regression in seconds;
``--deep`` (``python3 dev.py test --deep``, CI's nightly run) tries many more. Each test names
both numbers: ``@settings(max_examples=examples(default=10, deep=50), ...)``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

DEEP = False  # set from the command line by tests/conftest.py (pytest_configure)

# Both profiles: no deadline (a request through the whole stack varies with the machine's load),
# and no example database (the examples that failed are printed; CI has no state to keep them).
COMMON = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}
settings.register_profile("default", **COMMON)
settings.register_profile("deep", **COMMON, max_examples=500)


def configure(*, deep: bool) -> None:
    global DEEP  # set once per process, before any test is collected
    DEEP = deep
    settings.load_profile("deep" if deep else "default")


def examples(*, default: int, deep: int) -> int:
    return deep if DEEP else default
