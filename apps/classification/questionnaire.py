"""The EU AI Act classification questionnaire: its steps as data, and :func:`classify`.

Pure Python over plain data — no database, no request — so that every answer → result pair is
a row of a table in the tests (``tests/classification/test_questionnaire.py``).

**Answers** are a dict, question key → value: ``"yes"``/``"no"`` for a yes/no question, a choice's
value for a one-choice question, a list of choice values for a several-choice question, text for
a text question. :data:`STEPS` lists the question groups in order; :func:`steps_for` says which of
them the answers so far make relevant (nothing after "not an AI system" or a prohibited
practice; the Art. 6(3) step only for an Annex III use); :func:`problems` gives, per question,
what is wrong with a step's answers; :func:`classify` turns complete answers into a
:class:`Result`: a proposed tier, Annex III area and point, the Art. 6(3) exemption if claimed,
the articles cited and a rationale assembled from the answers.

Identifiers are written exactly as ``shared/reference/frameworks.md`` writes them (``Art.
5(1)(c)``, ``Annex III(4)``); a lettered Annex III point extends the area's form
(``Annex III(4)(a)``). The points of Annex III are those of Regulation (EU) 2024/1689 (the
reference lists the areas only). Every description here is the register's paraphrase, for
orientation: where wording matters, quote the Regulation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from apps.systems.models import AnnexIIIArea, EUAIActTier

YES, NO = "yes", "no"
NONE = "none"  # the "none of these" choice of a several-choice question, and of the Annex III use

Answers = Mapping[str, object]


# --- The shape of a question ----------------------------------------------------------------------
def always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    cites: tuple[str, ...] = ()
    help: str = ""
    group: str = ""  # a heading the choice is listed under (the Annex III areas)


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    kind: str  # "yes_no", "one", "many" or "text"
    choices: tuple[Choice, ...] = ()
    help: str = ""
    # Asked only when this holds of the answers (its step's other answers included); an
    # unasked question's answer is dropped.
    asked: Callable[[Answers], bool] = always

    @property
    def is_conditional(self) -> bool:
        return self.asked is not always

    def choice(self, value: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)

    def display(self, value) -> str:
        """The answer in words, as the record's page and the comparison show it."""
        if value in (None, "", []):
            return "—"
        if self.kind == "yes_no":
            return "Yes" if value == YES else "No"
        if self.kind == "text":
            return str(value)
        values = value if isinstance(value, list) else [value]
        labels = [(self.choice(v).label if self.choice(v) else str(v)) for v in values]
        return "; ".join(labels)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    cites: tuple[str, ...] = ()
    # Relevant only when this holds of the answers of the steps before it.
    relevant: Callable[[Answers], bool] = always

    def asked(self, answers: Answers) -> list[Question]:
        return [question for question in self.questions if question.asked(answers)]


def _yes(answers: Answers, key: str) -> bool:
    return answers.get(key) == YES


def _chosen(answers: Answers, key: str) -> list[str]:
    value = answers.get(key) or []
    return [v for v in value if v != NONE] if isinstance(value, list) else []


# --- Art. 3(1): an AI system ----------------------------------------------------------------------
def in_scope(answers: Answers) -> bool:
    """An AI system in the Act's sense: machine-based, with some autonomy, inferring its outputs."""
    return _yes(answers, "infers_outputs") and _yes(answers, "operates_autonomously")


# --- Art. 5(1): prohibited practices --------------------------------------------------------------
AMENDED_ART_5 = "Art. 5(1), as amended by Reg. (EU) 2026/1744"

