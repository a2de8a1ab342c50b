"""The form renderer writes, character for character, what Django's widget templates write."""

from __future__ import annotations

import datetime
import importlib

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.http import QueryDict
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from apps.core.form_renderer import WRITERS, FastRenderer

TEMPLATES = DjangoTemplates()
FAST = FastRenderer()


def both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=TEMPLATES),
        widget.render(name, value, attrs=attrs, renderer=FAST),
    )


class Tricky:
    def __str__(self):
        return 'a <b> & "c"'


WIDGETS = {
    "text with a value": (forms.TextInput(), "q", 'say "<hi>" & bye'),
    "text without a value": (forms.TextInput(), "q", None),
    "text with an empty value": (forms.TextInput(), "q", ""),
    "text with attributes": (
        forms.TextInput(attrs={"class": "a b", "required": True, "disabled": False}),
        "q",
        "x",
    ),
    "number with limits": (forms.NumberInput(attrs={"min": 0, "max": 10**18}), "n", 0),
    "e-mail": (forms.EmailInput(), "e", "a@example.org"),
    "url": (forms.URLInput(), "u", "https://example.org/?a=1&b=2"),
    "password": (forms.PasswordInput(render_value=True), "p", "secret"),
    "hidden": (forms.HiddenInput(), "h", 42),
    "date": (forms.DateInput(), "d", datetime.date(2026, 12, 6)),
    "date-time": (forms.DateTimeInput(), "dt", datetime.datetime(2026, 12, 6, 9, 30)),
    "time": (forms.TimeInput(), "t", datetime.time(9, 30)),
    "search": (forms.TextInput(attrs={"type": "search"}), "s", "x"),
    "check box ticked": (forms.CheckboxInput(), "c", True),
    "check box not ticked": (forms.CheckboxInput(), "c", False),
    "select": (forms.Select(choices=[("", "Any"), ("a", "A & B"), (3, 3)]), "s", "a"),
    "select with groups": (
        forms.Select(choices=[("x", "X"), ("Group <1>", [("a", "A"), ("b", "B")])]),
        "s",
        "b",
    ),
    "select with lazy, safe and other labels": (
        forms.Select(
            choices=[
                ("l", gettext_lazy("Low")),
                ("s", mark_safe("<em>safe</em>")),
                ("o", Tricky()),
                ("n", 1234567),
                ("d", datetime.date(2026, 1, 2)),
            ]
        ),
        "s",
        "n",
    ),
    "select of several": (
        forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")]),
        "m",
        ["a", "c"],
    ),
    "yes or no": (forms.NullBooleanSelect(), "yn", True),
    "text area": (forms.Textarea(), "t", "line one\n<line two>"),
    "empty text area": (forms.Textarea(attrs={"rows": 3}), "t", ""),
}


@pytest.mark.parametrize("case", WIDGETS)
def test_a_widget_is_written_as_djangos_template_writes_it(case):
    widget, name, value = WIDGETS[case]
    templates, fast = both(widget, name, value, attrs={"id": f"id_{name}"})
    assert fast == templates


def test_the_app_renders_its_forms_with_it():
    assert isinstance(get_default_renderer(), FastRenderer)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_a_number_label_is_localised_as_in_a_template():
    templates, fast = both(forms.Select(choices=[(1, 1234567)]), "s", 1)
    assert "1,234,567" in templates
    assert fast == templates


def test_a_widget_of_its_own_option_template_is_left_to_djangos_templates(monkeypatch):
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    templates, fast = both(Fancy(choices=[("a", "A")]), "s", "a")
    assert fast == templates


def test_a_widget_of_another_kind_is_left_to_djangos_templates():
    radios = forms.RadioSelect(choices=[("a", "A"), ("b", "B")])
    templates, fast = both(radios, "r", "a")
    assert fast == templates
    assert "<input" in fast


def _classes(module: str, base: type):
    """The subclasses of ``base`` defined in each app's ``module`` (``filters``, ``forms``)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            found = importlib.import_module(f"{config.name}.{module}")
        except ModuleNotFoundError:
            continue
        for value in vars(found).values():
            is_one = isinstance(value, type) and issubclass(value, base)
            if is_one and value.__module__ == found.__name__:
                yield value


def _filter_sets():
    return (f for f in _classes("filters", django_filters.FilterSet) if f._meta.model is not None)


@pytest.mark.django_db
@pytest.mark.parametrize("invalid", [False, True], ids=["as first shown", "with bad values"])
def test_every_filter_bar_is_written_as_djangos_templates_write_it(invalid):
    compared = 0
    for filter_set in _filter_sets():
        data = QueryDict(
            "&".join(f"{name}=%3Cbad%3E" for name in filter_set.base_filters) if invalid else ""
        )
        form = filter_set(data, queryset=filter_set._meta.model.objects.none()).form
        form.is_valid()
        for field in form:
            widget = field.field.widget
            value = field.value()
            attrs = field.build_widget_attrs({"id": field.auto_id}, widget)
            templates = widget.render(field.html_name, value, attrs=attrs, renderer=TEMPLATES)
            fast = widget.render(field.html_name, value, attrs=attrs, renderer=FAST)
            assert fast == templates, f"{filter_set.__name__}.{field.name}"
            compared += 1
    assert compared > 100


@pytest.mark.django_db
def test_every_form_that_stands_alone_is_written_as_djangos_templates_write_it():
    compared = 0
    for form_class in _classes("forms", forms.BaseForm):
        try:
            form = form_class()
        except (TypeError, KeyError, AttributeError, ValueError):
            continue  # a form that needs its record or its person
        for field in form:
            widget = field.field.widget
            attrs = field.build_widget_attrs({"id": field.auto_id}, widget)
            value = field.value()
            templates = widget.render(field.html_name, value, attrs=attrs, renderer=TEMPLATES)
            fast = widget.render(field.html_name, value, attrs=attrs, renderer=FAST)
            assert fast == templates, f"{form_class.__name__}.{field.name}"
            compared += 1
    assert compared > 50


def test_every_widget_template_it_writes_is_djangos_own():
    assert FastRenderer().writers.keys() == WRITERS.keys()


def _overriding(monkeypatch, overridden: str) -> FastRenderer:
    renderer = FastRenderer()
    real = renderer.get_template

    def get_template(name):
        template = real(name)
        if name == overridden:
            monkeypatch.setattr(template.origin, "name", "/srv/app/templates/" + name)
        return template

    monkeypatch.setattr(renderer, "get_template", get_template)
    return renderer


def test_a_widget_template_an_app_overrides_is_drawn_by_that_template(monkeypatch):
    renderer = _overriding(monkeypatch, "django/forms/widgets/select.html")
    assert "django/forms/widgets/select.html" not in renderer.writers
    assert "django/forms/widgets/text.html" in renderer.writers


def test_an_included_template_overridden_leaves_every_widget_to_the_templates(monkeypatch):
    renderer = _overriding(monkeypatch, "django/forms/widgets/attrs.html")
    assert renderer.writers == {}
