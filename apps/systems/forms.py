"""The inventory form: every field a team fills in about an AI system."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.db.models import Q

from apps.accounts import permissions
from apps.accounts.models import Team
from apps.core.forms import RecordForm, columns
from apps.systems import selectors
from apps.systems.models import (
    AFFECTED_PARTY_LABELS,
    AREAS_WITH_POINTS,
    DATA_CATEGORY_LABELS,
    VERSION_FIELDS,
    AISystem,
    EUAIActTier,
    VersionKind,
)
from apps.systems.services import EDITABLE_FIELDS

DATA_FIELDS = list(DATA_CATEGORY_LABELS)
# Yes/no facts the EU AI Act obligations follow from (apps.compliance reads them).
COMPLIANCE_FACT_FIELDS = [
    "interacts_with_people",
    "serves_public",
    "is_general_purpose_model",
    "has_systemic_risk",
]
AFFECTED_FIELDS = list(AFFECTED_PARTY_LABELS)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class AISystemForm(RecordForm):
    class Meta:
        model = AISystem
        fields = EDITABLE_FIELDS
        field_classes = {"business_owner": UserChoiceField, "technical_owner": UserChoiceField}
        labels = {
            name: label.capitalize()
            for name, label in {**DATA_CATEGORY_LABELS, **AFFECTED_PARTY_LABELS}.items()
        }
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "business_process": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "rollback_thresholds": forms.Textarea(attrs={"rows": 3}),
            "lifecycle_stage": forms.RadioSelect,
            "decision_role": forms.RadioSelect,
            "oversight_mode": forms.RadioSelect,
            "customer_data_training": forms.RadioSelect,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        teams = Q(pk__in=permissions.contributor_teams(user).values("pk"))
        if self.instance.pk:
            # Keep the current team selectable even if the editor could not create there.
            teams |= Q(pk=self.instance.team_id)
        self.fields["team"].queryset = Team.objects.filter(teams).order_by("name")
        # Owners are people who can read the system: members of the teams offered, committee
        # members and administrators (the service checks them against the team chosen).
        owners = selectors.possible_owners(
            Team.objects.filter(teams).values("pk"),
            keep=[self.instance.business_owner_id, self.instance.technical_owner_id],
        )
        for name in ("business_owner", "technical_owner"):
            self.fields[name].queryset = owners
            self.fields[name].help_text = (
                f"{self.fields[name].help_text} A member of the owning team, a committee member "
                "or an administrator: someone who can read the system."
            )
        # Choices have no sensible default: make people choose consciously.
        for name in ("lifecycle_stage", "decision_role", "oversight_mode"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["eu_ai_act_area"].widget.attrs["data-show-when-tier"] = EUAIActTier.HIGH_RISK
        self.fields["annex_iii_point"].widget.attrs["data-show-when-tier"] = EUAIActTier.HIGH_RISK
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "What it is",
                "name",
                "purpose",
                "business_process",
                "description",
            ),
            Fieldset(
                "Who owns it",
                columns("team", "business_owner", "technical_owner", width="col-md-4"),
            ),
            Fieldset(
                "Kind of system",
                Div(
                    Div("lifecycle_stage", css_class="col-md-4"),
                    Div("ai_kind", "vendor", css_class="col-md-8"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Data and people",
                Div(
                    Div(
                        HTML('<p class="form-label">Data it processes</p>'),
                        *DATA_FIELDS,
                        css_class="col-md-6",
                    ),
                    Div(
                        HTML('<p class="form-label">Who is affected</p>'),
                        *AFFECTED_FIELDS,
                        css_class="col-md-6",
                    ),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Oversight and regulation",
                Div(
                    Div("decision_role", css_class="col-md-4"),
                    Div("oversight_mode", css_class="col-md-8"),
                    css_class="row",
                ),
                columns(
                    "eu_ai_act_tier",
                    Field("eu_ai_act_area"),
                    Field("annex_iii_point"),
                    width="col-md-4",
                ),
                HTML('<p class="form-label">Facts the compliance obligations follow from</p>'),
                Div(
                    Div("eu_ai_act_role", css_class="col-md-4"),
                    Div(*COMPLIANCE_FACT_FIELDS, css_class="col-md-8"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Reproducible deployment",
                columns(
                    "model_version",
                    "training_data_version",
                    "code_version",
                    "configuration_version",
                ),
            ),
            Fieldset(
                "Safety policy",
                "rollback_thresholds",
                "customer_data_training",
            ),
            *self.change_reason_layout(),
        )

    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("eu_ai_act_tier")
        if tier == EUAIActTier.HIGH_RISK and not cleaned.get("eu_ai_act_area"):
            self.add_error(
                "eu_ai_act_area", "A high-risk system needs its Annex III area (or Annex I)."
            )
        elif tier and tier != EUAIActTier.HIGH_RISK:
            cleaned["eu_ai_act_area"] = ""
        if cleaned.get("eu_ai_act_area") not in AREAS_WITH_POINTS:
            cleaned["annex_iii_point"] = ""
        return cleaned


class RecordVersionForm(forms.Form):
    """A new model, training data, code or configuration version: a material change."""

    kind = forms.ChoiceField(
        label="New version of", choices=VersionKind.choices, widget=forms.RadioSelect
    )
    value = forms.CharField(
        label="Version",
        max_length=200,
        help_text="As your deployment pipeline names it: the gate is asked about this text.",
    )
    note = forms.CharField(
        label="What changed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is different and why; the reviewers of the change review read it.",
    )

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["kind"].choices = [
            (kind, f"{label} (now “{getattr(system, VERSION_FIELDS[kind]) or 'none'}”)")
            for kind, label in VersionKind.choices
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("kind", "value", "note")}


class WaiveVersionForm(forms.Form):
    reason = forms.CharField(
        label="Why no change review is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded with your name in the version's history and shown to the team.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
