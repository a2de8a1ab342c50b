"""Date and date-time pickers keep what was typed: a value the browser's picker cannot show
comes back as text, with its error, instead of an empty field."""

import datetime

import pytest
from django import forms

from apps.core.forms import DatePickerInput, DateTimePickerInput


class WhenForm(forms.Form):
    day = forms.DateField(widget=DatePickerInput)
    moment = forms.DateTimeField(widget=DateTimePickerInput)


def rendered(form, name) -> str:
    return str(form[name])


def test_a_readable_value_gets_the_picker():
    form = WhenForm({"day": "2026-12-04", "moment": "2026-12-04T10:30"})
    assert form.is_valid()
    assert 'type="date"' in rendered(form, "day")
    assert 'value="2026-12-04"' in rendered(form, "day")
    assert 'type="datetime-local"' in rendered(form, "moment")


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("day", "2026-02-31"),
        ("day", "31.13.2026"),
        ("moment", "2026-02-31T10:30"),
        ("moment", "2026-12-04 25:00"),
        ("moment", "tomorrow morning"),
    ],
)
def test_a_value_the_picker_cannot_show_is_kept_as_text(name, typed):
    form = WhenForm({"day": "2026-12-04", "moment": "2026-12-04T10:30", name: typed})
    assert not form.is_valid()
    assert name in form.errors
    html = rendered(form, name)
    assert 'type="text"' in html
    assert f'value="{typed}"' in html


def test_an_initial_value_is_formatted_for_the_picker():
    form = WhenForm(
        initial={
            "day": datetime.date(2026, 12, 4),
            "moment": datetime.datetime(2026, 12, 4, 10, 30),
        }
    )
    assert 'type="date" name="day" value="2026-12-04"' in rendered(form, "day")
    assert 'value="2026-12-04T10:30"' in rendered(form, "moment")
