"""Forms of the monitoring pages: a metric, a CSV of readings, a monitoring token."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from apps.core.forms import RecordForm, columns
from apps.monitoring.models import Metric
from apps.monitoring.services import EDITABLE_FIELDS
from apps.systems.models import AISystem


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        archived = " (archived)" if obj.is_archived else ""
        return f"{obj.reference} · {obj.title}{archived}"


class MetricForm(RecordForm):
    """Every field of a metric; the risks it watches are those of its own system."""

    watched_risks = RiskChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Risks it watches",
        help_text="A rollback breach's incident names them as the risks that materialised.",
    )

    class Meta:
        model = Metric
        fields = EDITABLE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, system, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        risks = Q(archived_at__isnull=True)
        if self.instance.pk:
            risks |= Q(pk__in=self.instance.watched_risks.values("pk"))
            self.initial.setdefault(
                "watched_risks", list(self.instance.watched_risks.values_list("pk", flat=True))
            )
        self.fields["watched_risks"].queryset = (
            system.risks.filter(risks).order_by("-residual_score", "title").distinct()
        )
        self.fields["watched_risks"].error_messages["invalid_choice"] = (
            f"A metric watches risks of its own system ({system.reference}) only; "
            "%(value)s is not one of them."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("What it measures", "name", columns("measures", "unit"), "description"),
            Fieldset(
                "Thresholds",
                "direction",
                columns("warning_threshold", "rollback_threshold"),
                columns("window_minutes", "aggregation"),
                "incident_severity",
            ),
            Fieldset("Risks it watches", "watched_risks"),
            *self.change_reason_layout(),
        )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}

    def linked_records(self) -> dict:
        return {"risks": self.cleaned_data.get("watched_risks") or []}


class ReadingsUploadForm(forms.Form):
    """A CSV of readings of one metric: ``timestamp,value[,source]`` with a header line."""

    file = forms.FileField(
        label="CSV file",
        help_text="A header line, then one reading a line: timestamp (ISO 8601 with its "
        "offset, e.g. 2025-06-01T10:15:00Z), value, and optionally source.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "readings-%s")
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {filesizeformat(settings.IMPORT_MAX_BYTES)}: split it."
            )
        return upload


class SystemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} · {obj.name} ({obj.team.name})"


class MonitoringTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “Prometheus exporter, production”."
    )
    systems = SystemChoiceField(
        queryset=AISystem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="It posts readings of these systems' metrics only (systems you may edit).",
        error_messages={"required": "Choose the systems whose readings the token posts."},
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        empty_value=None,
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")],
        initial="365",
        required=False,
    )

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["systems"].queryset = systems
        self.helper = FormHelper()
        self.helper.form_tag = False
