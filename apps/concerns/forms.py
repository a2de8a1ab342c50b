"""Forms of concerns: raising one, and the team's triage."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.concerns.models import Concern
from apps.core.services import EVIDENCE_TYPES
from apps.incidents.forms import IncidentForm
from apps.incidents.models import Incident
from apps.risks.forms import RiskForm
from apps.risks.models import Risk


class ConcernForm(forms.ModelForm):
    """What anyone who may see the system tells its team."""

    attachment = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_TYPES))}),
    )

    class Meta:
        model = Concern
        fields = ["summary", "description", "is_anonymous"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = (
            f"Optional, up to {filesizeformat(settings.EVIDENCE_MAX_BYTES)}: "
            f"{', '.join(sorted(EVIDENCE_TYPES))}."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class AnswerMixin(forms.Form):
    answer = forms.CharField(
        label="Answer to the raiser",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: by default the raiser reads which record their concern became.",
    )


class ConcernRiskForm(AnswerMixin, RiskForm):
    """A new risk of the concern's system, prefilled from the concern."""


class ConcernIncidentForm(AnswerMixin, IncidentForm):
    """A new incident of the concern's system, prefilled from the concern."""


class LinkForm(forms.Form):
    """An existing risk or incident of the concern's system."""

    risk = forms.ModelChoiceField(queryset=Risk.objects.none(), required=False)
    incident = forms.ModelChoiceField(queryset=Incident.objects.none(), required=False)
    answer = AnswerMixin.base_fields["answer"]

    def __init__(self, *args, concern: Concern, **kwargs):
        kwargs.setdefault("auto_id", "link-%s")
        super().__init__(*args, **kwargs)
        system = concern.system
        self.fields["risk"].queryset = system.risks.filter(archived_at__isnull=True).order_by(
            "title"
        )
        self.fields["incident"].queryset = system.incidents.order_by("-detected_at")
        self.fields["risk"].label_from_instance = lambda r: f"{r.reference} {r.title}"
        self.fields["incident"].label_from_instance = lambda i: f"{i.reference} {i.title}"

    def clean(self):
        data = super().clean()
        if bool(data.get("risk")) == bool(data.get("incident")):
            raise forms.ValidationError("Choose one existing risk or one existing incident.")
        return data


class CloseForm(forms.Form):
    answer = forms.CharField(
        label="Answer to the raiser",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why no risk or incident follows from it: the raiser reads this.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)
