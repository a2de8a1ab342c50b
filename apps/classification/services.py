"""Every write of classifications: the draft's answers, saving a record, applying it to its
system, the committee's confirmation, and the flag raised when the facts it rests on change.

Each function checks its rules, writes inside one transaction, records who did it and why in
the history, and raises ``PermissionDenied`` or ``ValidationError`` with a clear message.
Pages and the API call these same functions.

Applying a classification changes the system through
:func:`apps.systems.services.update_system`, so that its compliance obligations follow
(:mod:`apps.systems.hooks`), with the record as the change's reason (“Classification CLS-0012
v2”). A record that needs the committee's confirmation (an Art. 6(3) exemption, or a result
other than high-risk for a system in an Annex III area) goes to the committee as a review of
kind ``classification`` (:func:`apps.reviews.services.submit_document_for_review`); its approval
confirms and applies it (:func:`on_review_approved`), its rejection leaves it not confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.classification import permissions, questionnaire
from apps.classification.models import (
    WATCHED_FACTS,
    ClassificationDraft,
    ClassificationRecord,
    RecordStatus,
    SystemClassification,
)
from apps.core.audit import save_with_history
from apps.reminders.events import notify
from apps.reminders.models import ReminderReason
from apps.reviews import services as review_services
from apps.reviews.models import OPEN_STATUSES, Review, ReviewKind, ReviewStatus
from apps.reviews.subjects import ReviewSubject
from apps.systems import services as system_services
from apps.systems.models import AISystem, EUAIActTier
from apps.systems.permissions import can_edit_system

KIND = ReviewKind.CLASSIFICATION


# --- The draft ------------------------------------------------------------------------------------
def _check_may_classify(system: AISystem, by) -> None:
    refusal = permissions.why_cannot_classify(by, system)
    if refusal:
        raise PermissionDenied(refusal)


def facts_of(system: AISystem) -> dict:
    return {field.attname: getattr(system, field.attname) for field in AISystem._meta.fields}


def starting_answers(system: AISystem) -> dict:
    """What a new classification starts from: the latest one's answers, or, for a system never
    classified, what the register knows of it (:func:`questionnaire.prefill`)."""
    latest = system.classifications.order_by("-number").only("answers").first()
    if latest is not None:
        return dict(latest.answers)
    return questionnaire.prefill(facts_of(system))


def draft_for(*, system: AISystem, by) -> ClassificationDraft:
    """The person's draft for the system: the one they left, or a new one (see
    :func:`starting_answers`)."""
    _check_may_classify(system, by)
    draft = ClassificationDraft.objects.filter(system=system, author=by).first()
    if draft is None:
        draft, _ = ClassificationDraft.objects.get_or_create(
            system=system, author=by, defaults={"answers": starting_answers(system)}
        )
    return draft


def save_step(
    *, draft: ClassificationDraft, step_key: str, answers: Mapping
) -> ClassificationDraft:
    """Keep ``answers`` to one step's questions in the draft (what was typed, checked or not:
    going back loses nothing); the questions the step does not ask now are dropped."""
    one = questionnaire.step(step_key)
    merged = dict(draft.answers)
    for question in one.questions:
        if question.key in answers:
            merged[question.key] = answers[question.key]
    draft.answers = questionnaire.clean(one, merged)
    draft.step = step_key
    draft.save(update_fields=["answers", "step", "updated_at"])
    return draft


def discard_draft(*, system: AISystem, by) -> int:
    """Throw the person's draft away (start again from the system's facts)."""
    deleted, _ = ClassificationDraft.objects.filter(system=system, author=by).delete()
    return deleted


# --- Saving a record ------------------------------------------------------------------------------
def _state_for_update(system: AISystem) -> SystemClassification:
    state, _ = SystemClassification.objects.select_for_update().get_or_create(system=system)
    return state


@transaction.atomic
def record_classification(
    *, system: AISystem, by, answers: Mapping, reason: str = ""
) -> ClassificationRecord:
    """Save complete ``answers`` as the system's next classification (v1, v2…), with the
    result they lead to; the system's flag "classification to confirm" is cleared and the
    person's draft thrown away."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    _check_may_classify(system, by)
    kept = questionnaire.relevant_answers(answers)
    try:
        result = questionnaire.classify(kept)
    except questionnaire.IncompleteAnswers as error:
        raise ValidationError(str(error)) from error
    number = (system.classifications.aggregate(last=Max("number"))["last"] or 0) + 1
    record = ClassificationRecord(
        system=system,
        number=number,
        answers=kept,
        in_scope=result.in_scope,
        tier=result.tier,
        annex_iii_area=result.annex_iii_area,
        annex_iii_point=result.annex_iii_point,
        exemption_claimed=result.exemption_claimed,
        prohibited_practices=list(result.prohibited_practices),
        transparency=list(result.transparency),
        interacts_with_people=result.interacts_with_people,
        general_purpose_model=result.general_purpose_model,
        systemic_risk=result.systemic_risk,
        articles=list(result.articles),
        rationale=result.rationale,
        needs_confirmation=result.needs_confirmation(system.eu_ai_act_area),
        created_by=by,
    )
    save_with_history(record, by=by, reason=reason.strip()[:255] or "Classified")
    state = _state_for_update(system)
    state.latest = record
    state.to_confirm = False
    state.changed_facts = []
    state.flagged_at = None
    save_with_history(state, by=by, reason=f"{record.label} recorded")
    ClassificationDraft.objects.filter(system=system, author=by).delete()
    return record


