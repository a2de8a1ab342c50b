"""The whole suite runs on several processes (``dev.py test``: pytest-xdist, ``--dist
loadgroup``), and a module whose tests share an expensive module fixture is sent whole to one
process, which sets the fixture up once (tests/conftest.py). If pytest and pytest-xdist stop
agreeing on how a group travels (pytest 9.2.0 with xdist 3.8.0: pytest-xdist#1386), nothing
fails, every worker just builds every such fixture again; this test fails instead."""

import os

import pytest


@pytest.fixture(scope="module")
def shared():
    return object()


def test_a_module_sharing_a_fixture_is_sent_whole_to_one_worker(request, shared):
    if "PYTEST_XDIST_WORKER" not in os.environ or request.config.getvalue("dist") != "no":
        pytest.skip("only a worker of a parallel run (dev.py test) groups the tests")
    if not request.config.getvalue("loadgroup"):
        pytest.skip("the tests were not distributed by group (--dist loadgroup)")
    assert request.node.nodeid.endswith(f"@{__name__}")
