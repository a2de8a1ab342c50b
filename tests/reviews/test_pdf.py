"""The plan as a PDF: one template with the page, text checked in the generated file."""

import io
import re
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.reviews import services
from apps.reviews.pdf import render_plan_pdf
from apps.reviews.plan import assemble_plan, live_document_context, version_document_context
from apps.systems.models import AISystem
from tests.factories import MitigationFactory, RiskFactory
from tests.reviews.conftest import complete_checklist, submit

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def fifty_risks(system):
    titles = []
    for n in range(50):
        likelihood, impact = 1 + n % 5, 1 + (n * 3) % 5
        risk = RiskFactory(
            system=system,
            title=f"Risk {n:02d}: the assistant mishandles case {n}",
            inherent_likelihood=5,
            inherent_impact=5,
            residual_likelihood=likelihood,
            residual_impact=impact,
            status="treated" if likelihood * impact >= 16 else "open",
        )
        MitigationFactory(system=system, title=f"Control for case {n}").risks.add(risk)
        titles.append(risk.title)
    return titles


def test_the_pdf_of_a_50_risk_plan_has_the_system_name_and_every_risk_title(
    system, contributor, reviewer2, capsys
):
    AISystem.objects.filter(pk=system.pk).update(name="Aria support assistant")
    titles = fifty_risks(system)
    complete_checklist(system, contributor)
    review = submit(system, contributor, [reviewer2])
    started = time.perf_counter()
    content = render_plan_pdf(version_document_context(review.current_version))
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n50-risk safety plan PDF: {len(content) / 1024:.0f} KiB in {elapsed:.2f} s")
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "Aria support assistant" in text
    missing = [title for title in titles if title not in text]
    assert missing == []
    assert "Contents" in text and "Approvals" in text
    assert re.search(r"Page 2 of \d+", text)


def test_the_pdf_lists_approvals_with_names_and_dates(review, committee_member):
    services.decide_review(
        review=review, reviewer=committee_member, decision="approve", comment="Sound plan."
    )
    review.current_version.refresh_from_db()
    text = pdf_text(render_plan_pdf(version_document_context(review.current_version)))
    assert committee_member.full_name in text
    assert "Sound plan." in text
    assert "Approved" in text


def test_the_live_plan_pdf_says_it_is_a_draft(system, risk):
    text = pdf_text(render_plan_pdf(live_document_context(system)))
    assert "Draft" in text and risk.title in text


def test_user_typed_links_are_never_fetched(system, contributor, monkeypatch):
    system.description = '<img src="http://169.254.169.254/x"> see https://intranet.example/x'
    system.save()
    RiskFactory(system=system)
    called = []
    monkeypatch.setattr("urllib.request.OpenerDirector.open", lambda *a, **k: called.append(a))
    render_plan_pdf(live_document_context(system))
    assert called == []
    assert "169.254" in pdf_text(render_plan_pdf(live_document_context(system)))


@pytest.mark.parametrize(
    "role, status", [("auditor", 200), ("viewer", 200), ("outsider", 404), ("anonymous", 302)]
)
def test_version_pdf_download_by_role(role, status, client_for, review):
    url = reverse("reviews:version_pdf", args=[review.system_id, 1])
    response = client_for(role).get(url)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


def test_the_snapshot_not_the_live_plan_is_in_the_version_pdf(review, risk):
    risk.title = "Renamed after submission"
    risk.save()
    assert assemble_plan(review.system)["risks"][0]["title"] == "Renamed after submission"
    text = pdf_text(render_plan_pdf(version_document_context(review.current_version)))
    assert "Invented refund policy" in text
    assert "Renamed after submission" not in text


def test_a_version_pdf_is_rendered_once_until_a_decision_changes_it(
    client_for, review, committee_member, monkeypatch
):
    from apps.reviews import pdf

    renders = []
    real = pdf.render_plan_pdf
    monkeypatch.setattr(pdf, "render_plan_pdf", lambda context: renders.append(1) or real(context))
    url = reverse("reviews:version_pdf", args=[review.system_id, 1])
    client = client_for("auditor")
    first = client.get(url).content
    assert client.get(url).content == first
    assert len(renders) == 1
    services.decide_review(review=review, reviewer=committee_member, decision="approve")
    assert committee_member.full_name in pdf_text(client.get(url).content)
    assert len(renders) == 2
