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


# --- The filter bar's fields (apps.core.templatetags.register.filter_field) ---------------------
def filter_group(content: str, name: str) -> str:
    start = content.index(f'<div id="div_id_{name}"')
    ends = (content.find(marker, start + 1) for marker in ('<div id="div_id_', "</form>"))
    return content[start : min(end for end in ends if end > 0)]


def test_a_filter_is_labelled_and_styled_as_a_bootstrap_control(risk, client_for):
    content = client_for("viewer").get(REGISTER).content.decode()
    group = filter_group(content, "status")
    assert '<label for="id_status" class="form-label">' in group
    assert 'class="form-select"' in group
    assert 'class="form-control"' in filter_group(content, "q")


def test_a_filter_points_at_its_help_text(risk, client_for):
    group = filter_group(client_for("viewer").get(REGISTER).content.decode(), "reference")
    assert 'aria-describedby="id_reference_helptext"' in group
    assert '<div id="id_reference_helptext" class="form-text">' in group


def test_a_bad_filter_value_is_marked_invalid_and_says_why(risk, client_for):
    content = client_for("viewer").get(REGISTER, {"status": "nonsense"}).content.decode()
    group = filter_group(content, "status")
    assert 'class="form-select is-invalid"' in group
    assert 'aria-invalid="true"' in group
    assert 'aria-describedby="id_status_error"' in group
    assert '<div id="id_status_error" class="invalid-feedback">' in group
    assert "Select a valid choice." in group


def test_a_filter_of_check_boxes_keeps_crispys_layout(db, client_for):
    content = client_for("committee_member").get(reverse("reviews:list")).content.decode()
    group = filter_group(content, "waiting_for_me")  # a check box, its label after it
    assert 'class="checkboxinput form-check-input" id="id_waiting_for_me"' in group
    assert '<label for="id_waiting_for_me" class="form-check-label">' in group
