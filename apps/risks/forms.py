"""Forms of the risk pages: a risk, an acceptance request and a committee decision, the risk
matrix and a spreadsheet import."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.core.forms import ChangeReasonFormMixin, RecordForm
from apps.risks import imports
from apps.risks.models import FrameworkReference, Risk, RiskCategory, RiskMatrix
from apps.risks.services import EDITABLE_FIELDS, MAX_ACCEPTANCE_DAYS


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


def grouped_category_choices() -> list:
    """Subcategories grouped under their category (the two-level taxonomy), in taxonomy order."""
    categories = list(RiskCategory.objects.select_related("parent"))
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list = [("", "---------")]
    for top in sorted((c for c in categories if not c.parent_id), key=lambda c: c.position):
        options = [(top.pk, f"{top.name} (in general)")]
        options += [
            (child.pk, child.name) for child in sorted(children.get(top.pk, []), key=_position)
        ]
        choices.append((top.name, options))
    return choices


def _position(category):
    return (category.position, category.name)


class ReferenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_framework_display()} — {obj.code} {obj.title}"


class RiskForm(RecordForm):
    class Meta:
        model = Risk
        fields = [*EDITABLE_FIELDS, "framework_references"]
        field_classes = {
            "owner": UserChoiceField,
            "framework_references": ReferenceChoiceField,
        }
        widgets = {
            "scenario": forms.Textarea(attrs={"rows": 4}),
            "framework_references": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "framework_references": "Hold Ctrl (⌘ on a Mac) to choose several.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("full_name", "email")
        )
        self.fields["category"].queryset = RiskCategory.objects.all()
        self.fields["category"].choices = grouped_category_choices()
        self.fields["framework_references"].queryset = FrameworkReference.objects.order_by(
            "framework", "code"
        )
        for name in ("inherent_likelihood", "inherent_impact"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        for name in ("residual_likelihood", "residual_impact"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("What can go wrong", "title", "scenario", "category", "owner"),
            Fieldset(
                "Assessment",
                HTML(
                    '<p class="form-text mt-0">Inherent: before any mitigation. Residual: with '
                    "the mitigations in place. Each is rated 1 (lowest) to 5 (highest); the "
                    'score is likelihood × impact and its level follows the <a href="{% url '
                    "'risks:matrix' %}\">risk matrix</a>.</p>"
                ),
                Div(
                    Div("inherent_likelihood", css_class="col-md-6 col-lg-3"),
                    Div("inherent_impact", css_class="col-md-6 col-lg-3"),
                    Div("residual_likelihood", css_class="col-md-6 col-lg-3"),
                    Div("residual_impact", css_class="col-md-6 col-lg-3"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Treatment",
                Div(
                    Div("treatment", css_class="col-md-6"),
                    Div("status", css_class="col-md-6"),
                    css_class="row",
                ),
                "framework_references",
            ),
            *self.change_reason_layout(),
        )


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why living with this residual risk is justified, what would make you "
        "revisit it, and how it is monitored meanwhile.",
    )
    expires_on = forms.DateField(
        label="Accepted until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"At most {MAX_ACCEPTANCE_DAYS} days ahead; the risk is open again afterwards.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=180)


class AcceptanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you reject; shown to the team.",
    )


class RiskMatrixForm(ChangeReasonFormMixin, forms.ModelForm):
    """The three band thresholds and the four deadlines; the model's constraints check them."""

    class Meta:
        model = RiskMatrix
        fields = [
            "medium_min_score",
            "high_min_score",
            "critical_min_score",
            "critical_days",
            "high_days",
            "medium_days",
            "low_days",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"min": 2, "max": 25})
            for name in ("medium_min_score", "high_min_score", "critical_min_score")
        } | {
            name: forms.NumberInput(attrs={"min": 1, "max": 3650})
            for name in ("critical_days", "high_days", "medium_days", "low_days")
        }
        labels = {
            "medium_min_score": "Medium from score",
            "high_min_score": "High from score",
            "critical_min_score": "Critical from score",
            "critical_days": "Critical: plan within (days)",
            "high_days": "High: plan within (days)",
            "medium_days": "Medium: plan within (days)",
            "low_days": "Low: plan within (days)",
        }


class RiskImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (.csv or .xlsx)",
        help_text="One row per risk under a header row; at most "
        f"{imports.MAX_ROWS} risks per file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    change_reason = forms.CharField(
        label="Reason for the change (optional)",
        max_length=255,
        required=False,
        help_text="Recorded in each risk's history (by default: imported from the file's name).",
    )
