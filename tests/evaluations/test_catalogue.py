"""The starter test cases shipped with the risk library: well-formed, and loaded."""

import pytest
import yaml

from apps.evaluations import catalogue, models
from apps.evaluations.models import TestCaseTemplate
from apps.risks.catalogue import LIBRARY_FILE
from apps.risks.models import RiskTemplate
from apps.risks.treatment import MitigationKind

STARTERS = catalogue.read_templates()
LIBRARY = {spec["key"]: spec for spec in yaml.safe_load(LIBRARY_FILE.read_text())}


def test_every_starter_has_a_unique_key():
    keys = [spec["key"] for spec in STARTERS]

    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("spec", STARTERS, ids=lambda spec: spec["key"])
def test_every_starter_is_well_formed(spec):
    assert spec["template"] in LIBRARY, f"{spec['template']} is not a library template"
    assert spec["kind"] in models.TestCaseKind.values
    assert spec["title"].strip() and spec["input"].strip() and spec["pass_criterion"].strip()
    assert all(tag == tag.lower() and " " not in tag for tag in spec["tags"])
    template_kinds = {m["kind"] for m in LIBRARY[spec["template"]]["mitigations"]}
    assert set(spec["verifies"]) <= set(MitigationKind.values)
    assert set(spec["verifies"]) <= template_kinds, "it verifies a kind the template lacks"


def test_the_starters_cover_the_four_families_the_library_promises():
    tags = {tag for spec in STARTERS for tag in spec["tags"]}

    assert {"prompt-injection", "data-leakage", "hallucination", "fairness"} <= tags


@pytest.mark.django_db
def test_every_starter_is_loaded_with_its_template():
    assert TestCaseTemplate.objects.count() == len(STARTERS)
    starter = TestCaseTemplate.objects.get(key="leak-canary-record")
    assert starter.risk_template == RiskTemplate.objects.get(key="llm-discloses-personal-data")
    assert starter.verifies_kinds == "access_control output_validation"


@pytest.mark.django_db
def test_loading_again_duplicates_nothing():
    catalogue.load_test_case_templates(TestCaseTemplate, RiskTemplate)

    assert TestCaseTemplate.objects.count() == len(STARTERS)
