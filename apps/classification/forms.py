"""Forms of the classification pages: one questionnaire step, and the request for the
committee's confirmation. The questionnaire's own rules (:func:`questionnaire.problems`) say
what is wrong with a step's answers, each next to its question."""

from __future__ import annotations

from django import forms

from apps.accounts.models import User
from apps.classification import questionnaire
from apps.reviews.forms import ReviewerChoiceField

YES_NO = [(questionnaire.YES, "Yes"), (questionnaire.NO, "No")]


def _field(question: questionnaire.Question) -> forms.Field:
    """Every field is optional to Django: which questions a step asks, and so which must be
    answered, depends on the other answers (the questionnaire checks them)."""
    label, help_text = question.label, question.help
    if question.kind == "yes_no":
        return forms.ChoiceField(label=label, help_text=help_text, choices=YES_NO, required=False)
    choices = [(choice.value, choice.label) for choice in question.choices]
    if question.kind == "one":
        return forms.ChoiceField(label=label, help_text=help_text, choices=choices, required=False)
    if question.kind == "many":
        return forms.MultipleChoiceField(
            label=label, help_text=help_text, choices=choices, required=False
        )
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StepForm(forms.Form):
    """The questions of one step. ``answers``: the draft's answers to the other steps, which
    decide what this step asks."""

    def __init__(self, *args, step: questionnaire.Step, answers=None, **kwargs):
        kwargs.setdefault("auto_id", "q-%s")
        super().__init__(*args, **kwargs)
        self.step = step
        self.answers = dict(answers or {})
        for question in step.questions:
            self.fields[question.key] = _field(question)

    def typed_answers(self) -> dict:
        """What was sent for each question, as it was (for Back: kept even if incomplete)."""
        typed = {}
        for question in self.step.questions:
            if question.kind == "many":
                typed[question.key] = [
                    value
                    for value in self.data.getlist(question.key)
                    if question.choice(value) is not None
                ]
            elif question.key in self.data:
                value = self.data.get(question.key, "")
                typed[question.key] = value.strip()[:4000] if question.kind == "text" else value
        return typed

    def clean(self):
        data = super().clean()
        merged = {**self.answers, **{k: v for k, v in data.items() if v not in ("", [])}}
        for question in self.step.questions:
            if data.get(question.key) in ("", []):
                merged.pop(question.key, None)
        for key, message in questionnaire.problems(self.step, merged).items():
            if key not in self.errors:
                self.add_error(key, message)
        self.step_answers = {
            question.key: merged[question.key]
            for question in self.step.asked(merged)
            if question.key in merged
        }
        return data

    def questions(self) -> list[dict]:
        """Each question with its bound field, what is chosen, and whether it is asked now
        (with the answers as they stand: a question not asked is shown only to pages without
        scripts, marked as such)."""
        current = self.answers.copy()
        if self.is_bound:
            current.update(self.typed_answers())
        rows = []
        for question in self.step.questions:
            value = current.get(question.key)
            chosen = value if isinstance(value, list) else ([value] if value else [])
            rows.append(
                {
                    "question": question,
                    "field": self[question.key],
                    "chosen": [str(v) for v in chosen],
                    "value": value if isinstance(value, str) else "",
                    "asked": question.asked(current),
                    "conditional": question.is_conditional,
                    "choices": [(value, label) for value, label in YES_NO]
                    if question.kind == "yes_no"
                    else [(choice.value, choice.label) for choice in question.choices],
                    "groups": _groups(question),
                }
            )
        return rows


def _groups(question: questionnaire.Question) -> list[tuple[str, list]]:
    """The choices under their headings (the Annex III areas), in order."""
    groups: list[tuple[str, list]] = []
    for choice in question.choices:
        if not groups or groups[-1][0] != choice.group:
            groups.append((choice.group, []))
        groups[-1][1].append(choice)
    return groups


class ConfirmationForm(forms.Form):
    """Ask the committee to confirm a classification: its reviewers, and a note."""

    reviewers = ReviewerChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Committee members who neither ask for this confirmation nor own the system.",
    )
    note = forms.CharField(
        label="Note for the committee",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what the committee should know when it reads the classification.",
    )

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviewers is not None:
            self.fields["reviewers"].queryset = reviewers
