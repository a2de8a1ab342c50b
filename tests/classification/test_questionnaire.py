"""The questionnaire's logic, table-driven: answers → tier, Annex III area and point, the Art. 6(3)
exemption, the articles cited. Pure Python: no database."""

import pytest

from apps.classification import questionnaire as q
from tests.classification.factories import CV_SCREENING, EXEMPTED, MINIMAL, answers

BASE = ("Art. 3(1)",)

# --- Every Annex III area and point -------------------------------------------------------------
ANNEX_III = [
    ("1", "a"), ("1", "b"), ("1", "c"),
    ("2", ""),
    ("3", "a"), ("3", "b"), ("3", "c"), ("3", "d"),
    ("4", "a"), ("4", "b"),
    ("5", "a"), ("5", "b"), ("5", "c"), ("5", "d"),
    ("6", "a"), ("6", "b"), ("6", "c"), ("6", "d"), ("6", "e"),
    ("7", "a"), ("7", "b"), ("7", "c"), ("7", "d"),
    ("8", "a"), ("8", "b"),
]  # fmt: skip


def test_the_table_covers_every_annex_iii_point_the_questionnaire_offers():
    offered = {(area, letter) for area, letter, _ in q.ANNEX_III_POINTS}
    assert offered == set(ANNEX_III)
    assert {area for area, _ in ANNEX_III} == set(q.AREA_TITLES) == {str(n) for n in range(1, 9)}


@pytest.mark.parametrize(("area", "letter"), ANNEX_III, ids=[a + b for a, b in ANNEX_III])
def test_an_annex_iii_use_without_exemption_is_high_risk_in_its_area(area, letter):
    result = q.classify(
        answers(annex_iii_use=area + letter, profiling="no", exemption_conditions=["none"])
    )
    identifier = f"Annex III({area})" + (f"({letter})" if letter else "")
    assert (result.tier, result.annex_iii_area, result.annex_iii_point) == (
        "high_risk",
        area,
        letter,
    )
    assert not result.exemption_claimed
    assert result.articles == (*BASE, "Art. 6(2)", identifier)
    assert identifier in result.rationale
    assert not result.needs_confirmation()


@pytest.mark.parametrize(("area", "letter"), ANNEX_III, ids=[a + b for a, b in ANNEX_III])
def test_an_annex_iii_use_claiming_the_exemption_is_not_high_risk_and_needs_confirmation(
    area, letter
):
    result = q.classify(answers(EXEMPTED, annex_iii_use=area + letter))
    assert (result.tier, result.exemption_claimed) == ("minimal", True)
    assert (result.annex_iii_area, result.annex_iii_point) == (area, letter)
    assert result.articles == (
        *BASE,
        "Art. 6(2)",
        f"Annex III({area})" + (f"({letter})" if letter else ""),
        "Art. 6(3)",
        "Art. 6(4)",
        "Art. 49",
    )
    assert "a recruiter reads every application" in result.rationale
    assert result.needs_confirmation()


# --- Art. 6(3): profiling overrides the exemption -------------------------------------------------
@pytest.mark.parametrize("conditions", [["a"], ["b"], ["c"], ["d"], ["a", "b", "c", "d"], ["none"]])
def test_profiling_keeps_an_annex_iii_system_high_risk_whatever_conditions_hold(conditions):
    result = q.classify(answers(CV_SCREENING, exemption_conditions=conditions))
    assert (result.tier, result.annex_iii_area, result.annex_iii_point) == ("high_risk", "4", "a")
    assert not result.exemption_claimed
    assert result.articles == (*BASE, "Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)")
    assert "profiles people" in result.rationale
    assert not result.needs_confirmation()


def test_profiling_is_asked_and_the_reasoning_is_not_when_the_system_profiles():
    step = q.step("exemption")
    assert [question.key for question in step.asked(CV_SCREENING)] == [
        "profiling",
        "exemption_conditions",
    ]
    assert "exemption_reasoning" in [question.key for question in step.asked(EXEMPTED)]


