"""The API's filter parameters: the pages' FilterSets, plus two aliases the contract promises.

* ``search`` is the pages' ``q`` (text search that also finds a record by its reference);
* ``level`` takes level words or numbers (``high``, ``critical,high``, ``3``) on the field an
  API FilterSet names (a risk's residual level, a system's criticality).

They are added by subclassing in each app's ``api/filters.py``, so that the pages' filter
forms, which render every filter, do not grow fields.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.ids import parse_id
from apps.core.models import Level

LEVEL_BY_WORD = {label.lower(): value for value, label in Level.choices}


class LevelListField(forms.CharField):
    """``critical,high`` or ``4,3`` → ``[4, 3]``; anything else is a clear error."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        levels = []
        for part in value.split(","):
            word = part.strip().lower()
            if word in LEVEL_BY_WORD:
                levels.append(LEVEL_BY_WORD[word])
            elif parse_id(word) in Level.values:
                levels.append(parse_id(word))
            else:
                # The person's text goes in params, never into the message itself: a "%" in it
                # would break the formatting (django-filter formats every message with params).
                raise forms.ValidationError(
                    "“%(value)s” is not a level: use critical, high, medium or low "
                    "(or 4, 3, 2, 1), several separated by commas.",
                    code="invalid",
                    params={"value": part.strip()},
                )
        return levels


@extend_schema_field(OpenApiTypes.STR)
class LevelFilter(django_filters.Filter):
    field_class = LevelListField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class APISearchFilterMixin(django_filters.FilterSet):
    """The API's additions to a page's FilterSet.

    ``?search=`` as an alias of the pages' ``?q=`` (the FilterSet's ``filter_search``).
    """

    search = django_filters.CharFilter(
        method="filter_api_search", label="Search (text, or a reference such as RSK-0107)"
    )

    def filter_api_search(self, queryset, name, value):
        return self.filter_search(queryset, name, value)
