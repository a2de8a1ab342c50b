"""Choice fields for long lists: the same choices and markup as Django's, without its cost."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html

from apps.accounts.models import User
from apps.core.fields import FastSelect, LabelModelChoiceField, person_label
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, UserFactory


def test_fast_select_renders_what_djangos_select_renders():
    choices = [("", "All systems"), (1, "Alpha & <Beta>"), (2, 'Quote "this"'), (3, "Été")]
    attrs = {"id": "id_system", "class": "form-select"}
    fast = FastSelect(choices=choices).render("system", 2, attrs)
    django = forms.Select(choices=choices).render("system", 2, attrs)
    assert parse_html(fast) == parse_html(django)  # attribute order aside


def test_label_choices_come_from_one_query_of_two_columns(db, team, django_assert_num_queries):
    AISystemFactory(team=team, name="Zeta")
    AISystemFactory(team=team, name="Alpha")
    field = LabelModelChoiceField(AISystem.objects.order_by("name"), empty_label="All systems")
    with django_assert_num_queries(1):
        choices = [(str(value), label) for value, label in field.choices]
    assert [label for _, label in choices] == ["All systems", "Alpha", "Zeta"]


def test_label_field_accepts_a_record_of_its_queryset_and_refuses_others(db, team, other_team):
    mine = AISystemFactory(team=team)
    theirs = AISystemFactory(team=other_team)
    field = LabelModelChoiceField(AISystem.objects.filter(team=team))
    assert field.clean(str(mine.pk)) == mine
    try:
        field.clean(str(theirs.pk))
    except forms.ValidationError:
        pass
    else:
        raise AssertionError("a system outside the queryset was accepted")


def test_a_person_is_listed_by_name_or_else_by_email(db):
    UserFactory(full_name="Ada Lovelace", email="ada@example.org")
    UserFactory(full_name="", email="nameless@example.org")
    field = LabelModelChoiceField(
        User.objects.order_by("email"), label_expression=person_label(), empty_label=None
    )
    assert [label for _, label in field.choices] == ["Ada Lovelace", "nameless@example.org"]