# --- Art. 5(1): each prohibited practice ----------------------------------------------------------
PRACTICES = [
    ("a", "Art. 5(1)(a)"),
    ("b", "Art. 5(1)(b)"),
    ("c", "Art. 5(1)(c)"),
    ("d", "Art. 5(1)(d)"),
    ("e", "Art. 5(1)(e)"),
    ("f", "Art. 5(1)(f)"),
    ("g", "Art. 5(1)(g)"),
    ("h", "Art. 5(1)(h)"),
    ("intimate_imagery", "Art. 5(1), as amended by Reg. (EU) 2026/1744"),
]


def test_the_table_covers_every_prohibited_practice_the_questionnaire_offers():
    offered = {choice.value for choice in q.PROHIBITED_PRACTICES}
    assert offered == {value for value, _ in PRACTICES}


@pytest.mark.parametrize(("practice", "article"), PRACTICES, ids=[p for p, _ in PRACTICES])
def test_each_prohibited_practice_makes_the_system_prohibited(practice, article):
    # Later answers (an Annex III use, transparency) do not soften a prohibition.
    result = q.classify(
        answers(CV_SCREENING, prohibited_practices=[practice], transparency_triggers=["deep_fake"])
    )
    assert result.tier == "prohibited"
    assert (result.annex_iii_area, result.exemption_claimed) == ("", False)
    assert result.prohibited_practices == (practice,)
    assert result.articles == (*BASE, article)
    assert article in result.rationale
    assert not result.needs_confirmation(current_area="4")


def test_the_amended_prohibition_says_when_it_applies_and_that_it_is_unverified():
    result = q.classify(answers(prohibited_practices=["intimate_imagery"]))
    assert "2 Dec 2026" in result.rationale
    assert "unverified" in result.rationale


def test_several_practices_are_all_cited():
    result = q.classify(answers(prohibited_practices=["c", "f"]))
    assert result.articles == (*BASE, "Art. 5(1)(c)", "Art. 5(1)(f)")


def test_a_prohibited_system_is_asked_nothing_after_the_prohibitions():
    steps = q.steps_for(answers(prohibited_practices=["e"]))
    assert [step.key for step in steps] == ["scope", "prohibited"]


# --- Art. 3(1): not an AI system ------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [{"infers_outputs": "no"}, {"operates_autonomously": "no"}],
    ids=["no-inference", "no-autonomy"],
)
def test_a_system_that_is_not_an_ai_system_is_out_of_scope(changes):
    result = q.classify({**answers(**changes)})
    assert (result.in_scope, result.tier, result.articles) == (False, "minimal", BASE)
    assert "not an AI system" in result.rationale
    assert [step.key for step in q.steps_for(answers(**changes))] == ["scope"]


def test_an_out_of_scope_result_for_a_system_in_an_annex_iii_area_needs_confirmation():
    result = q.classify({"infers_outputs": "no", "operates_autonomously": "yes"})
    assert result.needs_confirmation(current_area="5")
    assert not result.needs_confirmation(current_area="")


