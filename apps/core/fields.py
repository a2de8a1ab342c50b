"""Choice fields for long lists (every system, every person) that stay fast with thousands.

Django renders a ``<select>`` with a template per option and makes a model instance per option:
seconds for the 5,000 systems of a large organisation, on every page with a filter bar.
:class:`LabelModelChoiceField` reads ``(pk, label)`` pairs straight from the database and
:class:`FastSelect` writes the options in one pass; choosing and validating work as before (the
chosen record is looked up by its primary key within the field's queryset).

Past :data:`MAX_OPTIONS` records that have a reference (``SYS-0042``), a list helps nobody and
costs every page that shows it (5,000 systems: 350 KB and 50 ms a page): the field is then a box
for the record's reference, and the options are not read past the limit.
"""

from __future__ import annotations

from html import escape  # Django's escape, without its lazy-string wrapper per call

import django_filters
from django import forms
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

MAX_OPTIONS = 500


class FastSelect(forms.Select):
    """A ``<select>`` rendered in one pass (same markup as Django's, without a template per
    option)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        choices = list(iter(self.choices))  # not list(choices): its len() would count in SQL
        model = _reference_model(self.choices)
        records = sum(1 for option_value, _ in choices if option_value not in ("", None))
        if model is not None and records > MAX_OPTIONS:
            return self.render_reference_box(name, value, final_attrs, model)
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            options.append(
                f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>'
            )
        return mark_safe(  # noqa: S308 — every value in it is escaped
            f'<select name="{escape(name)}"{flatatt(final_attrs)}>{"".join(options)}</select>'
        )

    def render_reference_box(self, name, value, attrs, model) -> str:
        """A text box for the chosen record's reference, in place of a list too long to use."""
        chosen = next((str(v) for v in self.format_value(value) if v not in ("", None)), "")
        text = model.format_reference(int(chosen)) if chosen.isdecimal() else chosen
        attrs = {**attrs, "class": attrs.get("class", "").replace("form-select", "form-control")}
        example = model.format_reference(42)
        return mark_safe(  # noqa: S308 — every value in it is escaped
            f'<input type="text" name="{escape(name)}" value="{escape(text)}" '
            f'placeholder="{escape(example)}" title="Reference, e.g. {escape(example)}"'
            f"{flatatt(attrs)}>"
        )


def _reference_model(choices):
    """The model of a list of records that have a reference (``SYS-0042``), if it is one."""
    queryset = getattr(choices, "queryset", None)
    model = getattr(queryset, "model", None)
    return model if hasattr(model, "format_reference") else None


class LabelChoiceIterator(ModelChoiceIterator):
    """``(pk, label)`` pairs from one query of two columns: no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset.annotate(choice_label=self.field.label_expression)
        pairs = queryset.values_list("pk", "choice_label")
        if _reference_model(self) is not None:
            pairs = pairs[: MAX_OPTIONS + 1]  # past that, the field is a reference box
        for pk, label in pairs:
            yield (ModelChoiceIteratorValue(pk, None), label)


class LabelModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are labelled by a database expression (``label``)."""

    iterator = LabelChoiceIterator
    widget = FastSelect

    def __init__(self, queryset, *, label_expression=None, **kwargs):
        self.label_expression = label_expression if label_expression is not None else F("name")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        """A primary key, or a reference typed in the box (``SYS-0042``, ``sys-42``)."""
        if isinstance(value, str) and hasattr(self.queryset.model, "parse_reference"):
            pk = self.queryset.model.parse_reference(value)
            if pk is not None:
                value = pk
        return super().to_python(value)


class LabelModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on a long list of records (systems, teams), labelled by ``label_expression``."""

    field_class = LabelModelChoiceField


def person_label():
    """How a person reads in a list: their name, or their e-mail address if they have none."""
    return Coalesce(NullIf(F("full_name"), Value("")), F("email"), output_field=CharField())