PROHIBITED_PRACTICES = (
    Choice(
        "a",
        "Subliminal, purposely manipulative or deceptive techniques that materially distort "
        "people's behaviour in a way likely to cause them significant harm",
        ("Art. 5(1)(a)",),
    ),
    Choice(
        "b",
        "Exploiting people's vulnerabilities (age, disability, social or economic situation) to "
        "distort their behaviour in a way likely to cause significant harm",
        ("Art. 5(1)(b)",),
    ),
    Choice(
        "c",
        "Social scoring: rating people over time on their social behaviour or personal traits, "
        "leading to unjustified or disproportionate detrimental treatment",
        ("Art. 5(1)(c)",),
    ),
    Choice(
        "d",
        "Predicting that a person will commit a crime from profiling or personality traits alone "
        "(not: supporting a human assessment grounded in objective, verifiable facts)",
        ("Art. 5(1)(d)",),
    ),
    Choice(
        "e",
        "Building or expanding facial-recognition databases by untargeted scraping of face "
        "images from the internet or CCTV footage",
        ("Art. 5(1)(e)",),
    ),
    Choice(
        "f",
        "Inferring the emotions of people at work or in education (not: for medical or safety "
        "reasons)",
        ("Art. 5(1)(f)",),
    ),
    Choice(
        "g",
        "Biometric categorisation that deduces race, political opinions, trade-union membership, "
        "religious or philosophical beliefs, sex life or sexual orientation",
        ("Art. 5(1)(g)",),
    ),
    Choice(
        "h",
        "Real-time remote biometric identification in publicly accessible spaces for law "
        "enforcement (outside the narrowly listed, authorised cases)",
        ("Art. 5(1)(h)",),
    ),
    Choice(
        "intimate_imagery",
        "Generating sexual or intimate imagery of real people without their consent, or child "
        "sexual abuse material (added by Reg. (EU) 2026/1744, from 2 Dec 2026; unverified)",
        (AMENDED_ART_5,),
    ),
)

# --- Annex III: the listed high-risk uses ---------------------------------------------------------
AREA_TITLES = {
    "1": "Biometrics",
    "2": "Critical infrastructure",
    "3": "Education and vocational training",
    "4": "Employment, workers' management and access to self-employment",
    "5": "Access to essential private and public services and benefits",
    "6": "Law enforcement",
    "7": "Migration, asylum and border control management",
    "8": "Administration of justice and democratic processes",
}

# (area, letter or "", what the use is, in the register's words)
ANNEX_III_POINTS = (
    (
        "1",
        "a",
        "Remote biometric identification of people (not mere verification that someone "
        "is who they claim to be)",
    ),
    (
        "1",
        "b",
        "Biometric categorisation by sensitive or protected attributes inferred from "
        "biometric data",
    ),
    ("1", "c", "Emotion recognition"),
    (
        "2",
        "",
        "A safety component in running critical digital infrastructure, road traffic, or "
        "the supply of water, gas, heating or electricity",
    ),
    (
        "3",
        "a",
        "Deciding access or admission to education or vocational training, or assigning "
        "people to institutions",
    ),
    ("3", "b", "Evaluating learning outcomes, including to steer someone's learning"),
    ("3", "c", "Assessing the level of education a person will receive or may access"),
    ("3", "d", "Monitoring and detecting prohibited behaviour of students during tests"),
    (
        "4",
        "a",
        "Recruiting or selecting people (targeted job adverts, analysing and filtering "
        "applications, evaluating candidates)",
    ),
    (
        "4",
        "b",
        "Decisions on terms of work, promotion or termination, allocating tasks by "
        "behaviour or personal traits, or monitoring and evaluating workers",
    ),
    (
        "5",
        "a",
        "A public authority assessing eligibility for essential public benefits and "
        "services (healthcare included), or granting, reducing or reclaiming them",
    ),
    (
        "5",
        "b",
        "Assessing people's creditworthiness or credit score (detecting financial fraud excepted)",
    ),
    ("5", "c", "Risk assessment and pricing for people in life and health insurance"),
    (
        "5",
        "d",
        "Evaluating or classifying emergency calls, dispatching or prioritising first "
        "responders, or emergency-patient triage",
    ),
    ("6", "a", "Assessing the risk that a person becomes the victim of a crime"),
    ("6", "b", "Polygraphs and similar tools used by or for law enforcement"),
    ("6", "c", "Evaluating the reliability of evidence when investigating or prosecuting crimes"),
    (
        "6",
        "d",
        "Assessing the risk of a person offending or re-offending (not on profiling "
        "alone), or assessing personality traits or past criminal behaviour",
    ),
    ("6", "e", "Profiling people when detecting, investigating or prosecuting crimes"),
    (
        "7",
        "a",
        "Polygraphs and similar tools used by or for migration, asylum or border authorities",
    ),
    (
        "7",
        "b",
        "Assessing a security, irregular-migration or health risk posed by a person "
        "entering or in a Member State",
    ),
    (
        "7",
        "c",
        "Helping examine applications for asylum, visas or residence permits and the "
        "related complaints, including the reliability of evidence",
    ),
    (
        "7",
        "d",
        "Detecting, recognising or identifying people in migration, asylum or border "
        "control (checking travel documents excepted)",
    ),
    (
        "8",
        "a",
        "Helping a judicial authority, or alternative dispute resolution, research and "
        "interpret facts and law and apply the law to facts",
    ),
    (
        "8",
        "b",
        "Influencing the outcome of an election or referendum, or people's voting "
        "behaviour (not tools that organise campaigns logistically)",
    ),
)


