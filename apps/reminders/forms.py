from django import forms

from apps.reminders.models import NotificationPreference


class DigestPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["digest"]
        widgets = {"digest": forms.RadioSelect(attrs={"class": "form-check-input"})}
        help_texts = {
            "digest": "Immediately: an e-mail as soon as something happens that concerns you "
            "(a plan to review, a decision, an acceptance to decide, a serious incident, a "
            "mitigation assigned to you). Daily or weekly: one digest with those and everything "
            "the daily reminder sweep found for you. The notifications under the bell are "
            "always on."
        }
