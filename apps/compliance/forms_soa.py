"""Forms of the Statement of Applicability: a control's answer, the submission, the decision."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError

from apps.compliance import soa
from apps.compliance.models_soa import SoAEntry
from apps.core.forms import RecordForm, columns
from apps.mitigations.models import Mitigation


class SoAEntryForm(RecordForm):
    """One control's answer; its mitigations are typed as references (the organisation has too
    many for a list to choose from)."""

    mitigations = forms.CharField(
        label="Mitigations that implement it",
        required=False,
        max_length=2000,
        help_text="Their references, separated by commas or spaces (e.g. MTG-0012, MTG-0345).",
    )

    class Meta:
        model = SoAEntry
        fields = ["applicability", "justification", "implementation", "policies"]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
            "policies": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["mitigations"] = ", ".join(
                m.reference for m in self.instance.mitigations.order_by("pk")
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Applicability",
                columns("applicability", "implementation"),
                "justification",
            ),
            Fieldset("What implements it", "mitigations", "policies"),
            *self.change_reason_layout(),
        )

    def clean_mitigations(self):
        try:
            return soa.mitigations_from_references(self.cleaned_data["mitigations"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["mitigations"]) from error

    def take_saved_values(self, values: dict) -> None:
        """After an edit conflict, their mitigations (a set of ids) go back as references."""
        values = dict(values)
        if "mitigations" in values:
            ids = sorted(values["mitigations"] or ())
            values["mitigations"] = ", ".join(Mitigation.format_reference(pk) for pk in ids)
        super().take_saved_values(values)

    def service_data(self) -> dict:
        data = super().service_data()
        data["mitigations"] = self.cleaned_data["mitigations"]
        return data


class SubmitSoAForm(forms.Form):
    note = forms.CharField(
        label="Note to the committee",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what changed since the version in force, what to look at.",
    )


class DecideSoAForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject: what to change before it is submitted again.",
    )
