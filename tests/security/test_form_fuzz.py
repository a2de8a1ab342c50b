"""Fuzzing the main create and edit forms with hypothesis, through the test client.

Each case reads the form from its page (every input, select, radio and checkbox, with their
options), then posts generated values: options, arbitrary unicode, huge text, NUL characters,
empty values, numbers and dates out of range, missing fields. Whatever is posted, the answer is
never a server error, and when the form is shown again with its errors nothing was written: no
row, no history, no audit event, and an edited record is unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.db import models
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.models import AuditEvent
from apps.incidents.models import Incident
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskAcceptance
from apps.systems.models import AISystem
from tests.fuzzing import examples

pytestmark = pytest.mark.django_db

EXAMPLES = examples(default=12, deep=200)  # per form; tests/fuzzing.py
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEN: Counter = Counter()  # (form, outcome) → examples, for the report at the end of the module


# --- Reading a form from its page -----------------------------------------------------------------
class FormFields(HTMLParser):
    """The page's main form (the one with the most fields) of a method: each field's options and
    the values a browser would send as the page stands (selected options, checked boxes, text)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[dict, dict]] = []
        self.current: tuple[dict, dict] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    method = "post"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == self.method:
            self.current = ({}, {})
            self.forms.append(self.current)
        if self.current is None or tag not in ("input", "textarea", "select", "option"):
            return
        fields, values = self.current
        name = a.get("name") or self.select
        if not name or name == "csrfmiddlewaretoken" or a.get("type") in ("submit", "button"):
            return
        field = fields.setdefault(name, {"type": a.get("type") or tag, "options": []})
        if tag == "select":
            self.select = name
            field["multiple"] = "multiple" in a
        elif tag == "textarea":
            self.textarea = name
            values[name] = ""
        elif tag == "option" or a.get("type") in ("radio", "checkbox"):
            value = a.get("value", "on")
            if value:
                field["options"].append(value)
            if "selected" in a or "checked" in a:
                values.setdefault(name, []).append(value)
        elif a.get("value") is not None:
            values[name] = a["value"]

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current[1][self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None


def read_form(client, url, method: str = "post") -> tuple[dict[str, dict], dict[str, object]]:
    """``(fields, values)`` of the page's main form sent with ``method``."""
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormFields()
    parser.method = method
    parser.feed(response.content.decode())
    fields, values = max(parser.forms, key=lambda form: len(form[0]))
    for name, value in values.items():
        if isinstance(value, list) and not (
            fields[name]["type"] == "checkbox" or fields[name].get("multiple")
        ):
            values[name] = value[0]
    return fields, values


# --- What is posted -------------------------------------------------------------------------------
TRICKY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "6",
    "99999999999999999999999999",
    "1e400",
    "NaN",
    "2026-02-30",
    "9999-12-31T23:59",
    "0001-01-01",
    "31/12/2026",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://evil")',
    "../../etc/passwd",
    "\u202e\u0645\ud7ff\U0001f4a5",
    "\r\n",
]
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)  # what UTF-8 can carry
junk = st.one_of(
    st.sampled_from(TRICKY),
    any_text,
    st.lists(any_text, min_size=2, max_size=3),  # a field sent several times
    st.integers(min_value=1_000, max_value=300_000).map(lambda n: "Ж" * n),  # huge
)
# Free text that a person may well type: any unicode (no NUL, which forms refuse).
prose = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200
)
TEXT_TYPES = ("text", "textarea")


def mutations(fields: dict[str, dict]):
    """Up to three fields junked or left out, and up to two text fields given any prose."""
    names = sorted(fields)
    texts = sorted(name for name in names if fields[name]["type"] in TEXT_TYPES)
    return st.tuples(
        st.dictionaries(st.sampled_from(names), st.one_of(junk, st.none()), max_size=3),
        st.dictionaries(st.sampled_from(texts), prose, max_size=2) if texts else st.just({}),
    )


# --- What must not change -------------------------------------------------------------------------
def snapshot(model: type[models.Model], pk: int | None) -> tuple:
    through = tuple(
        field.remote_field.through.objects.count() for field in model._meta.many_to_many
    )
    record = tuple(model.objects.filter(pk=pk).values().first().items()) if pk else ()
    return (
        model.objects.count(),
        model.history.count(),
        AuditEvent.objects.count(),
        through,
        record,
    )


@dataclass(frozen=True)
class Case:
    name: str
    model: type[models.Model]
    url: str
    argument: str | None = None  # the record whose pk the URL takes
    query: str = ""  # ?system=<pk>
    edits: bool = False
    start_from: tuple[str, str] | None = None  # a create form starts from this edit page's values
    unique: str = ""  # a field made unique in each example
    extra: tuple[tuple[str, str], ...] = ()  # values the page leaves empty


