"""Pages of classifications: the questionnaire on a system (one step a page, htmx in place,
plain POSTs without scripts), the records, their comparison, and the actions on them.

Every page finds its system or record among those the person may read (another team's is a
404) and asks the rules of :mod:`apps.classification.permissions` (a 403 with the reason).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.classification import permissions, questionnaire, selectors, services
from apps.classification.api.exports import ClassificationExporter
from apps.classification.filters import ClassificationFilterSet
from apps.classification.forms import ConfirmationForm, StepForm
from apps.classification.models import ClassificationRecord, RecordStatus
from apps.core.ids import NO_VERSION_TO_COMPARE, version_to_compare
from apps.core.views.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    ServiceFormView,
    add_service_errors,
)
from apps.reviews import selectors as review_selectors
from apps.reviews.models import ReviewSettings
from apps.reviews.services import reviewer_shortage
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem, EUAIActTier

RESULT = "result"  # the questionnaire's last page: the result, before it is saved


# --- The questionnaire ----------------------------------------------------------------------------
class SystemWizardMixin(ObjectMixin):
    """A page of the questionnaire of one system: its contributors' (rule ``classify``)."""

    model = AISystem
    selector = staticmethod(system_selectors.system_detail)
    action = "classify"
    record_name = "system"

    def step_url(self, key: str) -> str:
        return reverse("classification:wizard_step", args=[self.object.pk, key])


class WizardView(SystemWizardMixin, View):
    """Where the person left off: the draft's last step, or the first one."""

    def get(self, request, *args, **kwargs):
        draft = services.draft_for(system=self.object, by=request.user)
        relevant = [step.key for step in questionnaire.steps_for(draft.answers)]
        key = draft.step if draft.step in (*relevant, RESULT) else relevant[0]
        return redirect(self.step_url(key))


