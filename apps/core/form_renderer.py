"""The form renderer: Django's own, with its commonest widget templates written in Python.

Django draws every widget through a template, and a ``<select>`` through one more template per
option; on this app's pages (a filter bar of a dozen fields on every list, the forms of the
record pages) that was about a tenth of the web processes' CPU under load. :class:`FastRenderer`
writes the same markup, character for character, for the templates below (text-like inputs,
check boxes, ``<select>`` with its options and groups, ``<textarea>``), and hands every other
template (and any an app overrides) to Django's renderer. ``tests/core/test_form_renderer.py``
compares both on every widget the forms use.

Set as ``FORM_RENDERER`` in the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
OPTION_TEMPLATE = f"{WIDGETS}select_option.html"
INPUT_TEMPLATES = {
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
}


def _shown(value) -> str:
    """``{{ value }}``: a date or number as the template would write it, escaped."""
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict) -> str:
    """``attrs.html``: `` name="value"`` each, a True one as its bare name, a False one left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>"
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None  # a widget of its own kind of option: Django's templates
            # select_option.html ends with a new line (included, it is kept).
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_shown(value) if value else ''}</textarea>"
    )


WRITERS: dict[str, Callable[[dict], str | None]] = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}textarea.html": _textarea,
}


# What the writers also stand for: the templates the widget templates include.
INCLUDED = (f"{WIDGETS}attrs.html", f"{WIDGETS}input.html", OPTION_TEMPLATE)
DJANGOS_OWN = Path(django.forms.__file__).parent / "templates"


class FastRenderer(DjangoTemplates):
    """Django's template renderer, but for the widgets of :data:`WRITERS`, written in Python."""

    @cached_property
    def writers(self) -> dict[str, Callable[[dict], str | None]]:
        """:data:`WRITERS`, less any template an app overrides (its own markup is then drawn
        by its template; one of the included ones overridden: every widget by its template)."""

        def djangos(name: str) -> bool:
            return Path(self.get_template(name).origin.name).is_relative_to(DJANGOS_OWN)

        if not all(djangos(name) for name in INCLUDED):
            return {}
        return {name: write for name, write in WRITERS.items() if djangos(name)}

    def render(self, template_name, context, request=None):
        write = self.writers.get(template_name)
        widget = context.get("widget") if write is not None else None
        if widget is not None and widget.get("template_name") == template_name:
            written = write(widget)
            if written is not None:
                return written
        return super().render(template_name, context, request)
