"""Answers to the classification questionnaire, and classifications recorded through the
service as the questionnaire's last page records them."""

from __future__ import annotations

from apps.classification import services

# A complete set of answers: an AI system, nothing prohibited, no Annex I product, no Annex III
# use, no transparency duty, not a general-purpose model (→ minimal risk).
MINIMAL = {
    "infers_outputs": "yes",
    "operates_autonomously": "yes",
    "prohibited_practices": ["none"],
    "annex_i_product": "no",
    "annex_iii_use": "none",
    "transparency_triggers": ["none"],
    "general_purpose_model": "no",
}

# Annex III 4(a) screening of job applications that profiles candidates (→ high-risk).
CV_SCREENING = {
    **MINIMAL,
    "annex_iii_use": "4a",
    "profiling": "yes",
    "exemption_conditions": ["none"],
}

# The same use, claiming the Art. 6(3) exemption as a preparatory task (→ needs confirmation).
EXEMPTED = {
    **CV_SCREENING,
    "profiling": "no",
    "exemption_conditions": ["d"],
    "exemption_reasoning": "It only orders the queue; a recruiter reads every application.",
}


def answers(base=MINIMAL, **changes) -> dict:
    return {**base, **changes}


def classify(system, by, base=MINIMAL, **changes):
    """A classification of ``system`` recorded by ``by`` with these answers."""
    return services.record_classification(system=system, by=by, answers=answers(base, **changes))