def annex_iii_identifier(area: str, letter: str = "") -> str:
    """``Annex III(4)`` for an area, ``Annex III(4)(a)`` for one of its points."""
    return f"Annex III({area})" + (f"({letter})" if letter else "")


def use_value(area: str, letter: str = "") -> str:
    """The answer naming an Annex III use: ``"4a"``, or ``"2"`` for the area without points."""
    return f"{area}{letter}"


ANNEX_III_USES = tuple(
    Choice(
        use_value(area, letter),
        f"{area}{f'({letter})' if letter else ''} {text}",
        (annex_iii_identifier(area, letter),),
        group=f"{area}. {AREA_TITLES[area]}",
    )
    for area, letter, text in ANNEX_III_POINTS
)
_USES = {use_value(area, letter): (area, letter) for area, letter, _ in ANNEX_III_POINTS}


def annex_iii_use(answers: Answers) -> tuple[str, str] | None:
    """The Annex III (area, letter) the answers name, or ``None``."""
    return _USES.get(str(answers.get("annex_iii_use") or ""))


# --- Art. 6(3): the exemption's conditions --------------------------------------------------------
EXEMPTION_CONDITIONS = (
    Choice("a", "It performs a narrow procedural task", ("Art. 6(3)",)),
    Choice(
        "b",
        "It improves the result of a human activity already completed",
        ("Art. 6(3)",),
    ),
    Choice(
        "c",
        "It detects decision-making patterns, or deviations from earlier patterns, without "
        "replacing or influencing the completed human assessment without proper human review",
        ("Art. 6(3)",),
    ),
    Choice(
        "d",
        "It performs a task preparatory to an assessment relevant to the Annex III use",
        ("Art. 6(3)",),
    ),
)

# --- Art. 50: transparency ------------------------------------------------------------------------
TRANSPARENCY_TRIGGERS = (
    Choice(
        "interacts",
        "People interact with it directly (a chatbot, a voice assistant): they must be told "
        "they are dealing with an AI system",
        ("Art. 50(1)",),
    ),
    Choice(
        "synthetic",
        "It generates synthetic audio, images, video or text",
        ("Art. 50(2)",),
    ),
    Choice(
        "emotion_or_biometric",
        "It recognises emotions or categorises people from biometric data",
        ("Art. 50(3)",),
    ),
    Choice(
        "deep_fake",
        "It generates or manipulates images, audio or video as a deep fake, or text published to "
        "inform the public on matters of public interest",
        ("Art. 50(4)",),
    ),
)

COMPUTE_CHOICES = (
    Choice("above", "More than 10^25 floating-point operations (FLOP)", ("Art. 51(2)",)),
    Choice("below", "10^25 FLOP or less"),
    Choice("unknown", "Not known"),
)


# --- The steps ------------------------------------------------------------------------------------
def _is_gpai(answers: Answers) -> bool:
    return _yes(answers, "general_purpose_model")


def prohibited_practices(answers: Answers) -> list[str]:
    return _chosen(answers, "prohibited_practices")


