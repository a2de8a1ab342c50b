import pytest

from apps.core.ids import parse_id


@pytest.mark.parametrize(
    "text, expected", [("42", 42), (" 7 ", 7), ("9223372036854775807", 2**63 - 1)]
)
def test_plain_positive_integers_are_ids(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", None, "0", "-3", "³", "٣", "1.5", "abc", "9223372036854775808", "1" * 40, "4 2"],
)
def test_anything_else_is_not_an_id(text):
    assert parse_id(text) is None


def test_a_superscript_digit_in_a_page_filter_is_not_a_server_error(client, django_user_model):
    user = django_user_model.objects.create_user("ids-probe", password="x")
    client.force_login(user)
    assert client.get("/systems/new/?team=%C2%B3").status_code in {200, 403}
