"""The shipped catalogues: identifiers and counts as the framework reference has them, the
checker, loading (idempotent, new versions, retiring), and the key dates."""

import copy
import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.compliance import loader, services
from apps.compliance.applicability import APP_MODELS, recompute_obligations
from apps.compliance.models import Applicability, Catalogue, KeyDate, Obligation, Requirement
from apps.core.models import AuditEvent
from tests.factories import AISystemFactory, current_requirement

pytestmark = pytest.mark.django_db


def shipped(name):
    return loader.read_file(loader.CATALOGUE_DIR / f"{name}.yaml")


# --- The files ------------------------------------------------------------------------------------
def test_the_shipped_files_have_no_problem():
    assert loader.check_shipped() == {
        "eu-ai-act.yaml": [],
        "iso-42001.yaml": [],
        "nist-ai-rmf.yaml": [],
    }


@pytest.mark.parametrize(
    ("framework", "counts"),
    [
        ("eu-ai-act", {"article": 19}),
        ("iso-42001", {"objective": 9, "control": 38}),
        ("nist-ai-rmf", {"function": 4, "category": 19, "subcategory": 72}),
    ],
)
def test_each_framework_has_its_count_of_requirements_in_the_database(framework, counts):
    loaded = Counter(
        Requirement.objects.filter(
            catalogue__framework=framework, catalogue__retired_at__isnull=True
        ).values_list("kind", flat=True)
    )
    assert loaded == counts


def test_the_eu_ai_act_articles_are_those_the_register_tracks():
    assert [r["id"] for r in shipped("eu-ai-act")["requirements"]] == [
        f"Art. {n}" for n in (4, 5, 9, 10, 11, 12, 13, 14, 15, 17, 26, 27, 43, 49, 50, 53, 55,
                              72, 73)
    ]  # fmt: skip


def test_identifiers_are_stored_exactly_as_the_frameworks_write_them():
    assert current_requirement("MEASURE 2.11", "nist-ai-rmf").parent.identifier == "MEASURE 2"
    assert current_requirement("MEASURE 2", "nist-ai-rmf").parent.identifier == "MEASURE"
    control = current_requirement("A.6.2.4", "iso-42001")
    assert (control.title, control.parent.identifier) == (
        "AI system verification and validation",
        "A.6",
    )
    article = current_requirement("Art. 27")
    assert article.title == "Fundamental rights impact assessment for high-risk AI systems"
    assert article.binds == ["deployers"] and article.is_blocking


def test_who_each_article_binds():
    assert current_requirement("Art. 9").binds == ["providers"]
    assert current_requirement("Art. 4").binds == ["providers", "deployers"]
    assert current_requirement("Art. 53").binds == ["providers of general-purpose AI models"]


def test_iso_and_nist_are_organisation_wide_without_rules():
    for framework in ("iso-42001", "nist-ai-rmf"):
        catalogue = Catalogue.objects.current().get(framework=framework)
        assert catalogue.scope == "organisation"
        assert not catalogue.rules.exists()


# --- The checker ----------------------------------------------------------------------------------
def with_change(change):
    document = copy.deepcopy(shipped("eu-ai-act"))
    change(document)
    return loader.check(document)


def test_the_checker_finds_a_duplicate_id():
    problems = with_change(lambda d: d["requirements"].append(dict(d["requirements"][0])))
    assert "requirements[20] (Art. 4): id “Art. 4” appears twice (first at requirements[1])." in (
        problems
    )


def test_the_checker_finds_references_to_nothing():
    def change(document):
        document["rules"][0]["requirements"] = ["Art. 6"]
        document["key_dates"][1]["supersedes"] = "no-such-date"
        document["requirements"][1]["parent"] = "Chapter II"

    problems = with_change(change)
    assert "rules[1] (every-system): “Art. 6” is not a requirement of this catalogue." in problems
    assert any("supersedes “no-such-date”, which is not a key date" in p for p in problems)
    assert any("parent “Chapter II” is not a requirement" in p for p in problems)


def test_the_checker_finds_conditions_on_unknown_facts_and_values():
    def change(document):
        document["rules"][1]["when"] = {"eu_ai_act_tier": ["banned"], "colour": ["blue"]}
        document["rules"][2]["when"] = {"serves_public": "yes"}

    problems = with_change(change)
    assert any("“colour” is not a fact of a system" in p for p in problems)
    assert any("eu_ai_act_tier has no value “banned”" in p for p in problems)
    assert any("serves_public is a yes/no fact" in p for p in problems)


def test_the_checker_finds_a_wrong_count():
    problems = with_change(lambda d: d["requirements"].pop())
    assert "expected_counts: 19 of kind “article” expected, 18 found." in problems


