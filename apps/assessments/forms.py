"""Forms of the assessment pages; the services check every rule."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms

from apps.accounts.models import User
from apps.assessments import selectors
from apps.assessments.models import SECTIONS, FundamentalRightsAssessment
from apps.core.forms import DatePickerInput, RecordForm
from apps.reviews.forms import ReviewerChoiceField


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} {obj.title} ({obj.get_residual_level_display()} residual)"


class AssessmentForm(RecordForm):
    """The draft, section by section in the Act's order."""

    class Meta:
        model = FundamentalRightsAssessment
        fields = [name for section in SECTIONS for name in section.fields] + ["risks"]
        field_classes = {"risks": RiskChoiceField}
        widgets = {
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for section in SECTIONS
                for name in section.fields
                if name not in ("authority_name", "authority_notified_on")
            },
            "authority_notified_on": DatePickerInput(),
            "risks": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risks"].queryset = selectors.linkable_risks(self.instance)
        self.fields["risks"].help_text = (
            "The system's risks this assessment covers. A harm not catalogued yet? Save, then "
            "add it as a new risk from the assessment's page."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(
                Fieldset(
                    f"{section.title} ({section.article})",
                    *section.fields,
                    *(["risks"] if section.links_risks else []),
                )
                for section in SECTIONS
            ),
            HTML(
                '<p class="small text-secondary">Sections (a) to (f) must be filled in before a '
                "version is submitted; the notification follows the assessment.</p>"
            ),
            *self.change_reason_layout(),
        )


class SubmitAssessmentForm(forms.Form):
    reviewers = ReviewerChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Committee members who neither submit this assessment nor own the system. "
        "When the committee asked for changes, the same reviewers decide again.",
    )
    note = forms.CharField(
        label="Note to the committee",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what changed, or what to look at first.",
    )

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviewers is not None:
            self.fields["reviewers"].queryset = reviewers