def _in_scope_and_allowed(answers: Answers) -> bool:
    return in_scope(answers) and not prohibited_practices(answers)


def _claims_conditions(answers: Answers) -> bool:
    return bool(_chosen(answers, "exemption_conditions")) and not _yes(answers, "profiling")


STEPS: tuple[Step, ...] = (
    Step(
        "scope",
        "An AI system?",
        "The Act applies to AI systems: machine-based systems that work with some autonomy and "
        "infer from their input how to produce outputs — predictions, content, recommendations "
        "or decisions — that can influence physical or virtual environments.",
        (
            Question(
                "infers_outputs",
                "Does it infer from its input how to produce its outputs (predictions, content, "
                "recommendations or decisions), rather than only run rules people wrote?",
                "yes_no",
                help="A model trained on data, or reasoning over knowledge, infers; a "
                "spreadsheet formula or a fixed rule set does not.",
            ),
            Question(
                "operates_autonomously",
                "Is it designed to work with some degree of autonomy, without a person steering "
                "each step?",
                "yes_no",
            ),
        ),
        cites=("Art. 3(1)",),
    ),
    Step(
        "prohibited",
        "Prohibited practices",
        "Art. 5(1) forbids a few uses outright: such a system may not be placed on the market, "
        "put into service or used in the EU.",
        (
            Question(
                "prohibited_practices",
                "Does it do any of the following?",
                "many",
                (*PROHIBITED_PRACTICES, Choice(NONE, "None of these")),
                help="Tick every practice that applies, or “None of these”.",
            ),
        ),
        cites=("Art. 5(1)",),
        relevant=in_scope,
    ),
    Step(
        "annex_i",
        "Products under Annex I",
        "A product covered by the EU product legislation listed in Annex I (machinery, toys, "
        "lifts, medical devices, radio equipment, vehicles…), or a safety component of one, is "
        "high-risk when that legislation requires a third-party conformity assessment.",
        (
            Question(
                "annex_i_product",
                "Is it a product covered by the legislation listed in Annex I, or a safety "
                "component of such a product?",
                "yes_no",
            ),
            Question(
                "third_party_assessment",
                "Must that product undergo a third-party conformity assessment under that "
                "legislation?",
                "yes_no",
                help="Asked only when it is an Annex I product or safety component.",
                asked=lambda answers: _yes(answers, "annex_i_product"),
            ),
        ),
        cites=("Art. 6(1)", "Annex I"),
        relevant=_in_scope_and_allowed,
    ),
    Step(
        "annex_iii",
        "Uses listed in Annex III",
        "Annex III lists uses that make a system high-risk (Art. 6(2)). Choose the one that "
        "describes what it is used for, or “None of these”.",
        (
            Question(
                "annex_iii_use",
                "Which Annex III use describes it?",
                "one",
                (Choice(NONE, "None of these uses"), *ANNEX_III_USES),
            ),
        ),
        cites=("Art. 6(2)", "Annex III"),
        relevant=_in_scope_and_allowed,
    ),
    Step(
        "exemption",
        "The Art. 6(3) exemption",
        "An Annex III system is not high-risk when it poses no significant risk of harm to "
        "people's health, safety or fundamental rights, including by not materially influencing "
        "the outcome of decisions — which Art. 6(3) recognises in four cases. A system that "
        "profiles people is always high-risk, whatever else holds.",
        (
            Question(
                "profiling",
                "Does it profile people — evaluate personal aspects such as work performance, "
                "economic situation, health, preferences, reliability, behaviour, location or "
                "movements by automated processing of personal data?",
                "yes_no",
                help="Profiling as defined in Art. 4(4) of the GDPR.",
            ),
            Question(
                "exemption_conditions",
                "Which of these describe what it does?",
                "many",
                (*EXEMPTION_CONDITIONS, Choice(NONE, "None of these")),
                help="Tick every case that holds, or “None of these”.",
            ),
            Question(
                "exemption_reasoning",
                "Why does it pose no significant risk of harm? (kept as the documented "
                "assessment that Art. 6(4) asks for)",
                "text",
                help="Asked when a case above holds and it does not profile people.",
                asked=_claims_conditions,
            ),
        ),
        cites=("Art. 6(3)",),
        relevant=lambda answers: _in_scope_and_allowed(answers) and bool(annex_iii_use(answers)),
    ),
    Step(
        "transparency",
        "Transparency (Art. 50)",
        "Some systems owe people disclosure whatever their tier: that they deal with AI, or that "
        "content is AI-generated or manipulated.",
        (
            Question(
                "transparency_triggers",
                "Which of these apply?",
                "many",
                (*TRANSPARENCY_TRIGGERS, Choice(NONE, "None of these")),
                help="Tick every one that applies, or “None of these”.",
            ),
            Question(
                "obviously_ai",
                "Is it obvious to the people who deal with it, from the circumstances, that it "
                "is an AI system (e.g. staff using a tool introduced to them as AI)?",
                "yes_no",
                help="Asked when people interact with it: then Art. 50(1) asks no further notice.",
                asked=lambda answers: "interacts" in _chosen(answers, "transparency_triggers"),
            ),
            Question(
                "assistive_only",
                "Does its generated content only assist standard editing, or leave the input "
                "and its meaning substantially unchanged (e.g. a summary, a translation, a "
                "suggested completion that a person edits)?",
                "yes_no",
                help="Asked when it generates synthetic content: then the marking duty of Art. "
                "50(2) does not apply.",
                asked=lambda answers: "synthetic" in _chosen(answers, "transparency_triggers"),
            ),
        ),
        cites=("Art. 50",),
        relevant=_in_scope_and_allowed,
    ),
    Step(
        "gpai",
        "General-purpose AI model",
        "A general-purpose AI model is trained on broad data at scale, competent at a wide "
        "range of distinct tasks, and can be built into many downstream systems. Its provider "
        "has duties of its own (Art. 53), and more when the model has systemic risk (Art. 55).",
        (
            Question(
                "general_purpose_model",
                "Is it a general-purpose AI model (not only a system built on one)?",
                "yes_no",
            ),
            Question(
                "training_compute",
                "How much compute was used to train it?",
                "one",
                COMPUTE_CHOICES,
                help="Above 10^25 FLOP, a model is presumed to have high-impact capabilities.",
                asked=_is_gpai,
            ),
            Question(
                "designated",
                "Has the Commission designated it as a model with systemic risk?",
                "yes_no",
                asked=_is_gpai,
            ),
        ),
        cites=("Art. 51",),
        relevant=_in_scope_and_allowed,
    ),
)
STEP_KEYS = tuple(step.key for step in STEPS)
QUESTIONS = {question.key: question for step in STEPS for question in step.questions}


