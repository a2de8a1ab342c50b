"""Documents of the shared systems of ``tests/conftest.py``: ``system`` (owned by
``contributor``) and ``foreign_system`` (another team's)."""

import pytest

from tests.documentation.factories import start


@pytest.fixture
def document(system, contributor):
    """``system``'s technical documentation, started by its contributor, nothing written."""
    return start(system, contributor)


@pytest.fixture
def foreign_document(foreign_system, outsider):
    return start(foreign_system, outsider)
