"""The classification pages: the questionnaire (back and forward keep the answers, errors per
question, htmx in place and plain POSTs), the record's page and its actions, the comparison, the
list and its export, the system page's panel, and who may do what."""

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.classification import services
from apps.classification.models import ClassificationDraft, ClassificationRecord, RecordStatus
from apps.reviews.models import Review
from apps.systems import services as system_services
from tests.classification.factories import CV_SCREENING, EXEMPTED, classify
from tests.export_files import csv_dicts

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def step_url(system, key):
    return reverse("classification:wizard_step", args=[system.pk, key])


def answer_steps(client, system, given):
    """POST every relevant step's answers with Next, as a person without scripts would."""
    keys = ["scope", "prohibited", "annex_i", "annex_iii", "exemption", "transparency", "gpai"]
    response = None
    for key in keys:
        response = client.post(step_url(system, key), {**given, "action": "next"})
        assert response.status_code == 302, (key, response.content[:2000])
        if key == "annex_iii" and "exemption" not in response["Location"]:
            keys.remove("exemption")
    return response


# --- The questionnaire ----------------------------------------------------------------------------
def test_the_questionnaire_starts_at_its_first_step_from_the_systems_facts(
    client_for, contributor, system
):
    response = client_for("contributor").get(reverse("classification:wizard", args=[system.pk]))
    assert response["Location"] == step_url(system, "scope")
    draft = ClassificationDraft.objects.get(author=contributor)
    assert draft.answers == {"transparency_triggers": ["synthetic"], "general_purpose_model": "no"}


def test_a_contributor_answers_every_step_and_saves_the_result(client_for, system):
    client = client_for("contributor")
    last = answer_steps(client, system, CV_SCREENING)
    assert last["Location"] == step_url(system, "result")
    page = client.get(last["Location"])
    assertContains(page, "High-risk (Art. 6, Annex I or III)")
    assertContains(page, "Annex III(4)(a): Employment")
    assertContains(page, "profiles people")
    response = client.post(step_url(system, "result"), {"action": "save"})
    record = ClassificationRecord.objects.get()
    assert response["Location"] == record.get_absolute_url()
    assert (record.tier, record.annex_iii_point) == ("high_risk", "a")
    follow = client.get(response["Location"])
    assertContains(follow, f"{record.label} is saved")


def test_classifying_again_starts_from_the_latest_answers(client_for, system, high_risk_record):
    client_for("contributor").get(reverse("classification:wizard", args=[system.pk]))
    assert ClassificationDraft.objects.get().answers == high_risk_record.answers


def test_back_keeps_what_was_typed_and_a_reload_shows_it(client_for, contributor, system):
    draft = services.draft_for(system=system, by=contributor)
    draft.answers = {"infers_outputs": "yes", "operates_autonomously": "yes"}
    draft.save()
    client = client_for("contributor")
    response = client.post(step_url(system, "annex_iii"), {"annex_iii_use": "5b", "action": "back"})
    assert response["Location"] == step_url(system, "annex_i")
    again = client.get(step_url(system, "annex_iii"))
    assertContains(again, 'value="5b" checked', html=False)
    # Forward from the step before: the answer is still there, and Next keeps it.
    client.post(step_url(system, "annex_i"), {"annex_i_product": "no", "action": "next"})
    assertContains(client.get(step_url(system, "annex_iii")), 'value="5b" checked', html=False)


def test_next_refuses_missing_answers_with_an_error_tied_to_each_question(client_for, system):
    response = client_for("contributor").post(step_url(system, "scope"), {"action": "next"})
    assert response.status_code == 200
    assertContains(response, 'id="q-infers_outputs-error"')
    assertContains(response, 'aria-describedby="q-infers_outputs-help q-infers_outputs-error"')
    assertContains(response, "Answer yes or no.", count=2)


def test_none_of_these_goes_alone(client_for, contributor, system):
    draft = services.draft_for(system=system, by=contributor)
    draft.answers = {"infers_outputs": "yes", "operates_autonomously": "yes"}
    draft.save()
    response = client_for("contributor").post(
        step_url(system, "prohibited"), {"prohibited_practices": ["a", "none"], "action": "next"}
    )
    assertContains(response, "“None of these” goes alone")


