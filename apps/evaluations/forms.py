"""Forms of the evaluation pages; the services check every rule."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.core.forms import RecordForm, columns
from apps.evaluations import selectors
from apps.evaluations.models import RunFormat, TestCase
from apps.evaluations.services import EDITABLE_FIELDS


class RiskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        archived = " (archived)" if obj.is_archived else ""
        return f"{obj.reference} · {obj.title}{archived}"


class MitigationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} · {obj.title} ({obj.get_status_display().lower()})"


class TestCaseForm(RecordForm):
    """A test case of one risk of the system, and the mitigations it verifies."""

    mitigations = MitigationChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Mitigations it verifies",
        help_text="Its latest passing run verifies them; a failing run flags them for review.",
    )

    class Meta:
        model = TestCase
        fields = EDITABLE_FIELDS
        field_classes = {"risk": RiskChoiceField}
        widgets = {
            "input": forms.Textarea(attrs={"rows": 4}),
            "pass_criterion": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, system, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.system, self.user = system, user
        current_risk = self.instance.risk_id if self.instance.pk else None
        self.fields["risk"].queryset = selectors.risk_choices(system, keep=current_risk)
        self.fields["risk"].empty_label = "Choose the risk it probes…"
        kept = (
            list(self.instance.mitigations.values_list("pk", flat=True)) if self.instance.pk else []
        )
        self.fields["mitigations"].queryset = selectors.mitigation_choices(system, keep=kept)
        if self.instance.pk:
            self.initial.setdefault("mitigations", kept)
            self.initial["tags"] = " ".join(self.instance.tag_list)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("What it probes", "risk", columns("key", "kind"), "title"),
            Fieldset("The case", "input", "pass_criterion", "tags"),
            Fieldset("Mitigations it verifies", "mitigations"),
            *self.change_reason_layout(),
        )


class RunUploadForm(forms.Form):
    """A run's report, as the pipeline wrote it."""

    file = forms.FileField(
        label="Report",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.json,application/json,text/xml"}),
    )
    model_version = forms.CharField(
        label="Version evaluated",
        max_length=200,
        required=False,
        help_text="The model (or code) version the run evaluated; needed unless the JSON "
        "report names it.",
    )
    suite = forms.CharField(
        max_length=200,
        required=False,
        help_text="Which suite of evaluations it is (e.g. “nightly red-team”); by default the "
        "JUnit report's name, or “default”.",
    )
    source_format = forms.ChoiceField(
        label="Format",
        choices=[("", "Recognise it"), *RunFormat.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"JUnit XML (what most CI tools and test runners write) or the register's JSON "
            f"format; up to {filesizeformat(settings.EVALUATION_UPLOAD_MAX_BYTES)}."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def service_data(self) -> dict:
        upload = self.cleaned_data["file"]
        limit = settings.EVALUATION_UPLOAD_MAX_BYTES
        return {
            "content": upload.read(limit + 1),
            "file_name": upload.name,
            "source_format": self.cleaned_data["source_format"] or None,
            "model_version": self.cleaned_data["model_version"],
            "suite": self.cleaned_data["suite"],
        }


class ReviewedForm(forms.Form):
    note = forms.CharField(
        label="What you checked",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why the mitigation and the residual assessment of its risks still hold.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reviewed-%s")
        super().__init__(*args, **kwargs)
