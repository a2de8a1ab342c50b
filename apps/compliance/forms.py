"""Forms of the compliance pages: an obligation's work, links, evidence, bulk status changes,
and exceptions for blocking obligations. The rules are the services' (:mod:`.services`); the
forms offer only what the services accept and check what needs no query."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils import timezone

from apps.compliance import selectors
from apps.compliance.models import Obligation, ObligationStatus
from apps.compliance.services import EDITABLE_FIELDS, MAX_EXCEPTION_DAYS
from apps.core.forms import DatePickerInput, EvidenceForm, RecordForm, columns
from apps.mitigations.forms import UserChoiceField

__all__ = [
    "BulkStatusForm",
    "EvidenceForm",
    "ExceptionDecisionForm",
    "ExceptionRequestForm",
    "LinkMitigationForm",
    "LinkObligationForm",
    "LinkRiskForm",
    "ObligationForm",
]

JUSTIFICATION_NEEDED = (
    "Say why this obligation does not apply to the system (the justification is kept with its "
    "history)."
)


def obligation_label(obligation: Obligation) -> str:
    requirement = obligation.requirement
    return f"{requirement.identifier} {requirement.title} ({obligation.reference})"


class ObligationForm(RecordForm):
    """What people write on an obligation: status, justification, owner, due date, notes."""

    class Meta:
        model = Obligation
        fields = EDITABLE_FIELDS
        field_classes = {"owner": UserChoiceField}
        widgets = {
            "custom_due_date": DatePickerInput,
            "justification": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "status": "“Not applicable” needs a justification.",
            "owner": "Who answers for it: someone who can read the system.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obligation = self.instance
        self.fields["owner"].queryset = selectors.owner_choices(
            obligation.system, current_owner_id=obligation.owner_id
        )
        self.fields["owner"].empty_label = "Nobody yet"
        key_date = obligation.key_date
        if key_date is not None:
            self.fields[
                "custom_due_date"
            ].help_text = (
                f"Leave empty to follow the key date: {key_date.date:%d %b %Y} ({key_date.label})."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("Where it stands", columns("status", "owner"), "justification"),
            Fieldset("When", "custom_due_date"),
            Fieldset("Notes", "notes"),
            *self.change_reason_layout(),
        )

    def clean(self):
        cleaned = super().clean()
        # The model's rule, on the field it is about (and so checked even while other fields
        # have errors; the constraint then has nothing left to say).
        justification = (cleaned.get("justification") or "").strip()
        if cleaned.get("status") == ObligationStatus.NOT_APPLICABLE and not justification:
            self.add_error("justification", JUSTIFICATION_NEEDED)
        return cleaned


class BulkStatusForm(forms.Form):
    """Several obligations of one system to one status, with the reason their history keeps."""

    obligations = forms.ModelMultipleChoiceField(
        queryset=Obligation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Obligations",
        error_messages={
            "required": "Select the obligations to change.",
            "invalid_choice": "Choose obligations of this system only.",
        },
    )
    status = forms.ChoiceField(
        choices=[("", "Choose a status…"), *ObligationStatus.choices],
        label="New status",
        error_messages={"required": "Choose the new status."},
    )
    reason = forms.CharField(
        max_length=255,
        label="Reason for this change",
        help_text="Kept in the history of each obligation changed.",
        error_messages={"required": "Say why these obligations change status."},
    )
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Justification",
        help_text="Required for “not applicable”: why none of them applies to the system.",
    )

    def __init__(self, *args, system, **kwargs):
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["obligations"].queryset = (
            Obligation.objects.filter(system=system)
            .select_related("requirement", "requirement__catalogue")
            .order_by("requirement__catalogue__name", "requirement__position", "pk")
        )
        self.fields["obligations"].label_from_instance = obligation_label

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == ObligationStatus.NOT_APPLICABLE and not cleaned.get("justification", ""):
            self.add_error("justification", "Say why these obligations do not apply.")
        return cleaned


class _LinkForm(forms.Form):
    """One record to link, chosen among those the service accepts."""

    field_name = ""
    empty_label = ""

    def setup(self, queryset, label_from_instance):
        field = self.fields[self.field_name]
        field.queryset = queryset
        field.label_from_instance = label_from_instance
        field.empty_label = self.empty_label
        field.widget.attrs["class"] = "form-select"

    @property
    def has_choices(self) -> bool:
        return self.fields[self.field_name].queryset.exists()


class LinkMitigationForm(_LinkForm):
    field_name, empty_label = "mitigation", "Choose a mitigation…"
    mitigation = forms.ModelChoiceField(
        queryset=None,
        label="Mitigation",
        error_messages={
            "required": "Choose a mitigation.",
            "invalid_choice": "Choose a mitigation of this system that the obligation does not "
            "link yet.",
        },
    )

    def __init__(self, *args, obligation, **kwargs):
        kwargs.setdefault("auto_id", "link-mitigation-%s")
        super().__init__(*args, **kwargs)
        self.setup(selectors.linkable_mitigations(obligation), lambda m: f"{m.reference} · {m}")


class LinkRiskForm(_LinkForm):
    field_name, empty_label = "risk", "Choose a risk…"
    risk = forms.ModelChoiceField(
        queryset=None,
        label="Risk",
        error_messages={
            "required": "Choose a risk.",
            "invalid_choice": "Choose a live risk of this system that the obligation does not "
            "link yet.",
        },
    )

    def __init__(self, *args, obligation, **kwargs):
        kwargs.setdefault("auto_id", "link-risk-%s")
        super().__init__(*args, **kwargs)
        self.setup(selectors.linkable_risks(obligation), lambda r: f"{r.reference} · {r.title}")


class LinkObligationForm(_LinkForm):
    """From a mitigation's page: an obligation of its system that it also meets."""

    field_name, empty_label = "obligation", "Choose an obligation…"
    obligation = forms.ModelChoiceField(
        queryset=None,
        label="Obligation",
        error_messages={
            "required": "Choose an obligation.",
            "invalid_choice": "Choose an obligation of this system that the mitigation does "
            "not meet yet.",
        },
    )

    def __init__(self, *args, mitigation, **kwargs):
        kwargs.setdefault("auto_id", "link-obligation-%s")
        super().__init__(*args, **kwargs)
        queryset = (
            Obligation.objects.applying()
            .filter(system_id=mitigation.system_id)
            .exclude(mitigations=mitigation)
            .select_related("requirement", "requirement__catalogue")
            .order_by("requirement__catalogue__name", "requirement__position", "pk")
        )
        self.setup(queryset, obligation_label)


class ExceptionRequestForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Why may the system go ahead before this obligation is met?",
        help_text="What covers the gap meanwhile, and when it will be met.",
        error_messages={"required": "Explain why the system may go ahead before it is met."},
    )
    expires_on = forms.DateField(
        widget=DatePickerInput,
        label="Until",
        help_text="At most a year from today: after this date the obligation blocks again.",
        error_messages={"required": "Give the date the exception ends."},
    )

    def clean_expires_on(self):
        # The service's rule (it has the last word), checked here too so that a request with
        # several problems shows them all at once.
        expires_on = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if expires_on <= today:
            raise forms.ValidationError("The expiry date must be in the future.")
        if expires_on > today + datetime.timedelta(days=MAX_EXCEPTION_DAYS):
            raise forms.ValidationError(
                "An exception lasts at most a year; ask again when it expires."
            )
        return expires_on


class ExceptionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve the exception"), ("reject", "Reject it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to approve or reject."},
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject: say why.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say why the exception is rejected.")
        return cleaned