def test_an_htmx_step_is_answered_in_place_and_its_address_pushed(client_for, system):
    response = client_for("contributor").post(
        step_url(system, "scope"),
        {"infers_outputs": "yes", "operates_autonomously": "yes", "action": "next"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == step_url(system, "prohibited")
    assertNotContains(response, "<html")
    assertContains(response, 'id="wizard"')
    assertContains(response, "Prohibited practices")


def test_saving_with_htmx_sends_the_browser_to_the_record(client_for, contributor, system):
    draft = services.draft_for(system=system, by=contributor)
    draft.answers = CV_SCREENING
    draft.save()
    response = client_for("contributor").post(
        step_url(system, "result"), {"action": "save"}, **HTMX
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == ClassificationRecord.objects.get().get_absolute_url()


def test_the_result_waits_for_every_step(client_for, system):
    response = client_for("contributor").get(step_url(system, "result"))
    assert response["Location"] == step_url(system, "scope")


def test_a_step_the_answers_make_irrelevant_sends_back(client_for, contributor, system):
    draft = services.draft_for(system=system, by=contributor)
    draft.answers = {"infers_outputs": "no", "operates_autonomously": "yes"}
    draft.save()
    response = client_for("contributor").get(step_url(system, "exemption"))
    assert response["Location"] == step_url(system, "scope")


def test_an_unknown_step_is_not_found(client_for, system):
    assert client_for("contributor").get(step_url(system, "nonsense")).status_code == 404


def test_throwing_the_draft_away_starts_again(client_for, contributor, system):
    services.draft_for(system=system, by=contributor)
    response = client_for("contributor").post(
        reverse("classification:discard_draft", args=[system.pk])
    )
    assert response.status_code == 302
    assert not ClassificationDraft.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("contributor", 200),
        ("administrator", 200),
        ("viewer", 403),
        ("auditor", 403),
        ("committee_member", 403),
        ("outsider", 404),
    ],
)
def test_who_may_answer_the_questionnaire(role, status, client_for, system):
    assert client_for(role).get(step_url(system, "scope")).status_code == status


def test_the_questionnaire_asks_an_anonymous_visitor_to_sign_in(client, system):
    response = client.get(step_url(system, "scope"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- The system's page ----------------------------------------------------------------------------
def test_the_system_page_offers_its_contributors_to_classify_it(client_for, system):
    response = client_for("contributor").get(system.get_absolute_url())
    assertContains(response, 'id="classify-button"')
    assertContains(response, "Not classified yet")


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member"])
def test_readers_see_the_classification_without_the_button(role, client_for, high_risk_record):
    response = client_for(role).get(high_risk_record.system.get_absolute_url())
    assertContains(response, high_risk_record.label)
    assertNotContains(response, 'id="classify-button"')


def test_the_system_page_shows_the_flag_when_its_facts_changed(
    client_for, administrator, system, high_risk_record
):
    system_services.update_system(system=system, by=administrator, data={"ai_kind": "agent"})
    response = client_for("viewer").get(system.get_absolute_url())
    assertContains(response, 'id="classification-to-confirm"')
    assertContains(response, "the kind of AI of Support chatbot changed")


# --- The record's page and its actions ------------------------------------------------------------
def test_the_record_page_shows_the_result_the_rationale_and_the_answers(
    client_for, high_risk_record
):
    response = client_for("viewer").get(high_risk_record.get_absolute_url())
    assertContains(response, "Annex III(4)(a)")
    assertContains(response, "It profiles people")
    assertContains(response, "Does it profile people")
    assertNotContains(response, 'id="apply-classification"')


def test_a_contributor_applies_a_classification_from_its_page(client_for, system, high_risk_record):
    client = client_for("contributor")
    page = client.get(high_risk_record.get_absolute_url())
    assertContains(page, 'id="apply-classification"')
    assertContains(page, 'Minimal risk</del> → <ins class="diff-new">High-risk', html=False)
    response = client.post(reverse("classification:apply", args=[high_risk_record.pk]))
    assert response["Location"] == high_risk_record.get_absolute_url()
    system.refresh_from_db()
    assert system.eu_ai_act_tier == "high_risk"
    assertContains(client.get(response["Location"]), "is applied")


def test_applying_twice_says_why_not(client_for, contributor, high_risk_record):
    services.apply_classification(record=high_risk_record, by=contributor)
    response = client_for("contributor").post(
        reverse("classification:apply", args=[high_risk_record.pk]), follow=True
    )
    assertContains(response, "already applied")


def test_a_claimed_exemption_is_sent_to_the_committee_from_its_page(
    client_for, committee_member, exempted_record
):
    client = client_for("contributor")
    page = client.get(exempted_record.get_absolute_url())
    assertContains(page, 'id="ask-confirmation"')
    assertNotContains(page, 'id="apply-classification"')
    url = reverse("classification:confirm", args=[exempted_record.pk])
    form = client.get(url)
    assertContains(form, committee_member.full_name or committee_member.email)
    response = client.post(url, {"reviewers": [committee_member.pk], "note": "Please confirm."})
    assert response["Location"] == exempted_record.get_absolute_url()
    review = Review.objects.get()
    exempted_record.refresh_from_db()
    assert exempted_record.status == RecordStatus.AWAITING_CONFIRMATION
    assert review.note == "Please confirm."


def test_sending_without_enough_reviewers_says_so_on_the_form(
    client_for, committee_member, exempted_record
):
    response = client_for("contributor").post(
        reverse("classification:confirm", args=[exempted_record.pk]), {}
    )
    assert response.status_code == 200
    assertContains(response, 'id="form-errors"')
    assertContains(response, "invalid-feedback", html=False)
    assert not Review.objects.exists()


def test_the_review_page_shows_the_classification_to_confirm(
    client_for, contributor, committee_member, exempted_record
):
    review = services.request_confirmation(
        record=exempted_record, by=contributor, reviewers=[committee_member]
    )
    response = client_for("committee_member").get(review.get_absolute_url())
    assertContains(response, f"Classification to confirm: {exempted_record.label}")
    assertContains(response, "a recruiter reads every application")


def test_the_comparison_shows_two_versions_side_by_side(client_for, contributor, system):
    first = classify(system, contributor, EXEMPTED)
    second = classify(system, contributor, CV_SCREENING)
    response = client_for("auditor").get(reverse("classification:compare", args=[second.pk]))
    assertContains(response, f"beside v{first.number}")
    assertContains(response, '<ins class="diff-new">High-risk', html=False)
    assertContains(response, '<del class="diff-old">Minimal risk', html=False)
    assertContains(response, '<del class="diff-old">No</del>', html=False)  # profiling


def test_the_comparison_offers_the_other_versions_with_their_date_and_tier(
    client_for, contributor, system
):
    first = classify(system, contributor, EXEMPTED)
    second = classify(system, contributor, CV_SCREENING)
    response = client_for("auditor").get(reverse("classification:compare", args=[second.pk]))
    made = timezone.localtime(first.created_at)
    label = f"Version {first.number} ({made:%-d %b %Y}, {first.get_tier_display()})"
    assertContains(response, f'<option value="{first.number}" selected>{label}</option>', html=True)


def test_comparing_with_a_version_that_does_not_exist_is_not_found(client_for, high_risk_record):
    url = reverse("classification:compare", args=[high_risk_record.pk]) + "?against=9"
    assert client_for("viewer").get(url).status_code == 404


# --- The list and its export ----------------------------------------------------------------------
def test_the_list_shows_only_the_teams_classifications(
    client_for, outsider, foreign_system, high_risk_record
):
    foreign = classify(foreign_system, outsider)
    response = client_for("viewer").get(reverse("classification:list"))
    assertContains(response, high_risk_record.label)
    assertNotContains(response, foreign.label)
    assertContains(client_for("auditor").get(reverse("classification:list")), foreign.label)


def test_the_list_filters_the_systems_whose_classification_is_to_confirm(
    client_for, administrator, contributor, system, high_risk_record, team
):
    from tests.factories import AISystemFactory

    calm = classify(AISystemFactory(team=team), contributor)
    system_services.update_system(system=system, by=administrator, data={"ai_kind": "agent"})
    response = client_for("viewer").get(reverse("classification:list") + "?to_confirm=true")
    assertContains(response, high_risk_record.label)
    assertNotContains(response, calm.label)


def test_the_export_has_the_rows_of_the_list(client_for, contributor, system, high_risk_record):
    classify(system, contributor)
    response = client_for("viewer").get(reverse("classification:export") + "?latest=true")
    rows = csv_dicts(b"".join(response.streaming_content))
    assert [(row["reference"], row["version"], row["tier"]) for row in rows] == [
        (ClassificationRecord.objects.get(number=2).reference, "2", "Minimal risk")
    ]


def test_the_systems_list_filters_and_marks_the_systems_to_confirm(
    client_for, administrator, team, system, high_risk_record
):
    from tests.factories import AISystemFactory

    calm = AISystemFactory(team=team, name="Calm forecaster")
    system_services.update_system(system=system, by=administrator, data={"ai_kind": "agent"})
    url = reverse("systems:list")
    everything = client_for("viewer").get(url)
    assertContains(everything, "Classification to confirm</a>", count=1, html=False)
    flagged = client_for("viewer").get(url + "?classification_to_confirm=true")
    assertContains(flagged, system.name)
    assertNotContains(flagged, calm.name)


def test_the_list_and_the_system_page_do_not_query_per_classification(
    client_for, contributor, team, system, django_assert_max_num_queries
):
    from tests.factories import AISystemFactory

    classify(system, contributor)
    client = client_for("contributor")
    client.get(reverse("classification:list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("classification:list"))
    with django_assert_max_num_queries(60) as page_few:
        client.get(system.get_absolute_url())
    for _ in range(4):
        classify(system, contributor, CV_SCREENING)
        classify(AISystemFactory(team=team), contributor)
    with django_assert_max_num_queries(20) as many:
        client.get(reverse("classification:list"))
    with django_assert_max_num_queries(60) as page_many:
        client.get(system.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(page_many.captured_queries) == len(page_few.captured_queries)