CASES = [
    Case(
        "system create",
        AISystem,
        "systems:create",
        start_from=("systems:edit", "system"),
        unique="name",
    ),
    Case("system edit", AISystem, "systems:edit", "system", edits=True),
    Case(
        "risk create",
        Risk,
        "risks:create",
        query="system",
        start_from=("risks:edit", "risk"),
        unique="title",
    ),
    Case("risk edit", Risk, "risks:edit", "risk", edits=True),
    Case(
        "mitigation create",
        Mitigation,
        "mitigations:create",
        query="system",
        start_from=("mitigations:edit", "mitigation"),
        unique="title",
    ),
    Case("mitigation edit", Mitigation, "mitigations:edit", "mitigation", edits=True),
    Case(
        "incident create",
        Incident,
        "incidents:create",
        query="system",
        start_from=("incidents:edit", "incident"),
        unique="title",
    ),
    Case("incident edit", Incident, "incidents:edit", "incident", edits=True),
    Case(
        "acceptance request",
        RiskAcceptance,
        "risks:request_acceptance",
        "risk",
        extra=(("rationale", "Residual risk is low and watched weekly."),),
    ),
]


@pytest.fixture
def records(system, risk, mitigation, incident):
    return {"system": system, "risk": risk, "mitigation": mitigation, "incident": incident}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fuzzed_form_never_fails_and_writes_nothing_when_refused(case, records, client_for):
    client = client_for("contributor")
    url = reverse(case.url, args=[records[case.argument].pk] if case.argument else [])
    if case.query:
        url += f"?system={records['system'].pk}"
    fields, values = read_form(client, url)
    if case.start_from:
        name, argument = case.start_from
        values = read_form(client, reverse(name, args=[records[argument].pk]))[1]
        values.pop("version", None)
        if case.query:
            values["system"] = str(records["system"].pk)
    values.update(case.extra)
    assert len(fields) >= 2 and values, fields  # the page really has its form
    edited = records[case.argument] if case.edits else None
    pk = edited.pk if edited else None
    examples = iter(range(10**6))

    @FUZZ
    @given(changes=mutations(fields))
    def post(changes):
        junked, texts = changes
        data = {**values, **texts}
        if edited is not None and "version" in data:
            data["version"] = str(type(edited).objects.get(pk=pk).version)
        if case.unique:
            data[case.unique] = f"{str(data.get(case.unique, ''))[:200]} #{next(examples)}"
        for name, value in junked.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        before = snapshot(case.model, pk)
        response = client.post(url, data)
        assert response.status_code < 500
        if response.status_code == 302:
            SEEN[(case.name, "saved")] += 1
            if not case.edits:
                assert case.model.objects.count() == before[0] + 1
        else:
            SEEN[(case.name, f"refused ({response.status_code})")] += 1
            assert snapshot(case.model, pk) == before

    post()


def test_a_body_that_is_not_utf8_is_refused_without_writing(client_for, system):
    before = snapshot(AISystem, system.pk)
    response = client_for("contributor").post(
        reverse("systems:edit", args=[system.pk]),
        b"name=%FF%FE%00&purpose=\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    assert snapshot(AISystem, system.pk) == before


def test_a_body_over_the_upload_limit_is_refused(client_for, system, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot(AISystem, None)
    response = client_for("contributor").post(reverse("systems:create"), {"name": "x" * 20_000})
    assert response.status_code == 400
    assert snapshot(AISystem, None) == before


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if SEEN:
        lines = [f"  {form}: {outcome} × {n}" for (form, outcome), n in sorted(SEEN.items())]
        print("\nForm fuzz cases:\n" + "\n".join(lines))


# --- Filter forms: hostile values in the query string -------------------------------------------
LISTS = [
    ("risks:list", "risks:export"),
    ("systems:list", None),
    ("mitigations:list", None),
    ("incidents:list", "incidents:export"),
    ("reviews:list", "reviews:export"),
    ("risks:acceptance_list", None),
    ("core:audit_log", None),
]
HOSTILE_FILTERS = ["\x00", "99999999999999999999", "2026-13-45 ' OR 1=1"]


@pytest.mark.parametrize(("list_name", "export_name"), LISTS, ids=[name for name, _ in LISTS])
def test_list_filters_given_hostile_values_never_fail(list_name, export_name, records, client_for):
    client = client_for("administrator")
    fields, _ = read_form(client, reverse(list_name), "get")
    assert fields, list_name
    for value in HOSTILE_FILTERS:
        query = dict.fromkeys(fields, value)
        for name in filter(None, (list_name, export_name)):
            response = client.get(reverse(name), query)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code < 500, (name, value)
