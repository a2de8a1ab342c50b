"""Forms of the review pages; the services check every rule."""

from __future__ import annotations

from django import forms

from apps.accounts.models import User
from apps.reviews.models import ChecklistStatus, DecisionOutcome, ReviewKind


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.email}" + (f" — {obj.job_title}" if obj.job_title else "")


class SubmitPlanForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of review", choices=ReviewKind.choices, widget=forms.RadioSelect
    )
    reviewers = ReviewerChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Committee members who neither submit this plan nor own the system.",
    )

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviewers is not None:
            self.fields["reviewers"].queryset = reviewers


class AssignReviewersForm(forms.Form):
    reviewers = ReviewerChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, label="Add reviewers"
    )

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviewers is not None:
            self.fields["reviewers"].queryset = reviewers


class DecisionForm(forms.Form):
    """The reviewer's decision on the version they read (``version`` travels with the form)."""

    decision = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to request changes or reject.",
    )
    conditions = forms.CharField(
        label="Conditions of approval",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only with an approval; one per line. Each becomes a follow-up mitigation "
        "owned by the system's team.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, prefix_id: str = "decision", **kwargs):
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        """The decision's keywords for :func:`apps.reviews.services.decide_review`."""
        return {
            name: self.cleaned_data[name]
            for name in ("decision", "comment", "conditions", "version")
        }


class ChecklistItemForm(forms.Form):
    status = forms.ChoiceField(choices=ChecklistStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How it was done, or why it does not apply.",
    )

    def __init__(self, *args, key: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"item-{key}-%s")
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        """The item's keywords for :func:`apps.reviews.services.update_checklist_item`."""
        return {"status": self.cleaned_data["status"], "note": self.cleaned_data["note"]}