def step(key: str) -> Step:
    for one in STEPS:
        if one.key == key:
            return one
    raise KeyError(f"No step {key!r} in the questionnaire (steps: {', '.join(STEP_KEYS)}).")


def steps_for(answers: Answers) -> list[Step]:
    """The steps the answers so far make relevant, in order."""
    return [one for one in STEPS if one.relevant(answers)]


def neighbours(answers: Answers, key: str) -> tuple[Step | None, Step | None]:
    """The relevant steps before and after ``key`` (``None`` at either end)."""
    keys = [one.key for one in steps_for(answers)]
    if key not in keys:
        return (None, None)
    index = keys.index(key)
    before = step(keys[index - 1]) if index > 0 else None
    after = step(keys[index + 1]) if index + 1 < len(keys) else None
    return before, after


# --- Checking answers -----------------------------------------------------------------------------
def clean(one: Step, answers: Answers) -> dict:
    """``answers`` with the step's questions that are not asked dropped (their stale values)."""
    kept = dict(answers)
    for question in one.questions:
        if not question.asked(kept):
            kept.pop(question.key, None)
    return kept


def problems(one: Step, answers: Answers) -> dict[str, str]:
    """What is wrong with the answers to one step: question key → a sentence (none: ``{}``)."""
    found: dict[str, str] = {}
    for question in one.asked(answers):
        value = answers.get(question.key)
        if question.kind == "yes_no":
            if value not in (YES, NO):
                found[question.key] = "Answer yes or no."
        elif question.kind == "one":
            if not question.choice(str(value or "")):
                found[question.key] = "Choose one answer."
        elif question.kind == "many":
            values = value if isinstance(value, list) else []
            if not values:
                found[question.key] = "Tick what applies, or “None of these”."
            elif any(question.choice(v) is None for v in values):
                found[question.key] = "Choose among the answers listed."
            elif NONE in values and len(values) > 1:
                found[question.key] = "“None of these” goes alone: untick it or the others."
        elif question.kind == "text" and not str(value or "").strip():
            found[question.key] = "Say why, in a sentence or two."
    return found


