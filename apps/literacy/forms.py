from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from apps.core.forms import ChangeReasonFormMixin, DatePickerInput
from apps.literacy.models import Training, TrainingCompletion


class CompletionForm(ChangeReasonFormMixin, forms.Form):
    """Record a completion: an administrator chooses the person; anyone else records their own."""

    person = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    training = forms.ModelChoiceField(queryset=Training.objects.filter(is_active=True))
    completed_on = forms.DateField(label="Completed on", widget=DatePickerInput())
    evidence = forms.CharField(
        required=False,
        max_length=255,
        help_text=TrainingCompletion._meta.get_field("evidence").help_text,
    )

    def __init__(self, *args, for_others: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if for_others:
            self.fields["person"].queryset = (
                get_user_model().objects.filter(is_active=True).order_by("full_name", "email")
            )
        else:
            del self.fields["person"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, one header row: email, training, completed_on (YYYY-MM-DD), evidence.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
