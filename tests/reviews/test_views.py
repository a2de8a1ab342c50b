"""Review pages: access by role, the queue, deciding in the browser, the system's page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.reviews import services
from apps.reviews.models import ChecklistItem, ChecklistStatus, Decision, Review, ReviewStatus
from tests.conftest import ROLES
from tests.factories import AISystemFactory, RiskFactory
from tests.reviews.conftest import complete_checklist, submit

pytestmark = pytest.mark.django_db


# --- Access by role -------------------------------------------------------------------------------
# Expected status of each page for a pending review of ``team``'s system, reviewed by
# ``committee_member``; the contributor owns the system, the viewer reads its team.
PAGE_ACCESS = {
    #              list  queue detail hist  plan  pdf   ver  vpdf  cmp  chklst submit
    "contributor": (200, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "viewer": (200, 403, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "outsider": (200, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "committee_member": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "auditor": (200, 403, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "administrator": (200, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "nobody": (200, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
}


def page_urls(review):
    system_pk = review.system_id
    return [
        reverse("reviews:list"),
        reverse("reviews:queue"),
        reverse("reviews:detail", args=[review.pk]),
        reverse("reviews:history", args=[review.pk]),
        reverse("reviews:plan", args=[system_pk]),
        reverse("reviews:plan_pdf", args=[system_pk]),
        reverse("reviews:version", args=[system_pk, 1]),
        reverse("reviews:version_pdf", args=[system_pk, 1]),
        reverse("reviews:compare", args=[system_pk, 1]),
        reverse("reviews:checklist", args=[system_pk]),
        reverse("reviews:submit", args=[system_pk]),
    ]


def test_access_table_covers_every_role():
    assert set(PAGE_ACCESS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_review_page(role, client_for, review):
    client = client_for(role)
    statuses = tuple(client.get(url).status_code for url in page_urls(review))
    assert statuses == PAGE_ACCESS[role]


def test_other_teams_do_not_see_the_review_in_the_list(client_for, review):
    assertNotContains(client_for("outsider").get(reverse("reviews:list")), review.reference)
    assertContains(client_for("viewer").get(reverse("reviews:list")), review.reference)


def test_an_unknown_version_is_a_404(client_for, review):
    url = reverse("reviews:version", args=[review.system_id, 9])
    assert client_for("auditor").get(url).status_code == 404


# --- Deciding in the browser ----------------------------------------------------------------------
def test_the_assigned_reviewer_decides_from_the_review_page(client_for, review, committee_member):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision": "approve", "comment": "Clear and complete.", "version": 1},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    assert Decision.objects.get().reviewer == committee_member


def test_a_committee_member_who_is_not_assigned_gets_a_403(client_for, review, reviewer2):
    response = client_for(reviewer2).post(
        reverse("reviews:decide", args=[review.pk]), {"decision": "approve", "version": 1}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor", "administrator"])
def test_roles_outside_the_committee_cannot_decide_by_post(role, client_for, review):
    response = client_for(role).post(
        reverse("reviews:decide", args=[review.pk]), {"decision": "approve", "version": 1}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_the_outsider_cannot_even_find_the_review(client_for, review):
    response = client_for("outsider").post(
        reverse("reviews:decide", args=[review.pk]), {"decision": "approve", "version": 1}
    )
    assert response.status_code == 404


def test_rejecting_without_a_comment_is_refused_on_the_page(client_for, review):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]), {"decision": "reject", "version": 1}
    )
    assertContains(response, "Say why the plan is rejected.", status_code=400)
    assert not Decision.objects.exists()


def test_the_decision_form_is_shown_only_to_an_assigned_reviewer(client_for, review, reviewer2):
    url = review.get_absolute_url()
    assertContains(client_for("committee_member").get(url), "Your decision on version 1")
    assertNotContains(client_for(reviewer2).get(url), "Your decision on version 1")
    assertNotContains(client_for("auditor").get(url), "Your decision on version 1")


def test_queue_lists_what_waits_for_me_overdue_first(
    client_for, committee_member, team, submitter, reviewer2
):
    systems = []
    for name in ("Later", "Overdue", "Sooner"):
        system = AISystemFactory(team=team, name=name)
        RiskFactory(system=system)
        complete_checklist(system, submitter)
        systems.append(submit(system, submitter, [committee_member]))
    later, overdue, sooner = systems
    today = timezone.localdate()
    Review.objects.filter(pk=later.pk).update(due_date=today + datetime.timedelta(days=20))
    Review.objects.filter(pk=overdue.pk).update(due_date=today - datetime.timedelta(days=2))
    Review.objects.filter(pk=sooner.pk).update(due_date=today + datetime.timedelta(days=3))
    not_mine = AISystemFactory(team=team, name="Not mine")
    RiskFactory(system=not_mine)
    complete_checklist(not_mine, submitter)
    submit(not_mine, submitter, [reviewer2])

    response = client_for("committee_member").get(reverse("reviews:queue"))
    assert [item["review"] for item in response.context["items"]] == [overdue, sooner, later]
    assertContains(response, "Overdue since")
    assertContains(response, 'data-confirm="Approve version 1')


def test_deciding_from_the_queue_with_htmx_swaps_the_entry(client_for, review):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision": "approve", "version": 1, "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assertContains(response, f'id="queue-item-{review.pk}"')
    assertContains(response, "You approved version 1")
    assertNotContains(response, "<html")


def test_requesting_changes_tells_the_reviewer_the_plan_goes_back_to_the_team(client_for, review):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]),
        {
            "decision": "request_changes",
            "comment": "Name the owner.",
            "version": 1,
            "from": "queue",
        },
        HTTP_HX_REQUEST="true",
    )
    assertContains(
        response,
        f"You requested changes to version 1 of {review.reference}: it goes back to the team "
        "for changes.",
    )


def test_an_htmx_refusal_shows_the_problem_in_the_entry(client_for, review):
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision": "request_changes", "version": 1, "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assertContains(response, "Say what must change.")
    assert not Decision.objects.exists()


def test_a_decided_review_leaves_the_queue(client_for, review, committee_member):
    services.decide_review(review=review, reviewer=committee_member, decision="approve")
    response = client_for("committee_member").get(reverse("reviews:queue"))
    assert response.context["items"] == []
    assertContains(response, "Nothing waits for you.")


def test_a_stale_page_cannot_decide_on_an_old_version(client_for, review, submitter):
    services.decide_review(
        review=review, reviewer=review.reviewers.get(), decision="request_changes", comment="x"
    )
    services.resubmit_safety_plan(review=review, by=submitter)
    response = client_for("committee_member").post(
        reverse("reviews:decide", args=[review.pk]), {"decision": "approve", "version": 1}
    )
    assertContains(response, "You read version 1, but version 2", status_code=400)


# --- Submitting and the checklist in the browser --------------------------------------------------
def test_submitting_from_the_page(client_for, ready_system, committee_member):
    response = client_for("contributor").post(
        reverse("reviews:submit", args=[ready_system.pk]),
        {"kind": "initial", "reviewers": [committee_member.pk]},
    )
    review = Review.objects.get()
    assert response.status_code == 302
    assert response.url == review.get_absolute_url()


def test_a_refused_submission_says_which_items_are_open(client_for, system, risk, committee_member):
    response = client_for("contributor").post(
        reverse("reviews:submit", args=[system.pk]),
        {"kind": "initial", "reviewers": [committee_member.pk]},
    )
    assert response.status_code == 200
    assertContains(response, "still open: Model performance validated")
    assert not Review.objects.exists()


def test_the_submit_form_offers_only_eligible_reviewers(client_for, system, committee_member):
    system.technical_owner = committee_member
    system.save()
    response = client_for("contributor").get(reverse("reviews:submit", args=[system.pk]))
    assert committee_member not in response.context["form"].fields["reviewers"].queryset


def test_the_team_keeps_its_checklist_from_the_page(client_for, system):
    client = client_for("contributor")
    client.post(
        reverse("reviews:checklist_add_evidence", args=[system.pk, "rollback_tested"]),
        {"kind": "link", "url": "https://runbooks.example/rollback-drill"},
    )
    response = client.post(
        reverse("reviews:checklist_update", args=[system.pk, "rollback_tested"]),
        {"status": "done", "note": "Drill on 3 November"},
    )
    assert response.status_code == 302
    item = ChecklistItem.objects.get(system=system, key="rollback_tested")
    assert item.status == ChecklistStatus.DONE
    page = client.get(reverse("reviews:checklist", args=[system.pk]))
    assertContains(page, "https://runbooks.example/rollback-drill")
    assertContains(page, "1 of 8 items complete")


def test_marking_done_without_evidence_is_refused_on_the_page(client_for, system):
    response = client_for("contributor").post(
        reverse("reviews:checklist_update", args=[system.pk, "rollback_tested"]),
        {"status": "done"},
    )
    assertContains(response, "Add the evidence first", status_code=400)


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member"])
def test_readers_cannot_change_the_checklist(role, client_for, system):
    response = client_for(role).post(
        reverse("reviews:checklist_update", args=[system.pk, "rollback_tested"]),
        {"status": "not_applicable", "note": "x"},
    )
    assert response.status_code == 403


def test_the_submitter_resubmits_after_changes_were_requested(
    client_for, review, committee_member, submitter
):
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )
    assertContains(client_for(submitter).get(review.get_absolute_url()), "Submit version 2")
    response = client_for(submitter).post(reverse("reviews:resubmit", args=[review.pk]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.current_version.number) == (ReviewStatus.PENDING, 2)


def test_contributors_read_the_reviewers_comments(client_for, review, committee_member):
    services.decide_review(
        review=review,
        reviewer=committee_member,
        decision="request_changes",
        comment="The rollback drill evidence is a screenshot; attach the log.",
    )
    response = client_for("contributor").get(review.get_absolute_url())
    assertContains(response, "The rollback drill evidence is a screenshot; attach the log.")
    assertContains(response, "Changes requested")


# --- The system's page, compare, list, export, history -----------------------------------------
def test_the_system_page_shows_plan_status_approved_version_and_past_reviews(
    client_for, review, committee_member
):
    services.decide_review(review=review, reviewer=committee_member, decision="approve")
    response = client_for("viewer").get(review.system.get_absolute_url())
    assertContains(response, "Safety plan and reviews")
    assertContains(response, "Version 1</a>")
    assertContains(response, review.reference)
    system = review.system
    system.refresh_from_db()
    assertContains(response, f"{system.next_review_due:%-d %b %Y}")


def test_the_compare_page_offers_the_earlier_version_with_its_date(
    client_for, review, committee_member, submitter
):
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="Re-score."
    )
    services.resubmit_safety_plan(review=review, by=submitter)
    first = review.versions.get(number=1)
    response = client_for("committee_member").get(
        reverse("reviews:compare", args=[review.system_id, 2])
    )
    label = f"Version 1 ({timezone.localtime(first.submitted_at):%-d %b %Y})"
    assertContains(response, f'<option value="1" selected>{label}</option>', html=True)


def test_the_compare_page_shows_what_changed(client_for, review, committee_member, submitter, risk):
    from apps.risks import services as risk_services

    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="Re-score."
    )
    risk_services.update_risk(risk=risk, by=submitter, data={"residual_impact": 2})
    services.resubmit_safety_plan(review=review, by=submitter)
    response = client_for("committee_member").get(
        reverse("reviews:compare", args=[review.system_id, 2])
    )
    assertContains(response, "Re-scored")
    assertContains(response, "2×4 = 8 (Medium)")
    assertContains(response, "2×2 = 4 (Low)")


def test_the_list_exports_its_rows_as_csv(client_for, review):
    response = client_for("auditor").get(reverse("reviews:export"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0].startswith("reference,system_reference,system")
    assert review.reference in content


def test_the_list_filters_what_waits_for_me(client_for, review, reviewer2):
    response = client_for(reviewer2).get(reverse("reviews:list"), {"waiting_for_me": "on"})
    assert list(response.context["page_obj"]) == []
    response = client_for("committee_member").get(reverse("reviews:list"), {"waiting_for_me": "on"})
    assert list(response.context["page_obj"]) == [review]


def test_the_history_shows_who_decided_what_on_which_version(client_for, review, committee_member):
    services.decide_review(review=review, reviewer=committee_member, decision="approve")
    response = client_for("auditor").get(reverse("reviews:history", args=[review.pk]))
    assertContains(response, "Approved version 1")
    assertContains(response, "Version 1 submitted")


def test_the_navbar_offers_reviews(client_for, team):
    assertContains(client_for("viewer").get(reverse("dashboard:home")), reverse("reviews:list"))


def test_the_audit_log_links_decisions_to_their_review(client_for, review, committee_member):
    decision = services.decide_review(review=review, reviewer=committee_member, decision="approve")
    response = client_for("auditor").get(reverse("reviews:decision_link", args=[decision.pk]))
    assert response.url == review.get_absolute_url() + f"#decision-{decision.pk}"
    assert (
        client_for("outsider").get(reverse("reviews:decision_link", args=[decision.pk])).status_code
        == 404
    )


def test_the_review_list_takes_a_fixed_number_of_queries(
    client_for, team, submitter, committee_member, django_assert_max_num_queries
):
    for n in range(5):
        system = AISystemFactory(team=team, name=f"S{n}")
        RiskFactory(system=system)
        complete_checklist(system, submitter)
        submit(system, submitter, [committee_member])
    client = client_for("auditor")
    with django_assert_max_num_queries(12):
        client.get(reverse("reviews:list"))