def missing_steps(answers: Answers) -> list[Step]:
    """The relevant steps whose answers are missing or wrong: none when complete."""
    return [one for one in steps_for(answers) if problems(one, answers)]


def is_complete(answers: Answers) -> bool:
    return not missing_steps(answers)


def relevant_answers(answers: Answers) -> dict:
    """Only the answers to the questions asked in the relevant steps: what a record keeps."""
    kept = {}
    for one in steps_for(answers):
        for question in one.asked(answers):
            if question.key in answers:
                kept[question.key] = answers[question.key]
    return kept


# --- The result -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    in_scope: bool
    tier: str
    annex_iii_area: str = ""  # an AnnexIIIArea value ("4", "annex_i") or ""
    annex_iii_point: str = ""  # a letter, or ""
    exemption_claimed: bool = False
    prohibited_practices: tuple[str, ...] = ()
    transparency: tuple[str, ...] = ()  # the Art. 50 duties that apply (trigger values)
    interacts_with_people: bool = False
    general_purpose_model: bool = False
    systemic_risk: bool = False
    articles: tuple[str, ...] = ()
    rationale: str = ""

    @property
    def annex_iii_listed(self) -> bool:
        """Whether the answers name an Annex III use (exempted or not)."""
        return self.annex_iii_area in AREA_TITLES

    def needs_confirmation(self, current_area: str = "") -> bool:
        """An Art. 6(3) exemption, or a result other than high-risk for a system in an Annex III
        area (named in the answers, or ``current_area``, the system's own): the committee
        confirms it before it applies."""
        if self.exemption_claimed:
            return True
        in_annex_iii = self.annex_iii_listed or current_area in AREA_TITLES
        return in_annex_iii and self.tier in (EUAIActTier.LIMITED, EUAIActTier.MINIMAL)


class IncompleteAnswers(ValueError):
    """Raised by :func:`classify` when a relevant step is unanswered or wrongly answered."""


