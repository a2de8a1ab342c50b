"""The shipped risk library: the catalogue passes its validator, with the coverage it promises,
and the database holds exactly it."""

import importlib.util
import re

import pytest

from apps.risks.catalogue import DATA_DIR
from apps.risks.models import FrameworkReference, RiskTemplate

pytestmark = pytest.mark.django_db


def _load_validator():
    spec = importlib.util.spec_from_file_location("check_library", DATA_DIR / "check_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_library_passes_the_validator_with_required_coverage(capsys):
    validator = _load_validator()
    assert validator.main(["--quiet"]) == 0
    output = capsys.readouterr().out
    templates = int(re.search(r"Risk library: (\d+) templates", output).group(1))
    owasp = re.search(r"OWASP LLM Top 10 2025\s+\d+ templates\s+(\d+) /\s+(\d+) codes", output)
    nist_600 = re.search(r"NIST AI 600-1\s+\d+ templates\s+(\d+) /\s+(\d+) codes", output)
    atlas = int(re.search(r"distinct MITRE ATLAS techniques cited: (\d+)", output).group(1))
    assert templates >= 60
    assert owasp.groups() == ("10", "10")
    assert nist_600.groups() == ("12", "12")
    assert atlas >= 15


def test_database_holds_the_shipped_library():
    validator = _load_validator()
    library = validator.load_yaml(validator.LIBRARY_FILE, validator.Checker())
    references = validator.load_yaml(validator.FRAMEWORKS_FILE, validator.Checker())
    assert RiskTemplate.objects.filter(is_active=True).count() == len(library)
    assert FrameworkReference.objects.count() == len(references)


def test_library_ships_at_least_sixty_templates_with_mitigations():
    assert RiskTemplate.objects.count() >= 60
    assert not RiskTemplate.objects.filter(suggested_mitigations__isnull=True).exists()
