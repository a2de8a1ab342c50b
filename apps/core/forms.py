"""Form pieces shared by every app."""

import datetime
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.core.models import Evidence
from apps.core.services import EVIDENCE_TYPES


def columns(*fields, width: str = "col-md-6") -> Div:
    """A row of a form's layout: each field (a name or a layout object) in a column of the grid
    ``width`` wide, so that short fields that go together stand side by side."""
    return Div(*(Div(field, css_class=width) for field in fields), css_class="row")


# --- Date and time pickers that keep what was typed ---------------------------------------------
_PICKER_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PICKER_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?")


class KeepTypedPickerMixin:
    """A browser's date or date-time picker shows nothing for a value it cannot read (a day
    that does not exist, another format typed by a script or an older browser), so a form sent
    back with an error there would lose what was typed. Such a value is shown as text instead,
    with the error beside it; a readable one gets the picker. (app.js keeps a half-typed picker
    from being sent at all: the browser would send it empty.)"""

    picker_pattern: re.Pattern
    parse_format: str  # of the value's first parse_length characters
    parse_length: int

    def readable_by_picker(self, value: str) -> bool:
        if not self.picker_pattern.fullmatch(value):
            return False
        try:
            datetime.datetime.strptime(value[: self.parse_length], self.parse_format)
        except ValueError:
            return False
        return True

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        typed = context["widget"]["value"]
        if isinstance(typed, str) and typed and not self.readable_by_picker(typed):
            context["widget"]["type"] = "text"
            context["widget"]["attrs"]["data-picker"] = self.input_type
        return context


class DatePickerInput(KeepTypedPickerMixin, forms.DateInput):
    """The browser's date picker (``YYYY-MM-DD``)."""

    input_type = "date"
    picker_pattern = _PICKER_DATE
    parse_format, parse_length = "%Y-%m-%d", 10

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimePickerInput(KeepTypedPickerMixin, forms.DateTimeInput):
    """The browser's date-and-time picker (``YYYY-MM-DDTHH:MM``), in the person's time zone."""

    input_type = "datetime-local"
    picker_pattern = _PICKER_DATETIME
    parse_format, parse_length = "%Y-%m-%dT%H:%M", 16

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ChangeReasonFormMixin(forms.Form):
    """An optional “why” that goes into the record's history with the change, and, when an
    existing versioned record is edited, the hidden ``version`` it was read at (optimistic
    concurrency: see :mod:`apps.core.concurrency`)."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=255,
        help_text="Optional; shown in the history with your change.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and hasattr(instance, "version"):
            self.fields["version"].initial = instance.version
        else:
            del self.fields["version"]

    @property
    def expected_version(self) -> int | None:
        """The version of the record the person started from (``None``: no check)."""
        return self.cleaned_data.get("version") if "version" in self.fields else None

    def take_saved_values(self, values: dict) -> None:
        """Put a record's saved ``values`` (as stored: a related record by its key, links as a
        set of keys) into the posted data, as if typed. After an edit conflict, the fields this
        person had left alone and someone else changed show their new values, so that saving the
        form again keeps those changes (see :mod:`apps.core.concurrency`)."""
        data = self.data.copy()
        for name, value in values.items():
            if name not in self.fields:
                continue
            field, key = self.fields[name], self.add_prefix(name)
            if isinstance(value, set | frozenset | list | tuple):
                posted = [str(item) for item in sorted(value)]
            elif isinstance(field.widget, forms.CheckboxInput):
                posted = ["on"] if value else []
            else:
                formatted = field.widget.format_value(field.prepare_value(value))
                if isinstance(formatted, list):  # a select gives its chosen values
                    formatted = formatted[0] if formatted else ""
                posted = ["" if formatted is None else str(formatted)]
            if hasattr(data, "setlist"):
                data.setlist(key, posted)
            elif posted:
                data[key] = posted if len(posted) > 1 or isinstance(value, set) else posted[0]
            else:
                data.pop(key, None)
        self.data = data

    def change_reason_layout(self):
        extra = ["version"] if "version" in self.fields else []
        return [Fieldset("History", "change_reason", *extra)]


class RecordForm(ChangeReasonFormMixin, forms.ModelForm):
    """The form of a record that a service writes: the generic create and edit views pass
    :meth:`service_data` to the service (not ``form.save()``), with the reason and version."""

    def service_data(self) -> dict:
        """The values the service writes: the form's model fields (override to add others)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


# --- Evidence of a record (a mitigation, an obligation, a checklist item) ------------------------
class EvidenceForm(forms.Form):
    """A file, a link or a note; the service checks the file's type, signature and size."""

    kind = forms.ChoiceField(
        choices=Evidence.Kind.choices,
        widget=forms.RadioSelect,
        initial=Evidence.Kind.FILE,
        label="Kind of evidence",
    )
    file = forms.FileField(
        required=False,
        help_text="",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_TYPES))}),
    )
    url = forms.CharField(
        label="Link",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "evidence-%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Up to {filesizeformat(settings.EVIDENCE_MAX_BYTES)}: "
            f"{', '.join(sorted(EVIDENCE_TYPES))}."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def evidence_data(self) -> dict:
        kind = self.cleaned_data["kind"]
        return {
            "kind": kind,
            "file": self.cleaned_data.get("file") if kind == Evidence.Kind.FILE else None,
            "url": self.cleaned_data.get("url", "") if kind == Evidence.Kind.LINK else "",
            "note": self.cleaned_data.get("note", "") if kind == Evidence.Kind.NOTE else "",
        }