def test_the_checker_finds_parents_in_a_circle():
    document = {
        "framework": "x",
        "name": "X",
        "version": "1",
        "requirements": [
            {"id": "A", "title": "A", "parent": "B"},
            {"id": "B", "title": "B", "parent": "A"},
        ],
    }
    assert any("circle" in p for p in loader.check(document))


def test_an_organisation_wide_catalogue_has_no_rules():
    problems = with_change(lambda d: d.__setitem__("scope", "organisation"))
    assert any("organisation-wide catalogue derives no per-system" in p for p in problems)


def test_check_catalogues_prints_the_counts(capsys):
    call_command("check_catalogues")
    out = capsys.readouterr().out
    assert "eu-ai-act.yaml: EU AI Act" in out
    assert "9 objective, 38 control" in out
    assert "4 function, 19 category, 72 subcategory" in out


def test_check_catalogues_fails_on_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("framework: bad\nname: Bad\nversion: 1\nrequirements: []\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("check_catalogues", str(bad))
    assert "requirements: a list of at least one requirement is required." in (
        capsys.readouterr().err
    )


# --- Loading --------------------------------------------------------------------------------------
def test_loading_the_shipped_catalogues_again_changes_nothing():
    versions = dict(Requirement.objects.values_list("pk", "catalogue_id"))
    events = AuditEvent.objects.count()
    call_command("load_catalogues")
    results = services.load_shipped_catalogues()
    assert not any(result.changed for result in results)
    assert dict(Requirement.objects.values_list("pk", "catalogue_id")) == versions
    assert AuditEvent.objects.count() == events


def test_loading_brings_a_changed_summary_up_to_date_with_history():
    requirement = current_requirement("Art. 10")
    requirement.summary = "Edited by hand"
    requirement.save()
    services.load_shipped_catalogues()
    requirement.refresh_from_db()
    assert requirement.summary.startswith("Training, validation and test data")
    assert requirement.history.first().history_change_reason == "Loaded from the shipped catalogue"


def test_loading_derives_the_obligations_of_every_system():
    system = AISystemFactory(ai_kind="vision")
    Requirement.objects.filter(identifier="Art. 4").update(summary="Changed")
    services.load_shipped_catalogues()
    assert list(system.obligations.values_list("requirement__identifier", flat=True)) == ["Art. 4"]


def test_a_new_version_retires_the_old_one_and_carries_the_obligations_over(
    administrator, contributor
):
    system = AISystemFactory(ai_kind="vision", eu_ai_act_tier="high_risk", eu_ai_act_area="4",
                             eu_ai_act_role="deployer")  # fmt: skip
    recompute_obligations(systems=[system], reason="Test")
    art_26 = system.obligations.get(requirement__identifier="Art. 26")
    services.set_status(obligation=art_26, by=administrator, status="in_progress")
    old = Catalogue.objects.current().get(framework="eu-ai-act")

    document = copy.deepcopy(shipped("eu-ai-act"))
    document["version"] = "2024/1689 (consolidated 2027)"
    document["requirements"] = [r for r in document["requirements"] if r["id"] != "Art. 4"]
    document["expected_counts"] = {"article": 18}
    document["rules"] = [r for r in document["rules"] if r["key"] != "every-system"]
    for key_date in document["key_dates"]:
        key_date["requirements"] = [i for i in key_date["requirements"] if i != "Art. 4"]
    result = services.import_catalogue(document=document, by=administrator)

    old.refresh_from_db()
    assert old.is_retired and old.retired_by == administrator
    assert result.retired == [old] and result.carried_over == 1  # Art. 26; Art. 4 is gone
    art_26.refresh_from_db()
    assert art_26.requirement.catalogue == result.catalogue
    assert art_26.status == "in_progress" and art_26.applies
    art_4 = system.obligations.get(requirement__identifier="Art. 4")
    assert art_4.requirement.catalogue == old
    assert art_4.applicability == Applicability.NO_LONGER_APPLIES
    # The key dates now set the new version's requirements' due dates.
    assert art_26.due_date == datetime.date(2027, 12, 2)


def test_a_retired_version_is_not_loaded_again(administrator):
    catalogue = Catalogue.objects.current().get(framework="nist-ai-rmf")
    services.retire_catalogue(catalogue=catalogue, by=administrator, reason="Replaced by 1.1")
    results = services.load_shipped_catalogues()
    nist = next(r for r in results if r.catalogue.framework == "nist-ai-rmf")
    assert nist.skipped_reason
    assert not Catalogue.objects.current().filter(framework="nist-ai-rmf").exists()


def test_retiring_a_catalogue_marks_its_obligations_no_longer_applicable(administrator):
    system = AISystemFactory(ai_kind="generative")
    recompute_obligations(systems=[system], reason="Test")
    catalogue = Catalogue.objects.current().get(framework="eu-ai-act")
    services.retire_catalogue(catalogue=catalogue, by=administrator, reason="Superseded")
    obligations = Obligation.objects.filter(system=system)
    assert obligations.count() == 2
    assert set(obligations.values_list("applicability", flat=True)) == {"no_longer_applies"}
    assert obligations.first().applicability_reason.endswith("retired: Superseded")
    assert catalogue.history.first().history_change_reason == "Superseded"


@pytest.mark.parametrize("role", ["contributor", "committee_member", "auditor"])
def test_only_administrators_retire_catalogues(role, user_for):
    catalogue = Catalogue.objects.current().get(framework="nist-ai-rmf")
    with pytest.raises(services.PermissionDenied):
        services.retire_catalogue(catalogue=catalogue, by=user_for(role))


# --- Key dates ------------------------------------------------------------------------------------
def test_the_amended_dates_supersede_the_adopted_ones():
    amended = KeyDate.objects.get(key="eu-ai-act-annex-iii-high-risk-amended")
    assert amended.date == datetime.date(2027, 12, 2)
    assert amended.supersedes.key == "eu-ai-act-annex-iii-high-risk"
    assert amended.supersedes.date == datetime.date(2026, 8, 2)
    assert "UNVERIFIED" in amended.source_note
    annex_i = KeyDate.objects.get(key="eu-ai-act-annex-i-high-risk-amended")
    assert (annex_i.date, annex_i.supersedes.date) == (
        datetime.date(2028, 8, 2),
        datetime.date(2027, 8, 2),
    )


def test_an_administrator_moves_a_key_date_and_the_due_dates_follow(administrator):
    system = AISystemFactory(ai_kind="vision", eu_ai_act_tier="high_risk", eu_ai_act_area="4",
                             eu_ai_act_role="provider")  # fmt: skip
    recompute_obligations(systems=[system], reason="Test")
    key_date = KeyDate.objects.get(key="eu-ai-act-annex-iii-high-risk-amended")
    services.update_key_date(
        key_date=key_date,
        by=administrator,
        data={"date": datetime.date(2028, 1, 15), "source_note": "OJ L of 24 July 2026, checked."},
        reason="Checked against the Official Journal",
    )
    art_9 = system.obligations.get(requirement__identifier="Art. 9")
    assert art_9.due_date == datetime.date(2028, 1, 15)
    assert art_9.history.first().history_change_reason.startswith("Key date “")
    assert key_date.history.first().history_change_reason == "Checked against the Official Journal"


def test_a_key_date_no_longer_superseded_sets_the_due_dates_again(administrator):
    system = AISystemFactory(ai_kind="vision", eu_ai_act_tier="high_risk", eu_ai_act_area="4",
                             eu_ai_act_role="provider")  # fmt: skip
    recompute_obligations(systems=[system], reason="Test")
    amended = KeyDate.objects.get(key="eu-ai-act-annex-iii-high-risk-amended")
    services.update_key_date(
        key_date=amended,
        by=administrator,
        data={"supersedes": None, "date": datetime.date(2026, 1, 1)},
    )
    art_9 = system.obligations.get(requirement__identifier="Art. 9")
    assert art_9.due_date == datetime.date(2026, 1, 1)  # the earliest that applies


@pytest.mark.parametrize("role", ["contributor", "committee_member", "auditor"])
def test_only_administrators_change_key_dates(role, user_for):
    key_date = KeyDate.objects.get(key="eu-ai-act-transparency")
    with pytest.raises(services.PermissionDenied):
        services.update_key_date(
            key_date=key_date, by=user_for(role), data={"date": datetime.date(2027, 1, 1)}
        )


def test_a_key_date_with_bad_conditions_is_refused(administrator):
    key_date = KeyDate.objects.get(key="eu-ai-act-transparency")
    with pytest.raises(services.ValidationError) as error:
        services.update_key_date(
            key_date=key_date,
            by=administrator,
            data={"conditions": {"tier": ["high"]}, "source_note": ""},
        )
    assert set(error.value.message_dict) == {"conditions", "source_note"}


def test_loading_keeps_the_key_dates_administrators_changed(administrator):
    key_date = KeyDate.objects.get(key="eu-ai-act-transparency")
    services.update_key_date(
        key_date=key_date, by=administrator, data={"date": datetime.date(2026, 9, 1)}
    )
    services.load_shipped_catalogues()
    key_date.refresh_from_db()
    assert key_date.date == datetime.date(2026, 9, 1)


def test_the_checker_runs_against_the_app_models():
    assert APP_MODELS.history and not loader.check(shipped("iso-42001"))
