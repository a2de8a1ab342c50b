"""Forms of technical documentation: the texts of one section (or of the Annex VIII
registration data), and the note of a generated version."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from apps.core.forms import RecordForm
from apps.documentation.annex_iv import EDITABLE_GROUPS
from apps.documentation.models import TechnicalDocument

TEXT_ROWS = 5


class DocumentTextsForm(RecordForm):
    """The free-text fields of one group (a section of Annex IV, or the registration data)."""

    class Meta:
        model = TechnicalDocument
        fields: list[str] = []

    group_title = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = TEXT_ROWS
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(self.group_title, *self._meta.fields), *self.change_reason_layout()
        )

    def clean(self):
        # Every save says which version of the document it was written on: a form posted
        # without it could empty texts that someone else has written since.
        data = super().clean()
        if "version" in self.fields and not data.get("version"):
            raise forms.ValidationError(
                "The form lost the version of the document it was opened on: reload the page "
                "and write your changes again."
            )
        return data


def texts_form_class(group: str, title: str) -> type[DocumentTextsForm]:
    """The form of the texts of ``group`` (a key of :data:`EDITABLE_GROUPS`)."""
    return forms.modelform_factory(
        TechnicalDocument,
        form=type("GroupTextsForm", (DocumentTextsForm,), {"group_title": title}),
        fields=list(EDITABLE_GROUPS[group]),
        formfield_callback=_formfield,
    )


def _formfield(field, **kwargs):
    if field.name == "information_url":
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class StartDocumentForm(RecordForm):
    """Starting a system's document: who its provider is (the rest is written later)."""

    class Meta:
        model = TechnicalDocument
        fields = ["provider"]
        widgets = {"provider": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("provider", *self.change_reason_layout())


class GenerateVersionForm(forms.Form):
    note = forms.CharField(
        label="Why this version",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text="Optional: what it is for (“for the notified body”, “after the Q3 changes”).",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "generate-%s")
        super().__init__(*args, **kwargs)