# --- Applying it to the system --------------------------------------------------------------------
def system_changes(record: ClassificationRecord, system: AISystem) -> dict:
    """The system's fields that applying ``record`` changes, with their new values: its EU AI
    Act tier, Annex III area and point. (The facts the answers rest on — whether people
    interact with it, whether it is a general-purpose model — stay the team's to edit on the
    system: the questionnaire starts from them.)"""
    high_risk = record.tier == EUAIActTier.HIGH_RISK
    wanted = {
        "eu_ai_act_tier": record.tier,
        "eu_ai_act_area": record.annex_iii_area if high_risk else "",
        "annex_iii_point": record.annex_iii_point if high_risk else "",
    }
    return {name: value for name, value in wanted.items() if getattr(system, name) != value}


def _is_latest(record: ClassificationRecord) -> bool:
    return not record.system.classifications.filter(number__gt=record.number).exists()


def _superseded(record: ClassificationRecord) -> str:
    if _is_latest(record):
        return ""
    return f"A later classification of {record.system.reference} supersedes {record.label}."


def _lock(record: ClassificationRecord) -> ClassificationRecord:
    return (
        ClassificationRecord.objects.select_for_update().select_related("system").get(pk=record.pk)
    )


def _locked_for_action(record: ClassificationRecord, by, problem_of) -> ClassificationRecord:
    """The record, locked, once the person may act on it and ``problem_of(record)`` is ""."""
    record = _lock(record)
    refusal = permissions.why_cannot_act_on(by, record)
    if refusal:
        raise PermissionDenied(refusal)
    problem = problem_of(record)
    if problem:
        raise ValidationError(problem)
    return record


def _write_to_system(record: ClassificationRecord, *, by, reason: str) -> None:
    changes = system_changes(record, record.system)
    if changes:
        record.system = system_services.update_system(
            system=record.system, by=by, data=changes, reason=reason
        )


def why_cannot_apply(record: ClassificationRecord) -> str:
    """What stands in the way of applying ``record`` (its state, not the person), or ""."""
    if record.is_applied:
        return f"{record.label} is already applied to {record.system.reference}."
    if record.status == RecordStatus.NOT_CONFIRMED:
        return f"The committee did not confirm {record.label}: it cannot be applied."
    if record.needs_confirmation and record.status != RecordStatus.CONFIRMED:
        return (
            f"{record.label} needs the committee's confirmation before it applies: ask the "
            "committee to confirm it."
        )
    return _superseded(record)


@transaction.atomic
def apply_classification(
    *, record: ClassificationRecord, by, reason: str = ""
) -> ClassificationRecord:
    """Set the system's EU AI Act tier, Annex III area and point from ``record``."""
    record = _locked_for_action(record, by, why_cannot_apply)
    _write_to_system(record, by=by, reason=reason.strip()[:255] or f"Classification {record.label}")
    if record.status != RecordStatus.CONFIRMED:
        record.status = RecordStatus.APPLIED
    record.applied_at = timezone.now()
    record.applied_by = by
    save_with_history(
        record,
        by=by,
        reason=f"Applied to {record.system.reference}",
        update_fields=["status", "applied_at", "applied_by", "updated_at"],
    )
    return record


# --- The committee's confirmation -----------------------------------------------------------------
def open_review(system: AISystem) -> Review | None:
    """The system's classification review in progress, if any."""
    return system.reviews.filter(kind=KIND, status__in=OPEN_STATUSES).first()


def why_cannot_request_confirmation(record: ClassificationRecord) -> str:
    if not record.needs_confirmation:
        return f"{record.label} needs no confirmation: apply it to the system."
    if record.status != RecordStatus.PROPOSED:
        return f"{record.label} is {record.get_status_display().lower()}."
    return _superseded(record)


