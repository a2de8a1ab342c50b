"""Forms of the incident pages: the incident itself and the small actions of its page."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.core.forms import DateTimePickerInput, RecordForm, columns
from apps.incidents import selectors
from apps.incidents.models import PHASE_FIELDS, SEVERITY_DEFINITIONS, Incident, Severity
from apps.incidents.services import EDITABLE_FIELDS
from apps.risks.models import Likelihood

# The browser's date-and-time picker, in the person's time zone; a value it cannot show is kept
# as typed (see apps.core.forms.KeepTypedPickerMixin).
DateTimeInput = DateTimePickerInput


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        archived = " (archived)" if obj.is_archived else ""
        return f"{obj.reference} · {obj.title}{archived}"


class MitigationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} · {obj.title} ({obj.get_status_display().lower()})"


def severity_choices() -> list[tuple[int, str]]:
    """“SEV1 — Critical failure of a core business function”: the definitions in the form."""
    return [(s.value, f"{s.label} — {SEVERITY_DEFINITIONS[s]}") for s in Severity]


class IncidentForm(RecordForm):
    """Every field of an incident; risks and mitigations are those of its own system."""

    materialised_risks = RiskChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Risks that materialised",
        help_text="Leave empty if no risk of the register matches: the incident is then "
        "flagged uncatalogued and its page helps you add the missing risk.",
    )
    follow_up_mitigations = MitigationChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Follow-up mitigations",
        help_text="Mitigations of this system that follow up the incident. You can also plan "
        "a new one from the incident's page.",
    )

    class Meta:
        model = Incident
        fields = EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "lessons_learned": forms.Textarea(attrs={"rows": 3}),
            "severity": forms.RadioSelect,
            "occurred_at": DateTimeInput,
            "detected_at": DateTimeInput,
            "assessed_at": DateTimeInput,
            "contained_at": DateTimeInput,
            "recovered_at": DateTimeInput,
            "review_done_at": DateTimeInput,
            "closed_at": DateTimeInput,
            "regulator_deadline": DateTimeInput,
            "regulator_notified_at": DateTimeInput,
        }

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["severity"].choices = severity_choices()
        self.fields["serious_incident"].choices = [
            ("", "Not a serious incident"),
            *self.fields["serious_incident"].choices[1:],
        ]
        risks = Q(archived_at__isnull=True)
        mitigations = Q()
        if self.instance.pk:
            # Keep what is already linked (even an archived risk), so saving never unlinks it.
            risks |= Q(pk__in=self.instance.materialised_risks.values("pk"))
            self.initial.setdefault(
                "materialised_risks",
                list(self.instance.materialised_risks.values_list("pk", flat=True)),
            )
            self.initial.setdefault(
                "follow_up_mitigations",
                list(self.instance.follow_up_mitigations.values_list("pk", flat=True)),
            )
        self.fields["materialised_risks"].queryset = (
            system.risks.filter(risks).order_by("-residual_score", "title").distinct()
        )
        self.fields["follow_up_mitigations"].queryset = system.mitigations.filter(
            mitigations
        ).order_by("due_date", "title")
        for name in ("materialised_risks", "follow_up_mitigations"):
            self.fields[name].error_messages["invalid_choice"] = (
                f"Choose among those of {system.reference} {system}; %(value)s is not one of them."
            )
        zone = timezone.get_current_timezone_name()
        for name in ("occurred_at", "detected_at", "assessed_at", "contained_at", "recovered_at"):
            self.fields[
                name
            ].help_text = f"{self.fields[name].help_text} Times are in {zone}.".strip()
        if system.eu_ai_act_tier == "high_risk":
            self.fields["regulator_deadline"].help_text = (
                f"{system.name} is a high-risk system: for a serious incident the deadline is "
                "computed from when it was detected (EU AI Act Art. 73)."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("What happened", "title", "description", "severity", "people_affected"),
            Fieldset(
                "Response phases",
                HTML(
                    '<p class="small text-secondary">Occurred → detected → assessed → '
                    "contained → recovered → post-incident review → closed. Each phase comes "
                    "after the previous one; you can also record them one by one from the "
                    "incident's page.</p>"
                ),
                columns(*PHASE_FIELDS),
            ),
            Fieldset("What it tells the register", "materialised_risks", "root_cause"),
            Fieldset("Follow-up", "lessons_learned", "follow_up_mitigations"),
            Fieldset(
                "Regulator",
                "serious_incident",
                "regulator_notification_required",
                columns("regulator_deadline", "regulator_notified_at"),
                "regulator_reference",
            ),
            *self.change_reason_layout(),
        )

    def linked_records(self) -> dict:
        """The risks that materialised and the follow-up mitigations, as the services take them
        (``risks=``, ``mitigations=``) next to :meth:`service_data`."""
        return {
            "risks": self.cleaned_data["materialised_risks"],
            "mitigations": self.cleaned_data["follow_up_mitigations"],
        }


class PhaseForm(forms.Form):
    """Record the next phase: now, or at the time given."""

    at = forms.DateTimeField(
        label="When",
        required=False,
        widget=DateTimeInput,
        help_text="Leave empty for now.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "phase-%s")
        super().__init__(*args, **kwargs)


class LinkRiskForm(forms.Form):
    """Name a risk of the system that materialised (e.g. the one just added for it)."""

    risk = forms.ModelChoiceField(
        queryset=None,
        label="Risk",
        empty_label="Choose a risk of this system…",
        error_messages={"invalid_choice": "Choose a live risk of this incident's system."},
    )

    def __init__(self, *args, incident, **kwargs):
        kwargs.setdefault("auto_id", "link-risk-%s")
        super().__init__(*args, **kwargs)
        self.fields["risk"].queryset = selectors.linkable_risks(incident)
        self.fields["risk"].label_from_instance = lambda r: f"{r.reference} · {r.title}"
        self.fields["risk"].widget.attrs["class"] = "form-select"


class RaiseLikelihoodForm(forms.Form):
    """The new residual likelihood of a risk that materialised (above its current one)."""

    likelihood = forms.TypedChoiceField(coerce=int, label="New residual likelihood")

    def __init__(self, *args, risk, **kwargs):
        kwargs.setdefault("auto_id", f"raise-{risk.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["likelihood"].choices = [
            (value, label)
            for value, label in Likelihood.choices
            if value > risk.residual_likelihood
        ]
        self.fields["likelihood"].widget.attrs["class"] = "form-select form-select-sm"