# --- Art. 6(1) and Annex I ------------------------------------------------------------------------
ANNEX_I = [
    # (answers, tier, area, point, exemption, articles)
    (
        answers(annex_i_product="yes", third_party_assessment="yes"),
        "high_risk", "annex_i", "", False,
        (*BASE, "Art. 6(1)", "Annex I"),
    ),
    (
        answers(annex_i_product="yes", third_party_assessment="no"),
        "minimal", "", "", False,
        BASE,
    ),
    # An Annex I product with an Annex III use: high-risk; the Annex III point is recorded.
    (
        answers(CV_SCREENING, annex_i_product="yes", third_party_assessment="yes", profiling="no"),
        "high_risk", "4", "a", False,
        (*BASE, "Art. 6(1)", "Annex I", "Art. 6(2)", "Annex III(4)(a)"),
    ),
    # … whose Art. 6(3) cases do not exempt it: the exemption is for Annex III only.
    (
        answers(EXEMPTED, annex_i_product="yes", third_party_assessment="yes"),
        "high_risk", "4", "a", False,
        (*BASE, "Art. 6(1)", "Annex I", "Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("given", "tier", "area", "point", "exemption", "articles"),
    ANNEX_I,
    ids=["product", "no-third-party", "with-annex-iii", "exemption-refused"],
)
def test_annex_i_products(given, tier, area, point, exemption, articles):
    result = q.classify(given)
    assert (result.tier, result.annex_iii_area, result.annex_iii_point) == (tier, area, point)
    assert result.exemption_claimed is exemption
    assert result.articles == articles


def test_third_party_assessment_is_asked_only_of_an_annex_i_product():
    step = q.step("annex_i")
    assert [x.key for x in step.asked({"annex_i_product": "no"})] == ["annex_i_product"]
    assert "third_party_assessment" in [x.key for x in step.asked({"annex_i_product": "yes"})]


# --- Art. 50: transparency ------------------------------------------------------------------------
ART_50 = [
    # (answers, tier, articles after Art. 3(1), interacts)
    (
        answers(transparency_triggers=["interacts"], obviously_ai="no"),
        "limited",
        ("Art. 50(1)",),
        True,
    ),
    # People who obviously know they deal with AI are owed no further notice: minimal.
    (answers(transparency_triggers=["interacts"], obviously_ai="yes"), "minimal", (), False),
    (
        answers(transparency_triggers=["synthetic"], assistive_only="no"),
        "limited",
        ("Art. 50(2)",),
        False,
    ),
    (answers(transparency_triggers=["emotion_or_biometric"]), "limited", ("Art. 50(3)",), False),
    (answers(transparency_triggers=["deep_fake"]), "limited", ("Art. 50(4)",), False),
    (
        answers(
            transparency_triggers=["interacts", "synthetic", "deep_fake"],
            obviously_ai="no",
            assistive_only="no",
        ),
        "limited",
        ("Art. 50(1)", "Art. 50(2)", "Art. 50(4)"),
        True,
    ),
    # Content that only assists standard editing: no marking duty, minimal.
    (answers(transparency_triggers=["synthetic"], assistive_only="yes"), "minimal", (), False),
    # A high-risk system keeps its tier; Art. 50 is cited on top.
    (
        answers(CV_SCREENING, transparency_triggers=["interacts"], obviously_ai="no"),
        "high_risk",
        ("Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)", "Art. 50(1)"),
        True,
    ),
    # An exempted Annex III system with a chatbot: limited (and the committee confirms).
    (
        answers(EXEMPTED, transparency_triggers=["interacts"], obviously_ai="no"),
        "limited",
        ("Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)", "Art. 6(4)", "Art. 49", "Art. 50(1)"),
        True,
    ),
]


@pytest.mark.parametrize(
    ("given", "tier", "articles", "interacts"),
    ART_50,
    ids=[
        "chatbot",
        "obviously-ai",
        "synthetic",
        "emotion",
        "deep-fake",
        "several",
        "assistive",
        "high-risk",
        "exempt",
    ],
)
def test_transparency_obligations(given, tier, articles, interacts):
    result = q.classify(given)
    assert result.tier == tier
    assert result.articles == (*BASE, *articles)
    assert result.interacts_with_people is interacts


def test_the_art_50_exceptions_are_asked_only_when_their_trigger_is_ticked():
    step = q.step("transparency")
    asked = [x.key for x in step.asked({"transparency_triggers": ["emotion_or_biometric"]})]
    assert asked == ["transparency_triggers"]
    asked = [x.key for x in step.asked({"transparency_triggers": ["interacts"]})]
    assert asked == ["transparency_triggers", "obviously_ai"]
    asked = [x.key for x in step.asked({"transparency_triggers": ["synthetic"]})]
    assert asked == ["transparency_triggers", "assistive_only"]


# --- Art. 51: general-purpose AI models and systemic risk -----------------------------------------
GPAI = [
    # (compute, designated, systemic, articles after Art. 3(1), words in the rationale)
    ("above", "no", True, ("Art. 51", "Art. 53", "Art. 51(2)", "Art. 55"), "10^25 FLOP"),
    ("below", "yes", True, ("Art. 51", "Art. 53", "Art. 55"), "Commission designated it"),
    ("above", "yes", True, ("Art. 51", "Art. 53", "Art. 51(2)", "Art. 55"), "designated"),
    ("below", "no", False, ("Art. 51", "Art. 53"), "does not reach 10^25 FLOP"),
    ("unknown", "no", False, ("Art. 51", "Art. 53"), "not known"),
]


@pytest.mark.parametrize(
    ("compute", "designated", "systemic", "articles", "words"),
    GPAI,
    ids=["presumed", "designated", "both", "below", "unknown"],
)
def test_general_purpose_models_and_the_systemic_risk_presumption(
    compute, designated, systemic, articles, words
):
    result = q.classify(
        answers(general_purpose_model="yes", training_compute=compute, designated=designated)
    )
    assert result.general_purpose_model
    assert result.systemic_risk is systemic
    assert result.tier == "minimal"  # model duties are separate from the system's tier
    assert result.articles == (*BASE, *articles)
    assert words in result.rationale


def test_compute_and_designation_are_not_kept_for_a_system_that_is_not_a_gpai_model():
    given = answers(general_purpose_model="no", training_compute="above", designated="yes")
    assert "training_compute" not in q.relevant_answers(given)
    assert not q.classify(given).systemic_risk


# --- Minimal, and checking answers ----------------------------------------------------------------
def test_nothing_applying_is_minimal_risk():
    result = q.classify(MINIMAL)
    assert (result.tier, result.annex_iii_area, result.exemption_claimed) == ("minimal", "", False)
    assert result.articles == BASE
    assert "minimal risk" in result.rationale


def test_incomplete_answers_are_refused_naming_the_steps():
    with pytest.raises(q.IncompleteAnswers, match="Transparency"):
        q.classify({k: v for k, v in MINIMAL.items() if k != "transparency_triggers"})


ALONE = "“None of these” goes alone: untick it or the others."
PROBLEMS = [
    (
        "scope",
        {},
        {"infers_outputs": "Answer yes or no.", "operates_autonomously": "Answer yes or no."},
    ),
    (
        "scope",
        {"infers_outputs": "maybe", "operates_autonomously": "yes"},
        {"infers_outputs": "Answer yes or no."},
    ),
    (
        "prohibited",
        {"prohibited_practices": []},
        {"prohibited_practices": "Tick what applies, or “None of these”."},
    ),
    ("prohibited", {"prohibited_practices": ["a", "none"]}, {"prohibited_practices": ALONE}),
    (
        "prohibited",
        {"prohibited_practices": ["z"]},
        {"prohibited_practices": "Choose among the answers listed."},
    ),
    ("annex_iii", {"annex_iii_use": "9a"}, {"annex_iii_use": "Choose one answer."}),
    (
        "exemption",
        {"profiling": "no", "exemption_conditions": ["a"]},
        {"exemption_reasoning": "Say why, in a sentence or two."},
    ),
    ("exemption", {"profiling": "yes", "exemption_conditions": ["a"]}, {}),
    ("annex_i", {"annex_i_product": "yes"}, {"third_party_assessment": "Answer yes or no."}),
    ("annex_i", {"annex_i_product": "no"}, {}),
]


@pytest.mark.parametrize(("key", "given", "expected"), PROBLEMS)
def test_problems_are_given_per_question(key, given, expected):
    assert q.problems(q.step(key), given) == expected


def test_the_exemption_step_is_relevant_only_for_an_annex_iii_use():
    assert "exemption" not in [s.key for s in q.steps_for(MINIMAL)]
    assert "exemption" in [s.key for s in q.steps_for(CV_SCREENING)]


def test_neighbours_skip_steps_that_are_not_relevant():
    before, after = q.neighbours(MINIMAL, "annex_iii")
    assert (before.key, after.key) == ("annex_i", "transparency")
    before, after = q.neighbours(CV_SCREENING, "annex_iii")
    assert after.key == "exemption"
    assert q.neighbours(MINIMAL, "gpai")[1] is None


def test_prefill_starts_from_the_systems_facts():
    facts = {
        "eu_ai_act_area": "5",
        "annex_iii_point": "b",
        "interacts_with_people": True,
        "ai_kind": "generative",
        "is_general_purpose_model": False,
    }
    assert q.prefill(facts) == {
        "annex_iii_use": "5b",
        "transparency_triggers": ["interacts", "synthetic"],
        "general_purpose_model": "no",
    }
    assert q.prefill({"eu_ai_act_area": "2", "annex_iii_point": ""})["annex_iii_use"] == "2"
    assert q.prefill({"eu_ai_act_area": "annex_i"}) == {"annex_i_product": "yes"}