@transaction.atomic
def request_confirmation(
    *, record: ClassificationRecord, by, reviewers: Iterable = (), note: str = ""
) -> Review:
    """Ask the committee to confirm ``record``: a review of kind ``classification``, or — when
    the committee asked for changes on an earlier version — the new version for that review."""
    record = _locked_for_action(record, by, why_cannot_request_confirmation)
    in_progress = open_review(record.system)
    if in_progress is not None and in_progress.status == ReviewStatus.CHANGES_REQUESTED:
        earlier = in_progress.subject
        review = review_services.resubmit_document(
            review=in_progress, subject=record, by=by, note=note
        )
        if isinstance(earlier, ClassificationRecord) and earlier.pk != record.pk:
            earlier = _lock(earlier)
            earlier.status = RecordStatus.NOT_CONFIRMED
            earlier.decided_at = timezone.now()
            save_with_history(
                earlier,
                by=by,
                reason=f"Changes requested in {review.reference}: superseded by {record.label}",
                update_fields=["status", "decided_at", "updated_at"],
            )
    else:
        review = review_services.submit_document_for_review(
            system=record.system,
            kind=KIND,
            subject=record,
            by=by,
            reviewers=reviewers,
            note=note,
        )
    record.status = RecordStatus.AWAITING_CONFIRMATION
    record.review = review
    save_with_history(
        record,
        by=by,
        reason=f"Sent to the committee for confirmation ({review.reference})",
        update_fields=["status", "review", "updated_at"],
    )
    return review


def on_review_approved(*, review: Review, subject: ClassificationRecord, by) -> None:
    """The committee confirmed the classification (``apps.reviews.subjects``): it is confirmed
    and, while it is still the system's latest, applied to the system.

    The system's change is made in the name of the team member who asked for the confirmation
    (a committee member does not edit a team's system), the review named as its reason; if that
    person may no longer edit the system, the record stays confirmed for the team to apply."""
    record = _lock(subject)
    record.status = RecordStatus.CONFIRMED
    record.decided_at = timezone.now()
    save_with_history(
        record,
        by=by,
        reason=f"Confirmed by the committee ({review.reference})",
        update_fields=["status", "decided_at", "updated_at"],
    )
    applier = review.submitted_by
    if _is_latest(record) and can_edit_system(applier, record.system):
        _write_to_system(
            record,
            by=applier,
            reason=f"Classification {record.label}, confirmed by the committee "
            f"({review.reference})",
        )
        record.applied_at = timezone.now()
        record.applied_by = applier
        save_with_history(
            record,
            by=by,
            reason=f"Applied to {record.system.reference} on the committee's confirmation",
            update_fields=["applied_at", "applied_by", "updated_at"],
        )


def on_review_closed(*, review: Review, subject: ClassificationRecord, by, status: str) -> None:
    """Rejected: the classification is not confirmed. Withdrawn by the team: it is a proposal
    again, which the team may send again or replace."""
    record = _lock(subject)
    if status == ReviewStatus.REJECTED:
        record.status = RecordStatus.NOT_CONFIRMED
        record.decided_at = timezone.now()
        reason = f"Not confirmed: the committee rejected it ({review.reference})"
        fields = ["status", "decided_at", "updated_at"]
    else:
        record.status = RecordStatus.PROPOSED
        record.review = None
        reason = f"The request for confirmation was withdrawn ({review.reference})"
        fields = ["status", "review", "updated_at"]
    save_with_history(record, by=by, reason=reason, update_fields=fields)


def describe(record: ClassificationRecord) -> str:
    return f"Classification v{record.number}: {record.tier_with_area}"


# What a review of kind "classification" reviews (registered in AppConfig.ready()).
REVIEW_SUBJECT = ReviewSubject(
    kind=KIND,
    template="classification/_review_subject.html",
    on_approved=on_review_approved,
    on_closed=on_review_closed,
    describe=describe,
)


# --- Facts changed: classification to confirm -----------------------------------------------------
def fact_labels(names: Iterable[str]) -> list[str]:
    return [str(AISystem._meta.get_field(name).verbose_name) for name in names]


def on_facts_changed(*, systems, changed, by, reason: str) -> None:
    """The systems app's hook (:mod:`apps.systems.hooks`): when a fact a classification rests
    on (:data:`WATCHED_FACTS`) changes after the system's latest record, the system is flagged
    "classification to confirm" and its owners are told."""
    if changed is None:
        return  # a new system: nothing classified yet
    watched = [name for name in WATCHED_FACTS if name in changed]
    if not watched:
        return
    states = {
        state.pk: state
        for state in SystemClassification.objects.select_for_update()
        .filter(system__in=[system.pk for system in systems], latest__isnull=False)
        .select_related("latest")
        .order_by("pk")
    }
    for system in systems:
        state = states.get(system.pk)
        if state is None:
            continue  # never classified
        facts = [name for name in WATCHED_FACTS if name in {*state.changed_facts, *watched}]
        if state.to_confirm and facts == state.changed_facts:
            continue
        first = not state.to_confirm
        state.to_confirm = True
        state.changed_facts = facts
        state.flagged_at = state.flagged_at if not first else timezone.now()
        labels = ", ".join(fact_labels(watched))
        save_with_history(state, by=by, reason=f"Classification to confirm: {labels} changed"[:255])
        notify(
            reason=ReminderReason.CLASSIFICATION_TO_CONFIRM,
            record=system,
            recipients=[system.business_owner_id, system.technical_owner_id],
            by=by,
            title=f"Classification to confirm: the {labels} of {system.reference} "
            f"{system.name} changed since {state.latest.label}",
            url=system.get_absolute_url() + "#classification",
        )
