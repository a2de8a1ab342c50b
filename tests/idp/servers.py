"""Start the test identity providers (session-scoped fixtures) and talk to their test doors.

``oidc_provider`` and ``saml_idp`` each start their server once per test session, in a
subprocess on a free port of 127.0.0.1, and stop it at the end. A test that uses them imports
the fixtures: ``from tests.idp.servers import oidc_provider, saml_idp  # noqa: F401``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(module: str, port: int, folder: Path, ready_path: str) -> subprocess.Popen:
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 — our own module, with this interpreter
        [sys.executable, "-m", module, str(port), str(folder / "idp.sqlite3")]
        if module.endswith("oidc_provider")
        else [sys.executable, "-m", module, str(port), str(folder)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": ""},
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{module} stopped: {(folder / 'server.log').read_text()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}{ready_path}", timeout=2).ok:
                return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{module} did not start in {START_TIMEOUT_SECONDS} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class OIDCProvider:
    base: str

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    def set_user(self, username: str, password: str, **claims) -> None:
        data = {"username": username, "password": password, **claims}
        requests.post(f"{self.base}/_test/user", json=data, timeout=10).raise_for_status()

    def set_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        data = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": redirect_uris,
        }
        requests.post(f"{self.base}/_test/client", json=data, timeout=10).raise_for_status()


@dataclass
class SAMLIdP:
    base: str
    certificate: str  # PEM

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.base}/sso/redirect"

    def set_user(self, username: str, password: str, **attributes) -> None:
        data = {"username": username, "password": password, **attributes}
        requests.post(f"{self.base}/_test/user", json=data, timeout=10).raise_for_status()

    def trust_service_provider(self, metadata: str) -> None:
        requests.post(
            f"{self.base}/_test/sp", json={"metadata": metadata}, timeout=30
        ).raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider():
    folder = Path(tempfile.mkdtemp(prefix="test-oidc-"))
    port = free_port()
    process = _start("tests.idp.oidc_provider", port, folder, "/o/.well-known/openid-configuration")
    yield OIDCProvider(base=f"http://127.0.0.1:{port}")
    _stop(process)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def saml_idp():
    if not shutil.which("xmlsec1"):
        pytest.skip("pysaml2's IdP signs with the xmlsec1 program: apt-get install xmlsec1")
    folder = Path(tempfile.mkdtemp(prefix="test-saml-"))
    port = free_port()
    process = _start("tests.idp.saml_idp", port, folder, "/metadata")
    yield SAMLIdP(base=f"http://127.0.0.1:{port}", certificate=(folder / "idp.crt").read_text())
    _stop(process)
    shutil.rmtree(folder, ignore_errors=True)
