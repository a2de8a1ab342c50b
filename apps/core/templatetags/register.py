"""Template helpers used across the register's pages."""

import datetime
import re

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from apps.core.audit import record_url
from apps.core.models import Level

register = template.Library()

LEVEL_CLASSES = {
    Level.LOW: "text-bg-success",
    Level.MEDIUM: "text-bg-warning",
    Level.HIGH: "text-bg-orange",
    Level.CRITICAL: "text-bg-danger",
}


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str, css_class: str = ""):
    """A column header that sorts by ``field``, toggling the direction, keeping the filters
    (``css_class``: e.g. a column hidden on phones).

    Every sortable header shows an icon (arrows while it is not the sort order, the direction
    once it is); ``aria-sort`` tells screen readers the sorted column's direction (``none`` on
    the others, which can be sorted but are not).
    """
    request = context["request"]
    current = request.GET.get("ordering", "")
    if current == field:
        new, state, icon, hint = f"-{field}", "ascending", "bi-sort-up", "sort descending"
    elif current == f"-{field}":
        new, state, icon, hint = field, "descending", "bi-sort-down", "sort ascending"
    else:
        new, state, icon, hint = field, "none", "bi-arrow-down-up sort-idle", "sort"
    params = request.GET.copy()
    params["ordering"] = new
    params.pop("page", None)
    return format_html(
        '<th scope="col"{} aria-sort="{}"><a href="?{}" class="sort-link" title="{}: {}">{}'
        ' <i class="bi {}" aria-hidden="true"></i></a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        state,
        params.urlencode(),
        label,
        hint,
        label,
        icon,
    )


HEAT_MAP_CAPTION = (
    "number of risks in each cell. Rows: impact 5 (severe) to 1; columns: likelihood 1 (rare) to 5."
)


@register.inclusion_tag("includes/heat_map.html")
def heat_map(rows, title="", caption=HEAT_MAP_CAPTION, table_id="", likelihoods=None):
    """The 5×5 heat map (``includes/heat_map.html``) of the dashboard, the safety plan and its
    PDF: ``rows`` of impact 5 → 1, each ``{"impact", "cells", "label"?}`` with cells
    ``{"likelihood", "impact", "count", "level", "url"?}``. Every cell takes its band's colour
    whether or not it holds a risk; ``likelihoods``: (value, label) pairs for the column titles.
    """
    labels = dict(likelihoods or [])
    described = []
    for row in rows:
        cells = []
        for cell in row["cells"]:
            level = Level(int(cell["level"]))
            cells.append(
                {
                    **cell,
                    "score": cell["likelihood"] * cell["impact"],
                    "css": LEVEL_CLASSES[level],
                    "level_label": level.label,
                }
            )
        described.append({**row, "cells": cells})
    return {
        "rows": described,
        "columns": [{"value": value, "label": labels.get(value, "")} for value in range(1, 6)],
        "title": title,
        "caption": caption,
        "table_id": table_id,
    }


@register.simple_tag
def level_badge(level, label_prefix=""):
    """A coloured badge with the level in words (colour is never the only signal)."""
    if level in (None, ""):
        return format_html('<span class="badge text-bg-light border">{}</span>', "Not assessed")
    level = Level(int(level))
    return format_html(
        '<span class="badge {}">{}{}</span>', LEVEL_CLASSES[level], label_prefix, level.label
    )


@register.simple_tag(takes_context=True)
def audit_record_url(context, event) -> str:
    """The page of an audited record; administrators fall back to its admin page."""
    url = record_url(event.content_type, event.object_id)
    if url:
        return url
    user = context["request"].user
    model = event.content_type.model_class()
    if user.is_staff and model is not None and admin.site.is_registered(model):
        try:
            return reverse(
                f"admin:{event.content_type.app_label}_{event.content_type.model}_change",
                args=[event.object_id],
            )
        except NoReverseMatch:
            return ""
    return ""


