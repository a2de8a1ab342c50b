from django import forms

from apps.reminders.models import NotificationPreference


class DigestPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["digest"]
        widgets = {"digest": forms.RadioSelect(attrs={"class": "form-check-input"})}
        help_texts = {
            "digest": "One e-mail with everything the daily reminder sweep found for you. "
            "The notifications under the bell are always on."
        }
