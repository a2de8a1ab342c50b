"""The README's pipeline example runs as written (curl and a shell) against a live server: it
posts the evaluation run, then asks the deployment gate, and stops the pipeline when refused."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from apps.accounts.services import create_token
from apps.evaluations.models import EvaluationRun
from apps.systems.models import AISystem
from tests.evaluations.reports import junit
from tests.factories import TestCaseFactory
from tests.systems.approvals import approved, only_gate_checks_below

README = Path(__file__).resolve().parents[2] / "README.md"


def pipeline_script(live_server, system) -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    block = next(block for block in blocks if "/gate/?version=" in block)
    assert len(block.strip().splitlines()) == 5, "the README promises a five-line example"
    return block.replace("http://127.0.0.1:8000", live_server.url).replace(
        "SYS-0042", system.reference
    )


def run(script, tmp_path, token, version):
    return subprocess.run(  # noqa: S603 (bash, our README's own lines)
        [shutil.which("bash"), "-uo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=os.environ | {"TOKEN": token, "MODEL_VERSION": version},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readmes_pipeline_posts_its_run_and_the_gate_stops_a_failing_one(
    live_server, system, risk, contributor, committee_member, tmp_path, monkeypatch
):
    only_gate_checks_below(monkeypatch)  # monitoring and compliance test theirs
    AISystem.objects.filter(pk=system.pk).update(model_version="llm-2026-10")
    approved(system, submitter=contributor, reviewer=committee_member)
    probe = TestCaseFactory(risk=risk, key="prompt-injection-ignore-instructions")
    _, token = create_token(user=contributor, name="deploy pipeline")
    script = pipeline_script(live_server, system)
    (tmp_path / "reports").mkdir()
    report = tmp_path / "reports" / "red-team.xml"

    report.write_bytes(junit((probe.key, "passed")))
    allowed = run(script, tmp_path, token, "llm-2026-10")

    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["allowed"] is True
    assert EvaluationRun.objects.get().suite == "red-team"

    report.write_bytes(junit((probe.key, "failed")))
    refused = run(script, tmp_path, token, "llm-2026-10")

    assert refused.returncode == 1
    assert "Deployment refused" in refused.stdout
    assert '"check":"evaluations"' in refused.stdout.replace(" ", "")
