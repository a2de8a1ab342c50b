"""Accessibility basics on every page: a label for every field, menus usable from the keyboard,
and heat maps whose cells say their number in text (colour is never the only signal).

The pages are those of the permission matrix (tests/permission_matrix.py): each URL that
answers a page, opened by the contributor of the record's team, the committee member and the
administrator where they may (each sees other forms), and each form sent back empty when that
answers the form with its errors. The HTML is read with Python's own parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.db import transaction

from tests.matrix_world import Case, is_sided, world  # noqa: F401 (a fixture)
from tests.permission_matrix import MATRIX, ROLES, cells, expected_outcome

# Who opens each page: the contributor (the team's forms), the committee member (decisions) and
# the administrator (the matrix, every team), where the matrix lets them in; else the first of
# the others it lets in.
OPENERS = ("contributor", "committee_member", "administrator")
OTHERS = ("viewer", "auditor", "anonymous")
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
HEAT_MAP_CLASSES = {"heatmap", "heat-map-table", "risk-matrix"}


# --- A small DOM ----------------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict = field(default_factory=dict)
    parent: Node | None = None
    children: list = field(default_factory=list)  # Nodes and strings

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def text(self, *, visible_only=False) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not (visible_only and is_hidden(child)):
                parts.append(child.text(visible_only=visible_only))
        return " ".join(part.strip() for part in parts if part.strip())

    def describe(self) -> str:
        attrs = " ".join(
            f'{name}="{value}"' for name, value in self.attrs.items() if name != "class"
        )
        return f"<{self.tag} {attrs}>"


def is_hidden(node: Node) -> bool:
    """Not shown on screen: hidden, or visible to screen readers only."""
    return "hidden" in node.attrs or bool(node.classes & {"visually-hidden", "d-none"})


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, parent=self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:  # else: a stray end tag, ignored
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- The checks -----------------------------------------------------------------------------------
def unlabelled_fields(document: Node) -> list[str]:
    """Every visible input, select and textarea without a label or an accessible name."""
    nodes = list(document.walk())
    ids = {node.attrs["id"]: node for node in nodes if node.attrs.get("id")}
    labelled = {
        node.attrs["for"] for node in nodes if node.tag == "label" and node.attrs.get("for")
    }
    problems = []
    for node in nodes:
        if node.tag not in ("input", "select", "textarea"):
            continue
        if node.tag == "input" and node.attrs.get("type", "text") in UNLABELLED_INPUT_TYPES:
            continue
        if is_hidden(node) or any(is_hidden(ancestor) for ancestor in node.ancestors()):
            continue
        if node.attrs.get("aria-label", "").strip():
            continue
        references = node.attrs.get("aria-labelledby", "").split()
        if references and all(ref in ids and ids[ref].text() for ref in references):
            continue
        if node.attrs.get("id") in labelled:
            continue
        if any(ancestor.tag == "label" for ancestor in node.ancestors()):
            continue
        problems.append(node.describe())
    return problems


def unusable_controls(document: Node) -> list[str]:
    """Menus and toggles that a keyboard cannot reach: a Bootstrap toggle must be a button or
    a link; nothing answers a click through an inline handler; no tab order is forced."""
    problems = []
    for node in document.walk():
        toggle = node.attrs.get("data-bs-toggle")
        if toggle and not (node.tag == "button" or (node.tag == "a" and "href" in node.attrs)):
            problems.append(f"{node.describe()}: a {toggle} toggle that is not a button or link")
        handlers = [name for name in node.attrs if name.startswith("on")]
        if handlers:
            problems.append(f"{node.describe()}: inline handler {handlers}")
        tabindex = node.attrs.get("tabindex", "0").strip() or "0"
        if tabindex.lstrip("-").isdigit() and int(tabindex) > 0:
            problems.append(f"{node.describe()}: tabindex {tabindex}")
    return problems


def heat_map_cells_without_numbers(document: Node) -> list[str]:
    """Cells of a heat map whose number is not written in them (visible text with a digit)."""
    problems = []
    tables = [node for node in document.walk() if node.tag == "table"]
    for table in tables:
        if not table.classes & HEAT_MAP_CLASSES:
            continue
        for cell in table.walk():
            if cell.tag == "td" and not any(ch.isdigit() for ch in cell.text(visible_only=True)):
                problems.append(cell.describe())
    return problems


# --- The pages ------------------------------------------------------------------------------------
def pages() -> list[Case]:
    """Each page of the matrix that answers 200, as each role that opens it, and each form
    sent back empty when that shows the form with its errors (200)."""
    result = []
    for key, entry in MATRIX.items():
        if key.startswith("api") or key == "admin:index":
            continue  # JSON, and Django's own administration pages
        side = "own" if is_sided(entry) else "-"
        for method, row in entry.expected.items():
            allowed = [role for role in ROLES if expected_outcome(cells(row)[role], side) == "200"]
            openers = [role for role in OPENERS if role in allowed]
            openers = openers or [role for role in OTHERS if role in allowed][:1]
            result.extend(Case(key, method, role, side) for role in openers)
    return result


def test_every_role_may_open_pages():
    assert set(OPENERS) | set(OTHERS) == set(ROLES)


@pytest.fixture(scope="module")
def rendered(world):  # noqa: F811 (the fixture)
    """Every page, rendered once for all the checks (and nothing they write is kept)."""
    documents = {}
    with transaction.atomic():
        for case in pages():
            response = world.request(MATRIX[case.key], case)
            assert response.status_code == 200, f"{case}: {response.status_code}"
            if response.get("Content-Type", "").startswith("text/html"):
                documents[str(case)] = parse(response.content.decode())
        transaction.set_rollback(True)
    return documents


@pytest.mark.django_db
@pytest.mark.parametrize("page", pages(), ids=str)
def test_every_field_has_a_label(rendered, page):
    document = rendered.get(str(page))
    if document is None:
        pytest.skip("not an HTML page")
    assert unlabelled_fields(document) == []


@pytest.mark.django_db
@pytest.mark.parametrize("page", pages(), ids=str)
def test_menus_and_toggles_work_from_the_keyboard(rendered, page):
    document = rendered.get(str(page))
    if document is None:
        pytest.skip("not an HTML page")
    assert unusable_controls(document) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("dashboard:home", "contributor"),  # the dashboard, scoped to the team
        ("dashboard:home", "committee_member"),  # the dashboard of the whole organisation
        ("risks:matrix", "viewer"),
        ("reviews:plan", "contributor"),  # the plan document's heat maps
        ("reviews:version", "committee_member"),
    ],
)
def test_heat_map_cells_carry_their_number_as_text(world, key, role):  # noqa: F811
    entry = MATRIX[key]
    case = Case(key, "GET", role, "own" if is_sided(entry) else "-")
    document = parse(world.request(entry, case).content.decode())
    tables = [node for node in document.walk() if node.tag == "table"]
    assert any(table.classes & HEAT_MAP_CLASSES for table in tables), f"{case}: no heat map"
    assert heat_map_cells_without_numbers(document) == []


def test_the_navigation_menu_opens_from_a_button_or_link():
    """The check itself: a dropdown on a div is caught, a button is not."""
    bad = parse('<div class="dropdown-toggle" data-bs-toggle="dropdown">Me</div>')
    good = parse('<button type="button" data-bs-toggle="dropdown">Me</button>')
    assert unusable_controls(bad) and not unusable_controls(good)


def test_a_field_without_a_label_is_caught():
    assert unlabelled_fields(parse('<form><input name="title"></form>'))
    assert not unlabelled_fields(parse('<label for="t">Title</label><input id="t" name="title">'))
    assert not unlabelled_fields(parse('<label>Title <input name="title"></label>'))
    assert not unlabelled_fields(parse('<input name="q" aria-label="Search">'))
    assert not unlabelled_fields(parse('<input type="hidden" name="csrf">'))


def test_a_colour_only_cell_is_caught():
    hidden = '<td class="bg-danger"><span class="visually-hidden">3</span></td>'
    assert heat_map_cells_without_numbers(
        parse(f'<table class="heatmap"><tr>{hidden}</tr></table>')
    )
    shown = '<td class="bg-danger">3</td>'
    assert not heat_map_cells_without_numbers(
        parse(f'<table class="heatmap"><tr>{shown}</tr></table>')
    )
