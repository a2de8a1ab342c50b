"""The Content-Security-Policy header, and pages that need no exception to it: no inline script,
no inline event handler, no inline style (a browser check of the same runs in tests/e2e)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.risks.models import RiskTemplate

pytestmark = pytest.mark.django_db

EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


class InlineCode(HTMLParser):
    """Everything in a page that a strict CSP would block: inline scripts, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        data_block = names.get("type") in ("application/json", "application/ld+json")
        if tag == "script" and not names.get("src") and not data_block:
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value!r}")
            elif name == "style":
                self.found.append(f"{tag} style={value!r}")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value!r}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# The main pages, as someone who may see them: (role, URL name, arguments from the records).
PAGES = [
    ("anonymous", "login", None),
    ("anonymous", "password_reset", None),
    ("contributor", "dashboard:home", None),
    ("contributor", "password_change", None),
    ("contributor", "accounts:profile", None),
    ("contributor", "systems:list", None),
    ("contributor", "systems:create", None),
    ("contributor", "systems:detail", "system"),
    ("contributor", "systems:edit", "system"),
    ("contributor", "systems:history", "system"),
    ("contributor", "risks:list", None),
    ("contributor", "risks:create", None),
    ("contributor", "risks:detail", "risk"),
    ("contributor", "risks:edit", "risk"),
    ("contributor", "risks:history", "risk"),
    ("contributor", "risks:request_acceptance", "risk"),
    ("contributor", "risks:acceptance_list", None),
    ("contributor", "risks:acceptance_detail", "acceptance"),
    ("contributor", "library:list", None),
    ("contributor", "library:template_detail", "template"),
    ("contributor", "risks:matrix", None),
    ("contributor", "risks:import", "system"),
    ("contributor", "mitigations:list", None),
    ("contributor", "mitigations:create", None),
    ("contributor", "mitigations:detail", "mitigation"),
    ("contributor", "mitigations:edit", "mitigation"),
    ("contributor", "incidents:list", None),
    ("contributor", "incidents:create", None),
    ("contributor", "incidents:detail", "incident"),
    ("contributor", "incidents:edit", "incident"),
    ("contributor", "incidents:metrics", None),
    ("contributor", "reviews:list", None),
    ("contributor", "reviews:detail", "review"),
    ("contributor", "reviews:plan", "system"),
    ("contributor", "reviews:checklist", "system"),
    ("contributor", "reminders:notifications", None),
    ("committee_member", "reminders:escalations", None),
    ("contributor", "exports:list", None),
    ("contributor", "exports:detail", "export_job"),
    ("committee_member", "reviews:queue", None),
    ("committee_member", "reviews:detail", "review"),
    ("auditor", "core:audit_log", None),
    ("administrator", "admin:index", None),
    ("administrator", "admin:accounts_user_changelist", None),
]


@pytest.fixture
def records(system, risk, mitigation, incident, review, acceptance, export_job):
    return {
        "system": system.pk,
        "risk": risk.pk,
        "mitigation": mitigation.pk,
        "incident": incident.pk,
        "review": review.pk,
        "acceptance": acceptance.pk,
        "export_job": export_job.pk,
        "template": RiskTemplate.objects.order_by("pk").values_list("key", flat=True).first(),
    }


def page_url(name, argument, records):
    if argument is None:
        return reverse(name)
    if argument == "system" and name.startswith(("reviews:", "risks:import")):
        return reverse(name, kwargs={"system_pk": records["system"]})
    if argument == "template":
        return reverse(name, kwargs={"key": records["template"]})
    return reverse(name, args=[records[argument]])


@pytest.mark.parametrize(("role", "name", "argument"), PAGES, ids=[p[1] for p in PAGES])
def test_main_pages_have_no_inline_script_handler_or_style(
    role, name, argument, records, client_for
):
    response = client_for(role).get(page_url(name, argument, records))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(("role", "name", "argument"), PAGES[:6], ids=[p[1] for p in PAGES[:6]])
def test_pages_send_the_policy(role, name, argument, records, client_for):
    response = client_for(role).get(page_url(name, argument, records))
    assert directives(response).items() >= EXPECTED_DIRECTIVES.items()


def test_the_policy_names_no_unsafe_source(client):
    header = client.get(reverse("login"))["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    html = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles": false' in html


def test_the_api_docs_send_the_policy_and_load_their_script_from_a_file(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert directives(response).items() >= EXPECTED_DIRECTIVES.items()
    html = response.content.decode()
    assert inline_code(html) == []
    assert "?script=" in html  # the start-up script is a separate request


def test_the_api_docs_script_is_javascript(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("api:docs") + "?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in response.content


def test_the_checker_sees_inline_code():
    html = (
        "<script>alert(1)</script><a href='javascript:x()'>x</a>"
        "<button onclick='x()'>b</button><div style='color:red'></div><style>p{}</style>"
        "<script src='/static/app.js'></script>"
    )
    assert len(inline_code(html)) == 5
