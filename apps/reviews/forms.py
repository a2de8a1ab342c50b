"""Forms of the review pages; the services check every rule."""

from __future__ import annotations

from django import forms

from apps.accounts.models import User
from apps.core.forms import DatePickerInput
from apps.reviews.models import PLAN_KINDS, ChecklistStatus, DecisionOutcome, Seat


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.email}" + (f" — {obj.job_title}" if obj.job_title else "")


class SubmitPlanForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of review",
        choices=[(kind.value, kind.label) for kind in PLAN_KINDS],
        widget=forms.RadioSelect,
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
    on_behalf_of = forms.TypedChoiceField(
        label="Decide as",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="As a delegate, your decision is recorded for the holder's seat, on their "
        "behalf.",
    )

    def __init__(
        self,
        *args,
        prefix_id: str = "decision",
        acting_for=(),
        for_myself: bool = True,
        with_conditions: bool = True,
        **kwargs,
    ):
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        if not with_conditions:
            # A document's approval carries no conditions (they become a plan's mitigations).
            del self.fields["conditions"]
        self.holders = {holder.pk: holder for holder in acting_for}
        choices = [("", "Myself")] if for_myself else []
        choices += [(pk, f"On behalf of {holder}") for pk, holder in self.holders.items()]
        self.fields["on_behalf_of"].choices = choices
        if not self.holders:
            self.fields["on_behalf_of"].widget = forms.HiddenInput()
        elif not for_myself:
            self.fields["on_behalf_of"].required = True

    def service_data(self) -> dict:
        """The decision's keywords for :func:`apps.reviews.services.decide_review`."""
        data = {name: self.cleaned_data[name] for name in ("decision", "comment", "version")}
        data["conditions"] = self.cleaned_data.get("conditions", "")
        data["on_behalf_of"] = self.holders.get(self.cleaned_data.get("on_behalf_of"))
        return data


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


class DelegationForm(forms.Form):
    """A seat holder names their delegate for a period."""

    delegate = forms.ModelChoiceField(
        queryset=User.objects.none(),
        help_text="A committee member who decides for your seat while you are away.",
    )
    seat = forms.ModelChoiceField(
        queryset=Seat.objects.none(),
        required=False,
        empty_label="Every seat I hold",
    )
    starts_on = forms.DateField(label="From", widget=DatePickerInput())
    ends_on = forms.DateField(
        label="Until", widget=DatePickerInput(), help_text="The last day your delegate decides."
    )
    reason = forms.CharField(
        required=False, max_length=255, help_text="For example: on leave, at a conference."
    )

    def __init__(self, *args, delegates=None, seats=None, **kwargs):
        super().__init__(*args, **kwargs)
        if delegates is not None:
            self.fields["delegate"].queryset = delegates
            self.fields["delegate"].label_from_instance = lambda u: u.full_name or u.email
        if seats is not None:
            self.fields["seat"].queryset = seats

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
