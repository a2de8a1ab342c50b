"""Links to records written from one reversed route: the same text as ``reverse``."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from apps.core.links import reverse_pk


@pytest.mark.parametrize(
    "viewname", ["risks:detail", "mitigations:detail", "systems:detail", "incidents:detail"]
)
def test_a_link_reads_exactly_as_reverse_writes_it(viewname):
    for pk in (1, 42, 987654321, 10**15):
        assert reverse_pk(viewname, pk) == reverse(viewname, args=[pk])


def test_a_link_follows_the_script_prefix_of_a_deployment_under_a_path():
    reverse_pk("risks:detail", 1)  # remembered without a prefix first
    set_script_prefix("/register/")
    try:
        assert reverse_pk("risks:detail", 7) == reverse("risks:detail", args=[7])
        assert reverse_pk("risks:detail", 7).startswith("/register/")
    finally:
        clear_script_prefix()
    assert not reverse_pk("risks:detail", 7).startswith("/register/")


def test_a_key_that_is_not_a_number_goes_through_reverse():
    with pytest.raises(NoReverseMatch):
        reverse_pk("risks:detail", "not-a-number")