class WizardStepView(SystemWizardMixin, TemplateView):
    """One step of the questionnaire (GET), and its answers (POST): *Next* checks them and moves
    on, *Back* keeps what was typed and goes back; the last page shows the result and saves it.
    An htmx request gets the questionnaire's fragment in place, its address pushed; a plain
    POST is answered with a redirect."""

    template_name = "classification/wizard.html"
    partial_template_name = "classification/_wizard.html"

    def dispatch(self, request, *args, **kwargs):
        key = kwargs["step"]
        if key != RESULT and key not in questionnaire.STEP_KEYS:
            raise Http404("No such step in the questionnaire.")
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [self.partial_template_name]
        return [self.template_name]

    @property
    def key(self) -> str:
        return self.kwargs["step"]

    def go(self, key: str):
        """To another page of the questionnaire (the result only once every step is answered:
        otherwise the first step that is not)."""
        missing = questionnaire.missing_steps(self.draft.answers) if key == RESULT else []
        if missing:
            key = missing[0].key
        url = self.step_url(key)
        if self.request.htmx:
            response = self.render_step(key, self.draft)
            response["HX-Push-Url"] = url
            return response
        return redirect(url)

    def render_step(self, key: str, draft, form=None, status=200):
        self.kwargs["step"] = key
        context = self.get_context_data(draft=draft, form=form)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        self.draft = services.draft_for(system=self.object, by=request.user)
        relevant = questionnaire.steps_for(self.draft.answers)
        if self.key == RESULT:
            missing = questionnaire.missing_steps(self.draft.answers)
            if missing:
                messages.info(request, f"Answer “{missing[0].title}” first.")
                return redirect(self.step_url(missing[0].key))
        elif self.key not in [step.key for step in relevant]:
            messages.info(request, "Your answers so far make that step irrelevant.")
            return redirect(self.step_url(relevant[-1].key))
        return self.render_step(self.key, self.draft)

    def post(self, request, *args, **kwargs):
        self.draft = services.draft_for(system=self.object, by=request.user)
        action = request.POST.get("action", "next")
        if self.key == RESULT:
            return self.post_result(action)
        relevant = questionnaire.steps_for(self.draft.answers)
        if self.key not in [one.key for one in relevant]:
            messages.info(request, "Your answers so far make that step irrelevant.")
            return self.go(relevant[-1].key)
        step = questionnaire.step(self.key)
        form = StepForm(request.POST, step=step, answers=self.draft.answers)
        if action == "back":
            services.save_step(draft=self.draft, step_key=step.key, answers=form.typed_answers())
            before, _ = questionnaire.neighbours(self.draft.answers, step.key)
            return self.go(before.key if before else step.key)
        if not form.is_valid():
            services.save_step(draft=self.draft, step_key=step.key, answers=form.typed_answers())
            return self.render_step(step.key, self.draft, form=form)
        services.save_step(draft=self.draft, step_key=step.key, answers=form.step_answers)
        _, after = questionnaire.neighbours(self.draft.answers, step.key)
        return self.go(after.key if after else RESULT)

    def post_result(self, action: str):
        relevant = questionnaire.steps_for(self.draft.answers)
        if action == "back":
            return self.go(relevant[-1].key)
        try:
            record = services.record_classification(
                system=self.object, by=self.request.user, answers=self.draft.answers
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return self.go(RESULT)
        messages.success(self.request, saved_message(record))
        if self.request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = record.get_absolute_url()
            return response
        return redirect(record.get_absolute_url())

    def get_context_data(self, *, draft, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        answers = draft.answers
        relevant = questionnaire.steps_for(answers)
        keys = [step.key for step in relevant]
        context.update(
            {
                "draft": draft,
                "steps": relevant,
                "key": self.key,
                "is_result": self.key == RESULT,
                "is_partial": bool(self.request.htmx),
                "position": keys.index(self.key) + 1 if self.key in keys else len(keys) + 1,
                "total": len(keys) + 1,
                "answered": {
                    step.key for step in relevant if not questionnaire.problems(step, answers)
                },
            }
        )
        if self.key == RESULT:
            result = questionnaire.classify(answers)
            context["result"] = result
            context["needs_confirmation"] = result.needs_confirmation(self.object.eu_ai_act_area)
            context["sections"] = selectors.answer_sections(answers)
            context["result_area"] = _area_words(result.annex_iii_area, result.annex_iii_point)
            context["result_tier_label"] = EUAIActTier(result.tier).label
        else:
            step = questionnaire.step(self.key)
            context["step"] = step
            context["form"] = form or StepForm(step=step, answers=answers)
            before, after = questionnaire.neighbours(answers, step.key)
            context["before"], context["after"] = before, after
        return context


def _area_words(area: str, point: str) -> str:
    if not area:
        return ""
    if area == "annex_i":
        return "Annex I (a product, or a safety component of one)"
    identifier = questionnaire.annex_iii_identifier(area, point)
    return f"{identifier}: {questionnaire.AREA_TITLES[area]}"


def saved_message(record: ClassificationRecord) -> str:
    if record.needs_confirmation:
        follow = "ask the committee to confirm it before it applies"
    else:
        follow = f"apply it to set the tier of {record.system.reference}"
    return f"{record.label} is saved: {record.get_tier_display().lower()}. Next, {follow}."


class DiscardDraftView(SystemWizardMixin, View):
    """Throw the person's answers away and start again from the system's facts."""

    http_method_names = ["post"]
    check_before_method = True

    def post(self, request, *args, **kwargs):
        services.discard_draft(system=self.object, by=request.user)
        messages.success(request, "Your draft answers are thrown away.")
        return redirect(self.object.get_absolute_url() + "#classification")


# --- The records ----------------------------------------------------------------------------------
class ClassificationListView(ObjectListView):
    model = ClassificationRecord
    selector = staticmethod(selectors.classification_list)
    filterset_class = ClassificationFilterSet
    template_name = "classification/list.html"
    partial_template_name = "classification/_list_results.html"


class ClassificationExportView(ObjectExportView):
    exporter = ClassificationExporter
    filterset_class = ClassificationFilterSet


class ClassificationView(ObjectView):
    model = ClassificationRecord
    selector = staticmethod(selectors.classification_detail)
    record_name = "record"

    def get_extra_context(self):
        record, user = self.object, self.request.user
        system = record.system
        can_act = not permissions.why_cannot_act_on(user, record)
        changes = services.system_changes(record, system)
        return {
            "sections": selectors.answer_sections(record.answers),
            "versions": selectors.records_of_system(system),
            "can_act": can_act,
            "apply_problem": services.why_cannot_apply(record),
            "confirm_problem": services.why_cannot_request_confirmation(record),
            "changes": [
                {
                    "label": AISystem._meta.get_field(name).verbose_name,
                    "old": _shown(system, name, getattr(system, name)),
                    "new": _shown(system, name, value),
                }
                for name, value in changes.items()
            ],
            "area_words": _area_words(record.annex_iii_area, record.annex_iii_point),
            "awaiting_decision": record.needs_confirmation
            and record.status in (RecordStatus.PROPOSED, RecordStatus.AWAITING_CONFIRMATION),
        }


def _shown(system: AISystem, name: str, value) -> str:
    field = AISystem._meta.get_field(name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)) if value else "none"
    return str(value)


class ClassificationHistoryView(ObjectHistoryView):
    model = ClassificationRecord
    selector = staticmethod(selectors.classification_detail)


class ApplyClassificationView(ObjectActionView):
    """Apply a classification to its system (its tier, area and point)."""

    model = ClassificationRecord
    selector = staticmethod(selectors.classification_detail)
    check_before_method = True

    def act(self, record):
        record = services.apply_classification(record=record, by=self.request.user)
        return (
            f"{record.label} is applied: {record.system.reference} is now "
            f"{record.get_tier_display().lower()}."
        )


class RequestConfirmationView(ObjectMixin, ServiceFormView):
    """Ask the committee to confirm a classification (an Art. 6(3) exemption, or not high-risk
    for an Annex III area): the reviewers, a note."""

    model = ClassificationRecord
    selector = staticmethod(selectors.classification_detail)
    action = "change"
    record_name = "record"
    template_name = "classification/confirm.html"
    form_class = ConfirmationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["reviewers"] = review_selectors.eligible_reviewers(
            self.object.system, {self.request.user.pk}
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        context["problem"] = services.why_cannot_request_confirmation(record)
        context["open_review"] = services.open_review(record.system)
        context["reviewer_shortage"] = reviewer_shortage(
            required=ReviewSettings.load().approvals_required(record.system.criticality),
            available=len(context["form"].fields["reviewers"].queryset),
            criticality=record.system.criticality,
        )
        return context

    def perform(self, form):
        return services.request_confirmation(
            record=self.object,
            by=self.request.user,
            reviewers=form.cleaned_data["reviewers"],
            note=form.cleaned_data["note"],
        )

    def form_valid(self, form):
        try:
            review = self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{self.object.label} is with the committee ({review.reference}): it applies once "
            "confirmed.",
        )
        return redirect(self.object.get_absolute_url())


class CompareView(ObjectView):
    """Two versions of a system's classification side by side: by default this one and the one
    before it; ``?against=<version>`` names another."""

    model = ClassificationRecord
    selector = staticmethod(selectors.classification_detail)
    record_name = "record"
    template_name = "classification/compare.html"

    def get_older(self, record):
        others = record.system.classifications.exclude(pk=record.pk)

        def numbered(number):
            older = others.filter(number=number).first()
            if older is None:
                raise Http404(NO_VERSION_TO_COMPARE)
            return older

        return version_to_compare(
            self.request,
            previous=lambda: others.filter(number__lt=record.number).order_by("-number").first(),
            numbered=numbered,
        )

    def get_extra_context(self):
        record = self.object
        older = self.get_older(record)
        return {
            "older": older,
            "diff": selectors.comparison(older, record) if older else None,
            "versions": [
                v for v in selectors.records_of_system(record.system) if v.pk != record.pk
            ],
        }
