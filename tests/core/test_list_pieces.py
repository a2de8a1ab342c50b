"""Pieces every list shares: column headers that look sortable, and on a phone the filters
folded behind “Filters (n)”, n being the filters in use."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import RiskFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("risks:list")


def header(content: str, label: str) -> str:
    end = content.index(f">{label} <i")
    return content[content.rindex("<th", 0, end) : content.index("</th>", end)]


def test_every_sortable_header_shows_an_icon(risk, client_for):
    content = client_for("viewer").get(REGISTER).content.decode()
    for label in ("Ref.", "Risk", "Inherent", "Residual", "Due"):
        assert 'class="bi bi-arrow-down-up sort-idle"' in header(content, label)


def test_the_sorted_column_says_its_direction(risk, client_for):
    content = client_for("viewer").get(REGISTER, {"ordering": "-residual"}).content.decode()
    residual = header(content, "Residual")
    assert 'aria-sort="descending"' in residual
    assert "bi-sort-down" in residual
    assert "ordering=residual" in residual  # the next click sorts the other way
    assert 'aria-sort="none"' in header(content, "Inherent")
    ascending = client_for("viewer").get(REGISTER, {"ordering": "residual"}).content.decode()
    assert 'aria-sort="ascending"' in header(ascending, "Residual")


def test_sort_links_keep_the_filters_and_go_back_to_the_first_page(risk, client_for):
    content = client_for("viewer").get(REGISTER, {"status": "open", "page": 2}).content.decode()
    link = header(content, "Risk")
    assert "status=open" in link
    assert "page=" not in link


def test_columns_can_be_hidden_on_phones(risk, client_for):
    content = client_for("viewer").get(REGISTER).content.decode()
    assert '<th scope="col" class="d-none d-md-table-cell" aria-sort="none">' in content
    assert '<th scope="col" aria-sort="none"><a href="?ordering=inherent"' in content


def test_filters_fold_behind_a_button_that_counts_them(risk, client_for):
    response = client_for("viewer").get(REGISTER)
    assert response.context["active_filter_count"] == 0
    assertContains(response, 'data-bs-target="#filters"')
    assertContains(response, "Filters <span data-filter-count>(0)</span>")
    assertContains(
        response, 'class="filter-form card card-body bg-body-tertiary mb-3 collapse d-md-flex"'
    )


def test_the_count_is_of_filters_in_use_not_of_defaults(risk, client_for):
    response = client_for("viewer").get(
        REGISTER,
        {
            "q": "refund",
            "residual_level": "3",
            "archived": "no",  # the default: not a filter in use
            "owner": "",
            "ordering": "title",
            "page": "1",
        },
    )
    assert response.context["active_filter_count"] == 2
    assertContains(response, "Filters <span data-filter-count>(2)</span>")


def test_a_heat_map_cell_counts_as_its_two_filters(risk, client_for):
    response = client_for("viewer").get(REGISTER, {"inherent_likelihood": 3, "inherent_impact": 4})
    assert response.context["active_filter_count"] == 2


def test_archived_records_are_a_filter_in_use(risk, client_for):
    response = client_for("viewer").get(REGISTER, {"archived": "all"})
    assert response.context["active_filter_count"] == 1


def test_the_level_columns_stay_on_phones_and_the_rest_folds_under_the_title(system, client_for):
    RiskFactory(system=system, title="Leaks an order", residual_likelihood=2, residual_impact=2)
    content = client_for("viewer").get(REGISTER).content.decode()
    for label in ("Inherent", "Residual", "Risk"):
        assert 'class="d-none' not in header(content, label)
    for label in ("Ref.", "System", "Category", "Treatment", "Status", "Owner", "Due"):
        assert 'class="d-none' in header(content, label)
    assert 'class="small text-secondary d-md-none">RSK-' in content


def test_a_list_without_filters_in_the_address_has_no_count(client_for):
    response = client_for("viewer").get(reverse("mitigations:list"))
    assertNotContains(response, "Filters <span data-filter-count>(1)</span>")
