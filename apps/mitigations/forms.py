"""Forms of the mitigation pages: a mitigation, the risk panel's inline forms, evidence."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.db.models import Q

from apps.core.forms import DatePickerInput, RecordForm, columns
from apps.mitigations import selectors
from apps.mitigations.models import Mitigation
from apps.mitigations.services import EDITABLE_FIELDS, verification_date
from apps.risks.treatment import MitigationStatus


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        archived = " (archived)" if obj.is_archived else ""
        return f"{obj.reference} · {obj.title}{archived}"


# The browser's date picker; a value it cannot show is kept as typed.
DateInput = DatePickerInput


class MitigationForm(RecordForm):
    """Every field of a mitigation; the risks it treats are those of its own system.

    The owners offered and the risks listed are those the service accepts; the rules themselves
    (who may own it, its dates) are the service's.
    """

    risks = RiskChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Risks it treats",
    )

    class Meta:
        model = Mitigation
        fields = EDITABLE_FIELDS
        field_classes = {"owner": UserChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "due_date": DateInput,
            "last_verified_on": DateInput,
        }
        help_texts = {
            "last_verified_on": "Filled in with today's date when you mark it verified.",
        }

    def __init__(self, *args, system, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.user = user
        current_owner = self.instance.owner_id if self.instance.pk else None
        self.fields["owner"].queryset = selectors.owner_choices(
            system, current_owner_id=current_owner
        )
        risks = Q(archived_at__isnull=True)
        if self.instance.pk:
            # Keep risks it already treats, even archived ones, so saving does not unlink them.
            risks |= Q(pk__in=self.instance.risks.values("pk"))
        self.fields["risks"].queryset = (
            system.risks.filter(risks).order_by("-residual_score", "title").distinct()
        )
        self.fields["risks"].error_messages["invalid_choice"] = (
            f"A mitigation treats risks of its own system ({system.reference} {system}) only; "
            "%(value)s is not one of them."
        )
        if self.instance.pk:
            self.initial.setdefault("risks", list(self.instance.risks.values_list("pk", flat=True)))
        elif user is not None and self.fields["owner"].queryset.filter(pk=user.pk).exists():
            self.initial.setdefault("owner", user.pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("What is done", "title", "description"),
            Fieldset(
                "Kind and defence layer",
                columns("kind", "layer"),
            ),
            Fieldset(
                "Who and when",
                columns("owner", "due_date"),
                columns("status", "last_verified_on"),
            ),
            Fieldset("Risks it treats", "risks"),
            *self.change_reason_layout(),
        )

    def clean(self):
        cleaned = super().clean()
        # Read as the service will write it, so that the record checked against its constraints
        # (a verified mitigation has a date) is the one saved.
        if "status" in cleaned and "last_verified_on" in cleaned:
            cleaned["last_verified_on"] = verification_date(
                cleaned["status"], cleaned["last_verified_on"]
            )
        return cleaned


class RiskPanelAddForm(forms.ModelForm):
    """The few fields needed to plan a new mitigation from a risk's page."""

    class Meta:
        model = Mitigation
        fields = ["title", "kind", "layer", "owner", "due_date"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"due_date": DateInput}

    def __init__(self, *args, system, user, **kwargs):
        kwargs.setdefault("auto_id", "mitigation-panel-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.owner_choices(system)
        if self.fields["owner"].queryset.filter(pk=user.pk).exists():
            self.initial.setdefault("owner", user.pk)

    def mitigation_data(self) -> dict:
        return {**self.cleaned_data, "description": ""}


class RiskPanelLinkForm(forms.Form):
    """Let an existing mitigation of the same system also treat this risk."""

    mitigation = forms.ModelChoiceField(
        queryset=Mitigation.objects.none(),
        label="Existing mitigation",
        empty_label="Choose a mitigation…",
        error_messages={
            "invalid_choice": "Choose a mitigation of this risk's system that does not "
            "treat it yet."
        },
    )

    def __init__(self, *args, risk, user, **kwargs):
        kwargs.setdefault("auto_id", "mitigation-link-%s")
        super().__init__(*args, **kwargs)
        self.risk = risk
        self.fields["mitigation"].queryset = selectors.linkable_mitigations(risk)
        self.fields["mitigation"].label_from_instance = lambda m: f"{m.reference} · {m.title}"
        self.fields["mitigation"].widget.attrs["class"] = "form-select"

    @property
    def has_choices(self) -> bool:
        return self.fields["mitigation"].queryset.exists()


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=MitigationStatus.choices)