def classify(answers: Answers) -> Result:
    """The proposed classification that complete ``answers`` lead to; see the module."""
    missing = missing_steps(answers)
    if missing:
        titles = ", ".join(one.title for one in missing)
        raise IncompleteAnswers(f"Some steps are not answered yet: {titles}.")
    cited: list[str] = []
    reasons: list[str] = []

    def cite(*identifiers: str) -> None:
        cited.extend(i for i in identifiers if i not in cited)

    cite("Art. 3(1)")
    if not in_scope(answers):
        reasons.append(
            "It is not an AI system in the sense of Art. 3(1): "
            + (
                "it does not infer its outputs from its input"
                if not _yes(answers, "infers_outputs")
                else "it is not designed to work with any autonomy"
            )
            + ". The AI Act's obligations do not apply to it; it is recorded as minimal risk."
        )
        return Result(
            in_scope=False,
            tier=EUAIActTier.MINIMAL,
            articles=tuple(cited),
            rationale="\n\n".join(reasons),
        )
    reasons.append(
        "It is an AI system in the sense of Art. 3(1): it infers its outputs from its input "
        "and works with some autonomy."
    )
    practices = prohibited_practices(answers)
    if practices:
        question = QUESTIONS["prohibited_practices"]
        named = []
        for value in practices:
            choice = question.choice(value)
            cite(*choice.cites)
            named.append(f"{choice.label.lower()} ({', '.join(choice.cites)})")
        reasons.append(
            "It is a prohibited practice: "
            + "; ".join(named)
            + ". It may not be placed on the market, put into service or used in the EU."
        )
        if "intimate_imagery" in practices:
            reasons.append(
                "The prohibition on non-consensual intimate imagery and child sexual abuse "
                "material was added by Reg. (EU) 2026/1744 and applies from 2 Dec 2026 (as "
                "reported: unverified against the Official Journal)."
            )
        return Result(
            in_scope=True,
            tier=EUAIActTier.PROHIBITED,
            prohibited_practices=tuple(practices),
            articles=tuple(cited),
            rationale="\n\n".join(reasons),
        )
    reasons.append("None of the practices prohibited by Art. 5(1) applies.")
    tier = EUAIActTier.MINIMAL
    area, point, exemption = "", "", False

    annex_i = _yes(answers, "annex_i_product") and _yes(answers, "third_party_assessment")
    if annex_i:
        cite("Art. 6(1)", "Annex I")
        tier, area = EUAIActTier.HIGH_RISK, AnnexIIIArea.ANNEX_I
        reasons.append(
            "It is high-risk under Art. 6(1): it is a product covered by the legislation listed "
            "in Annex I, or a safety component of one, and that product must undergo a "
            "third-party conformity assessment."
        )
    elif _yes(answers, "annex_i_product"):
        reasons.append(
            "It is an Annex I product or safety component, but no third-party conformity "
            "assessment is required: Art. 6(1) does not make it high-risk."
        )

    use = annex_iii_use(answers)
    if use:
        area, point = use
        identifier = annex_iii_identifier(area, point)
        cite("Art. 6(2)", identifier)
        listed = f"Its use is listed in {identifier}: {_use_text(area, point)}."
        conditions = _chosen(answers, "exemption_conditions")
        if _yes(answers, "profiling"):
            tier = EUAIActTier.HIGH_RISK
            cite("Art. 6(3)")
            reasons.append(listed)
            ticked = ", ".join(f"({c})" for c in conditions)
            reasons.append(
                "It profiles people, so it is high-risk whatever else holds: the last "
                "subparagraph of Art. 6(3) rules out the exemption for profiling."
                + (
                    f" The Art. 6(3) cases ticked, {ticked}, do not change that."
                    if conditions
                    else ""
                )
            )
        elif conditions and annex_i:
            cite("Art. 6(3)")
            reasons.append(listed)
            reasons.append(
                "Some Art. 6(3) cases hold, but the exemption concerns Annex III uses only: as "
                "an Annex I product it stays high-risk under Art. 6(1)."
            )
        elif conditions:
            exemption = True
            cite("Art. 6(3)", "Art. 6(4)", "Art. 49")
            reasons.append(listed)
            question = QUESTIONS["exemption_conditions"]
            held = "; ".join(f"({c}) {_lower_first(question.choice(c).label)}" for c in conditions)
            reasoning = str(answers.get("exemption_reasoning", "")).strip()
            reasons.append(
                f"The Art. 6(3) exemption is claimed: it does not profile people, and {held}. "
                f"The reason given: “{reasoning}” Under Art. 6(4) this assessment is documented "
                "before the system is placed on the market or put into service, and the system "
                "is still registered in the EU database (Art. 49); the committee confirms the "
                "claim before it applies."
            )
        else:
            tier = EUAIActTier.HIGH_RISK
            reasons.append(
                f"It is high-risk under Art. 6(2). {listed} None of the Art. 6(3) cases holds, "
                "so the exemption is not available."
            )
    elif not annex_i:
        reasons.append("None of the uses listed in Annex III describes it (Art. 6(2)).")

    triggers = _chosen(answers, "transparency_triggers")
    exempted = {
        "interacts": _yes(answers, "obviously_ai"),
        "synthetic": _yes(answers, "assistive_only"),
    }
    duties = [t for t in triggers if not exempted.get(t)]
    if "interacts" in triggers and "interacts" not in duties:
        reasons.append(
            "People interact with it, but it is obvious to them from the circumstances that it "
            "is an AI system: Art. 50(1) asks no further notice."
        )
    if "synthetic" in triggers and "synthetic" not in duties:
        reasons.append(
            "It generates content, but only to assist standard editing or without substantially "
            "changing the input and its meaning: the marking duty of Art. 50(2) does not apply."
        )
    if duties:
        question = QUESTIONS["transparency_triggers"]
        named = []
        for value in duties:
            choice = question.choice(value)
            cite(*choice.cites)
            named.append(f"{_lower_first(choice.label)} ({', '.join(choice.cites)})")
        if tier == EUAIActTier.MINIMAL:
            tier = EUAIActTier.LIMITED
            reasons.append(
                "It has transparency obligations (limited risk): " + "; ".join(named) + "."
            )
        else:
            reasons.append(
                "On top of its tier, Art. 50's transparency obligations apply: "
                + "; ".join(named)
                + "."
            )
    elif tier == EUAIActTier.MINIMAL:
        reasons.append("No transparency obligation of Art. 50 applies: it is minimal risk.")

    gpai = _yes(answers, "general_purpose_model")
    systemic = False
    if gpai:
        cite("Art. 51", "Art. 53")
        presumed = answers.get("training_compute") == "above"
        designated = _yes(answers, "designated")
        systemic = presumed or designated
        if systemic:
            cite(*(("Art. 51(2)",) if presumed else ()), "Art. 55")
            why = []
            if presumed:
                why.append(
                    "it was trained with more than 10^25 FLOP, which Art. 51(2) presumes "
                    "gives high-impact capabilities"
                )
            if designated:
                why.append("the Commission designated it")
            reasons.append(
                "It is a general-purpose AI model with systemic risk (Art. 51): "
                + " and ".join(why)
                + ". Its provider has the duties of Art. 53 and Art. 55."
            )
        else:
            compute = (
                "its training compute is not known; if it exceeds 10^25 FLOP, Art. 51(2) "
                "presumes systemic risk"
                if answers.get("training_compute") == "unknown"
                else "its training compute does not reach 10^25 FLOP and it is not designated"
            )
            reasons.append(
                f"It is a general-purpose AI model without systemic risk: {compute}. Its "
                "provider has the duties of Art. 53."
            )
    return Result(
        in_scope=True,
        tier=tier,
        annex_iii_area=area,
        annex_iii_point=point,
        exemption_claimed=exemption,
        transparency=tuple(duties),
        interacts_with_people="interacts" in duties,
        general_purpose_model=gpai,
        systemic_risk=systemic,
        articles=tuple(cited),
        rationale="\n\n".join(reasons),
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _use_text(area: str, letter: str) -> str:
    text = next(t for a, p, t in ANNEX_III_POINTS if a == area and p == letter)
    return _lower_first(text)


# --- Starting answers from what the register knows ------------------------------------------------
def prefill(facts: Mapping[str, object]) -> dict:
    """Answers a new classification starts from, read off a system's facts (its field values):
    the Annex III use it is recorded under, whether people interact with it, whether it
    generates content, whether it is a general-purpose model. Every answer is still the
    person's to confirm or change, step by step."""
    answers: dict = {}
    area = str(facts.get("eu_ai_act_area") or "")
    if area == AnnexIIIArea.ANNEX_I:
        answers["annex_i_product"] = YES
    else:
        use = use_value(area, str(facts.get("annex_iii_point") or ""))
        if use in _USES:
            answers["annex_iii_use"] = use
        elif use_value(area) in _USES:  # area 2: no points
            answers["annex_iii_use"] = use_value(area)
    triggers = []
    if facts.get("interacts_with_people"):
        triggers.append("interacts")
    if facts.get("ai_kind") == "generative":
        triggers.append("synthetic")
    if triggers:
        answers["transparency_triggers"] = triggers
    if "is_general_purpose_model" in facts:
        answers["general_purpose_model"] = YES if facts["is_general_purpose_model"] else NO
    return answers
