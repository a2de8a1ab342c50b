"""Forms of the risk pages: a risk, an acceptance request and a committee decision, the risk
matrix and a spreadsheet import."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.forms import ChangeReasonFormMixin, DatePickerInput, RecordForm, columns
from apps.risks import imports
from apps.risks.models import FrameworkReference, Risk, RiskCategory, RiskMatrix
from apps.risks.services import EDITABLE_FIELDS, MAX_ACCEPTANCE_DAYS
from apps.systems import selectors as system_selectors

ASSESSMENT_FIELDS = (
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
)
SCORE_FIELDS = {"inherent_score", "residual_score"}


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

    def __init__(self, *args, system=None, **kwargs):
        super().__init__(*args, **kwargs)
        system = system or self.instance.system
        # Those who can read the risk (the service refuses anyone else as a new owner).
        self.fields["owner"].queryset = system_selectors.possible_owners(
            [system.team_id], keep=[self.instance.owner_id]
        )
        self.fields["owner"].help_text = (
            f"A member of {system.team}, a committee member or an administrator: someone who "
            "can read the risk."
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
                columns(
                    "inherent_likelihood",
                    "inherent_impact",
                    "residual_likelihood",
                    "residual_impact",
                    width="col-md-6 col-lg-3",
                ),
            ),
            Fieldset(
                "Treatment",
                columns("treatment", "status"),
                "framework_references",
            ),
            *self.change_reason_layout(),
        )

    def _post_clean(self):
        """Besides each field's checks, the rule between the two assessments (the residual
        score cannot exceed the inherent one), even while other fields have errors, so that
        the person sees every problem at once. The rule is the model's constraint, with its
        message, on the scores the service derives from the four ratings."""
        super()._post_clean()
        if any(self.cleaned_data.get(name) is None for name in ASSESSMENT_FIELDS):
            return
        risk = self.instance
        risk.inherent_score = risk.inherent_likelihood * risk.inherent_impact
        risk.residual_score = risk.residual_likelihood * risk.residual_impact
        unrelated = {field.name for field in Risk._meta.concrete_fields} - SCORE_FIELDS
        try:
            risk.validate_constraints(exclude=unrelated)
        except ValidationError as error:
            self._update_errors(error)


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why living with this residual risk is justified, what would make you "
        "revisit it, and how it is monitored meanwhile.",
    )
    expires_on = forms.DateField(
        label="Accepted until",
        widget=DatePickerInput,
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
