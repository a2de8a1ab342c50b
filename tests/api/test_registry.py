"""Links to records in API responses, written from one reversed route per request and kind."""

from rest_framework.reverse import reverse

from apps.core.api import registry


def test_a_detail_link_reads_exactly_as_reverse_writes_it(rf):
    request = rf.get("/api/v1/risks/")
    for basename in ("risk", "mitigation", "risk", "system"):
        for pk in (1, 42, 987654321, 10**15):
            expected = reverse(f"api:{basename}-detail", kwargs={"pk": pk}, request=request)
            assert registry.detail_url(request, basename, pk) == expected


def test_a_detail_link_without_a_request_is_a_path():
    assert registry.detail_url(None, "risk", 7) == reverse("api:risk-detail", kwargs={"pk": 7})
