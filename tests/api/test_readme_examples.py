"""The README's API client example runs as written (curl and a shell) against a live server."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from apps.accounts.services import create_token
from apps.risks.models import Risk

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(marker: str) -> str:
    """The README's ``sh`` code block that contains ``marker``."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    return next(block for block in blocks if marker in block)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readmes_example_of_a_change_reads_the_etag_and_sends_it_back(
    live_server, risk, contributor
):
    _, token = create_token(user=contributor, name="README example")
    script = (
        readme_block("If-Match: $ETAG")
        .replace("http://127.0.0.1:8000", live_server.url)
        .replace("RSK-0107", risk.reference)
    )
    ran = subprocess.run(  # noqa: S603 (bash, our README's own lines)
        [shutil.which("bash"), "-euo", "pipefail", "-c", script],
        env=os.environ | {"TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["status"] == "treated" and answer["version"] == 2
    saved = Risk.objects.get(pk=risk.pk)
    assert saved.status == "treated"
    assert saved.history.order_by("-history_id").first().history_change_reason == (
        "Output filter deployed"
    )
