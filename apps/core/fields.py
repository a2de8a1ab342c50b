"""Choice fields for long lists (every system, every person) that stay fast with thousands.

Django renders a ``<select>`` with a template per option and makes a model instance per option:
seconds for the 5,000 systems of a large organisation, on every page with a filter bar.
:class:`LabelModelChoiceField` reads ``(pk, label)`` pairs straight from the database and
:class:`FastSelect` writes the options in one pass; choosing and validating work as before (the
chosen record is looked up by its primary key within the field's queryset).
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


class FastSelect(forms.Select):
    """A ``<select>`` rendered in one pass (same markup as Django's, without a template per
    option)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            options.append(
                f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>'
            )
        return mark_safe(  # noqa: S308 — every value in it is escaped
            f'<select name="{escape(name)}"{flatatt(final_attrs)}>{"".join(options)}</select>'
        )


class LabelChoiceIterator(ModelChoiceIterator):
    """``(pk, label)`` pairs from one query of two columns: no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset.annotate(choice_label=self.field.label_expression)
        for pk, label in queryset.values_list("pk", "choice_label"):
            yield (ModelChoiceIteratorValue(pk, None), label)


class LabelModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are labelled by a database expression (``label``)."""

    iterator = LabelChoiceIterator
    widget = FastSelect

    def __init__(self, queryset, *, label_expression=None, **kwargs):
        self.label_expression = label_expression if label_expression is not None else F("name")
        super().__init__(queryset, **kwargs)


class LabelModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on a long list of records (systems, teams), labelled by ``label_expression``."""

    field_class = LabelModelChoiceField


def person_label():
    """How a person reads in a list: their name, or their e-mail address if they have none."""
    return Coalesce(NullIf(F("full_name"), Value("")), F("email"), output_field=CharField())