@register.filter
def yesno_icon(value):
    if value:
        return format_html('<i class="bi bi-check-lg text-success" aria-hidden="true"></i> Yes')
    return format_html('<i class="bi bi-dash text-secondary" aria-hidden="true"></i> No')


@register.filter
def model_label(content_type) -> str:
    """“AI system” for the content type of AISystem."""
    model = content_type.model_class()
    return capfirst(model._meta.verbose_name) if model else content_type.model


# --- Dates and times in histories and diffs -------------------------------------------------------
# As every page writes them: a day as “4 Dec 2026”, a moment as “4 Dec 2026, 16:33” in the
# person's time zone (apps.accounts.middleware activates it).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
# What ``isoformat()`` wrote into an audit event or a frozen plan, and nothing else.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)


def readable_when(value: str, kind: str = "") -> str:
    """An ISO date or date-time (as stored in an audit event's changes or a frozen plan) as the
    page writes dates and times; anything else unchanged.

    ``kind``: ``"date"`` or ``"datetime"`` when the field is known (then only that shape is
    read); empty to recognise either by its shape.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if kind in ("", "datetime") and _ISO_DATETIME.fullmatch(text):
            moment = datetime.datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return format_date(timezone.localtime(moment), DATETIME_FORMAT)
        if kind in ("", "date") and _ISO_DATE.fullmatch(text):
            return format_date(datetime.date.fromisoformat(text), DATE_FORMAT)
    except (ValueError, OverflowError):
        return value
    return value


def _field_kind(model, name: str) -> str | None:
    """``"datetime"``/``"date"`` for a date field of ``model``, ``None`` for another field,
    ``""`` when the field is unknown (removed since the change was recorded)."""
    if model is None:
        return ""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return ""
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    return None


@register.filter
def readable_changes(event) -> list[dict]:
    """An audit event's field changes with their dates and times written as on the rest of the
    page (the stored values stay ISO 8601, which exports and the hash chain keep)."""
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    changes = []
    for change in event.changes or []:
        kind = _field_kind(model, change.get("field", ""))
        if kind is None:
            changes.append(change)
            continue
        changes.append(
            {
                **change,
                "old": readable_when(change.get("old", ""), kind),
                "new": readable_when(change.get("new", ""), kind),
            }
        )
    return changes


@register.filter(name="readable_when")
def readable_when_filter(value):
    """A date or date-time value of a diff (a frozen plan's) as the page writes them."""
    return readable_when(value)


# The widgets crispy's Bootstrap 5 pack lays out differently (a check box after its label, a
# list of boxes, a file picker): those fields keep crispy's template.
_CRISPY_LAID_OUT = (
    forms.CheckboxInput,
    forms.CheckboxSelectMultiple,
    forms.RadioSelect,
    forms.FileInput,
)


@register.filter
def filter_field(field):
    """A filter bar's field (label, control, errors, help) in the markup crispy's Bootstrap 5
    ``field.html`` gives it, written here in one pass: through crispy's template and its includes,
    once per field, a filter bar took 4-5 ms of a list page's 28-33 ms of CPU. Django
    itself sets ``aria-invalid`` and points ``aria-describedby`` at the help and the errors."""
    widget = field.field.widget
    if field.is_hidden:
        return field.as_widget()
    if isinstance(widget, _CRISPY_LAID_OUT):
        return as_crispy_field(field)
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if field.errors:
        css += " is-invalid"
    own = widget.attrs.get("class")
    control = field.as_widget(attrs={"class": f"{own} {css}" if own else css})
    label = ""
    if field.label:
        label = format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
            " requiredField" if field.field.required else "",
            field.label,
            mark_safe('<span class="asteriskField">*</span>') if field.field.required else "",
        )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, field.auto_id, error) for n, error in enumerate(field.errors, start=1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div{} class="form-text">{}</div>',
            format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else "",
            mark_safe(field.help_text),  # noqa: S308 - the form's own text, as crispy shows it
        )
    css_classes = field.css_classes()
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}{}{}</div>',
        field.auto_id,
        f" {css_classes}" if css_classes else "",
        label,
        control,
        errors,
        help_text,
    )
