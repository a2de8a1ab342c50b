"""What the documentation tests build: a document of a system, its texts written, a version."""

from __future__ import annotations

import json

from apps.documentation import services
from apps.documentation.annex_iv import EDITABLE_GROUPS

# Every text of a document, each saying which field it is.
ALL_TEXTS = {
    name: f"The {name.replace('_', ' ')} of the system."
    for names in EDITABLE_GROUPS.values()
    for name in names
}
ALL_TEXTS["information_url"] = "https://example.com/ai/support-chatbot"


def start(system, by, **texts):
    return services.start_document(system=system, by=by, data=texts)


def complete_system(system):
    """Fill what the system's own record can supply (description and versions)."""
    from apps.systems.models import AISystem

    AISystem.objects.filter(pk=system.pk).update(
        description="Retrieval-augmented answers over the help centre.",
        model_version="llm-1",
        training_data_version="none (not trained by us)",
        code_version="1.0.0",
        configuration_version="prompt v3",
    )
    system.refresh_from_db()
    return system


def run(system, by, key: str, outcome: str = "passed"):
    """An evaluation run of ``system`` with one result, for the test case ``key``."""
    from apps.evaluations import services as evaluation_services

    report = {"suite": "nightly", "results": [{"test_case": key, "outcome": outcome}]}
    return evaluation_services.ingest_run(
        system=system, by=by, content=json.dumps(report).encode(), model_version="llm-1"
    )
