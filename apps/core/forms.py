"""Form pieces shared by every app."""

from crispy_forms.layout import Fieldset
from django import forms


class ChangeReasonFormMixin(forms.Form):
    """An optional “why” that goes into the record's history with the change."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=255,
        help_text="Optional; shown in the history with your change.",
    )

    def change_reason_layout(self):
        return [Fieldset("History", "change_reason")]
