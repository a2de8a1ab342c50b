"""Pieces shared by every FilterSet: reference-aware search, archived records, dates."""

from __future__ import annotations

import datetime

import django_filters
import django_filters.fields
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.text import capfirst

from apps.core.forms import DatePickerInput
from apps.core.ids import MAX_ID
from apps.core.models import AuditEvent


class UTCIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC here: PostgreSQL refuses offsets beyond ±15:59
    (a 500 on input such as ``0404-06-13T15:02:59+17:12``), and a date-time that falls outside
    the calendar once in UTC is a clear 400."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("This date-time is out of range.") from error


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``updated_after`` and the like, safe on PostgreSQL whatever offset is typed."""

    field_class = UTCIsoDateTimeField


class DatePickerFilter(django_filters.DateFilter):
    """A day typed in the browser's date picker; on a date-time field, a ``lookup_expr`` such as
    ``date__gte`` compares the day of each row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DatePickerInput)
        super().__init__(*args, **kwargs)


class _ContentTypeField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        model = obj.model_class()
        return capfirst(model._meta.verbose_name) if model else obj.model


class SearchFilterMixin(django_filters.FilterSet):
    """A ``q`` search box over ``search_fields`` that also finds a record by its reference.

    ``SYS-0042``, ``sys-42`` or ``42`` find the record with that primary key in addition to
    text matches.
    """

    search_fields: list[str] = []
    reference_model = None

    q = django_filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        if self.reference_model is not None:
            pk = self.reference_model.parse_reference(value)
            if pk is not None:
                condition |= Q(pk=pk)
        return queryset.filter(condition)


class ArchivedFilterMixin(django_filters.FilterSet):
    """Active records unless ``?archived=yes`` (archived only) or ``all``."""

    archived = django_filters.ChoiceFilter(
        label="Archived",
        choices=[("no", "Active"), ("yes", "Archived"), ("all", "All")],
        empty_label=None,
        method="filter_archived",
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("archived"):
            data = data.copy()
            data["archived"] = "no"
        super().__init__(data, *args, **kwargs)

    def filter_archived(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(archived_at__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(archived_at__isnull=True)


def _audited_content_types(request):
    from django.contrib.contenttypes.models import ContentType

    from apps.core.audit import audited_models

    models = audited_models()
    ids = [ct.pk for ct in ContentType.objects.get_for_models(*models).values()]
    return ContentType.objects.filter(pk__in=ids).order_by("model")


class ContentTypeChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _ContentTypeField


class AuditEventFilterSet(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(
        queryset=lambda request: get_user_model().objects.order_by("full_name"),
        empty_label="Anyone",
    )
    model = ContentTypeChoiceFilter(
        field_name="content_type",
        queryset=_audited_content_types,
        empty_label="Any kind of record",
        label="Record type",
    )
    object_id = django_filters.NumberFilter(
        label="Record id", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID
    )
    action = django_filters.ChoiceFilter(
        choices=AuditEvent.Action.choices, empty_label="Any change"
    )
    date_after = DatePickerFilter(field_name="timestamp", lookup_expr="date__gte", label="From")
    date_before = DatePickerFilter(field_name="timestamp", lookup_expr="date__lte", label="To")
    q = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", label="Record name"
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "model", "object_id", "action", "date_after", "date_before", "q"]
