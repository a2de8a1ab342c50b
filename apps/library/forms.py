"""The library's form: which system gets a template's risk."""

from django import forms

from apps.risks.models import RiskTemplate
from apps.systems.selectors import systems_open_for_records


class AddFromTemplateForm(forms.Form):
    """Which system gets the template's risk, and optionally another title for it."""

    system = forms.ModelChoiceField(
        queryset=None,
        label="System",
        empty_label="Choose a system…",
        error_messages={"required": "Choose the system to add this risk to."},
    )
    title = forms.CharField(
        max_length=255,
        required=False,
        label="Title (optional)",
        help_text="Leave empty to keep the library's title; you can adapt everything later.",
    )

    def __init__(self, *args, user, template: RiskTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        systems = systems_open_for_records(user)
        self.fields["system"].queryset = systems
        if not self.is_bound and not self.initial.get("system"):
            # Someone who may add risks to one system only has nothing to choose.
            only = list(systems.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                self.initial["system"] = only[0]
        self.fields["system"].label_from_instance = lambda s: f"{s.reference} {s.name} ({s.team})"
        self.fields["title"].widget.attrs["placeholder"] = template.title
