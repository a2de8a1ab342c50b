"""The inventory form: every field a team fills in about an AI system."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.accounts import permissions
from apps.accounts.models import Team
from apps.core.forms import RecordForm
from apps.systems.models import (
    AFFECTED_PARTY_LABELS,
    DATA_CATEGORY_LABELS,
    AISystem,
    EUAIActTier,
)
from apps.systems.services import EDITABLE_FIELDS

DATA_FIELDS = list(DATA_CATEGORY_LABELS)
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
        active_users = get_user_model().objects.filter(is_active=True).order_by("full_name")
        self.fields["business_owner"].queryset = active_users
        self.fields["technical_owner"].queryset = active_users
        # Choices have no sensible default: make people choose consciously.
        for name in ("lifecycle_stage", "decision_role", "oversight_mode"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["eu_ai_act_area"].widget.attrs["data-show-when-tier"] = EUAIActTier.HIGH_RISK
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
                Div(
                    Div("team", css_class="col-md-4"),
                    Div("business_owner", css_class="col-md-4"),
                    Div("technical_owner", css_class="col-md-4"),
                    css_class="row",
                ),
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
                Div(
                    Div("eu_ai_act_tier", css_class="col-md-6"),
                    Div(Field("eu_ai_act_area"), css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Reproducible deployment",
                Div(
                    Div("model_version", css_class="col-md-6"),
                    Div("training_data_version", css_class="col-md-6"),
                    Div("code_version", css_class="col-md-6"),
                    Div("configuration_version", css_class="col-md-6"),
                    css_class="row",
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
        return cleaned
