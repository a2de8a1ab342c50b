"""Choice fields for long lists: the same choices and markup as Django's, without its cost."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html
from django.urls import reverse

from apps.accounts.models import User
from apps.core import fields
from apps.core.fields import FastSelect, LabelModelChoiceField, person_label
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, RiskFactory, UserFactory


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


def test_past_the_limit_a_list_of_systems_becomes_a_box_for_a_reference(db, team, monkeypatch):
    monkeypatch.setattr(fields, "MAX_OPTIONS", 2)
    chosen, *_ = [AISystemFactory(team=team) for _ in range(3)]
    field = LabelModelChoiceField(AISystem.objects.order_by("pk"), empty_label="All systems")
    html = field.widget.render("system", chosen.pk, {"id": "id_system", "class": "form-select"})
    assert "<select" not in html and "<option" not in html
    assert f'value="{chosen.reference}"' in html
    assert 'id="id_system"' in html and "form-control" in html


def test_up_to_the_limit_the_systems_stay_a_list(db, team, monkeypatch):
    monkeypatch.setattr(fields, "MAX_OPTIONS", 3)
    systems = [AISystemFactory(team=team) for _ in range(3)]
    field = LabelModelChoiceField(AISystem.objects.order_by("pk"), empty_label="All systems")
    html = field.widget.render("system", systems[0].pk, {"id": "id_system"})
    assert html.startswith("<select") and html.count("<option") == 4


def test_a_typed_reference_chooses_the_system(db, team, other_team):
    mine = AISystemFactory(team=team)
    theirs = AISystemFactory(team=other_team)
    field = LabelModelChoiceField(AISystem.objects.filter(team=team))
    assert field.clean(mine.reference) == mine
    assert field.clean(mine.reference.lower()) == mine
    with pytest.raises(forms.ValidationError):
        field.clean(theirs.reference)  # not among the systems this person may filter by


def test_the_register_filters_by_a_typed_reference(client_for, team, monkeypatch):
    monkeypatch.setattr(fields, "MAX_OPTIONS", 1)
    wanted, other = AISystemFactory(team=team), AISystemFactory(team=team)
    RiskFactory(system=wanted, title="Wanted risk")
    RiskFactory(system=other, title="Other risk")
    response = client_for("viewer").get(reverse("risks:list"), {"system": wanted.reference})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wanted risk" in page and "Other risk" not in page
    assert f'value="{wanted.reference}"' in page
