"""Long exports as jobs: the register as XLSX, its progress, its download and its expiry."""

import datetime
import io
import os
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.exports import jobs, writers
from apps.exports.jobs import delete_expired_exports, run_export
from apps.exports.models import ExportJob, ExportStatus
from tests.factories import AISystemFactory, ExportJobFactory, RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def risks(system, foreign_system):
    return {
        "low": RiskFactory(system=system, title="Tone drift", residual_likelihood=1),
        "high": RiskFactory(system=system, title='=HYPERLINK("http://evil")'),
        "theirs": RiskFactory(system=foreign_system, title="Biased scores"),
    }


@pytest.fixture
def start(eager_tasks, django_capture_on_commit_callbacks):
    """Start an export from the register's button; the task runs when the request commits."""

    def post(client, params=""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("exports:register"), {"params": params})
        return response, ExportJob.objects.latest("pk")

    return post


def workbook_rows(client, job):
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="risk-register-')
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True)["Risk register"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_register_exports_as_xlsx_with_only_the_risks_i_may_see(
    client_for, contributor, risks, start
):
    client = client_for(contributor)

    response, job = start(client)

    assert response.status_code == 302
    assert response.url == reverse("exports:detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == (ExportStatus.DONE, 100, 2)
    rows = workbook_rows(client, job)
    assert rows[0][:5] == ["reference", "system_reference", "system", "team", "title"]
    titles = {row[4] for row in rows[1:]}
    assert titles == {"Tone drift", '\'=HYPERLINK("http://evil")'}
    first = next(row for row in rows[1:] if row[4] == "Tone drift")
    assert first[0] == risks["low"].reference
    assert isinstance(first[9], int)  # numbers stay numbers
    assert isinstance(first[rows[0].index("treatment_due")], datetime.datetime)  # dates stay


def test_a_title_that_looks_like_a_formula_is_written_as_text(contributor, risks):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)
    job.refresh_from_db()

    with job.file.open("rb") as file:
        sheet = openpyxl.load_workbook(file)["Risk register"]
    cells = [row[4] for row in sheet.iter_rows(min_row=2)]
    formula = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert formula.data_type == "s"
    assert formula.value == '\'=HYPERLINK("http://evil")'  # neutralised as in every export


def test_the_export_keeps_the_registers_filters(client_for, contributor, risks, start):
    client = client_for(contributor)

    _, job = start(client, params="q=tone")

    assert [row[4] for row in workbook_rows(client, job)[1:]] == ["Tone drift"]


def test_progress_is_reported_after_every_chunk(contributor, team, monkeypatch):
    system = AISystemFactory(team=team)
    for n in range(5):
        RiskFactory(system=system, title=f"Risk {n}")
    monkeypatch.setattr(writers, "CHUNK_SIZE", 2)
    seen = []
    report = jobs.set_export_progress
    monkeypatch.setattr(
        jobs, "set_export_progress", lambda job, value: seen.append(value) or report(job, value)
    )
    job = ExportJobFactory(user=contributor)

    run_export(job.pk)

    job.refresh_from_db()
    assert seen == [40, 80]
    assert (job.progress, job.row_count) == (100, 5)


def test_running_a_finished_job_again_changes_nothing(contributor, risks):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)
    job.refresh_from_db()
    first_file = job.file.name

    run_export(job.pk)

    job.refresh_from_db()
    assert job.file.name == first_file


def test_a_job_interrupted_while_running_starts_again(contributor, risks):
    job = ExportJobFactory(user=contributor, status=ExportStatus.RUNNING, progress=40)

    run_export(job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == (ExportStatus.DONE, 100, 2)


def test_a_failed_export_says_so(contributor, risks, monkeypatch, client_for):
    def broken(job, output, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(writers.WRITERS, "register_xlsx", broken)
    job = ExportJobFactory(user=contributor)

    run_export(job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    response = client_for(contributor).get(reverse("exports:detail", args=[job.pk]))
    assertContains(response, "The export failed.")
    assertNotContains(response, "disk full")
    assertNotContains(response, "every 2s")


def test_a_deactivated_persons_export_contains_nothing(contributor, risks):
    job = ExportJobFactory(user=contributor)
    contributor.is_active = False
    contributor.save()

    run_export(job.pk)

    job.refresh_from_db()
    assert job.row_count == 0


# --- The status page ------------------------------------------------------------------------------
def test_the_status_page_polls_while_the_job_runs(client_for, contributor):
    job = ExportJobFactory(user=contributor, status=ExportStatus.RUNNING, progress=40)
    client = client_for(contributor)

    page = client.get(reverse("exports:detail", args=[job.pk]))
    fragment = client.get(reverse("exports:detail", args=[job.pk]), HTTP_HX_REQUEST="true")

    assertContains(page, 'hx-trigger="every 2s"')
    assertContains(page, 'aria-valuenow="40"')
    assertContains(fragment, 'hx-trigger="every 2s"')
    assertNotContains(fragment, "<html")
    assertNotContains(page, reverse("exports:download", args=[job.pk]))


def test_the_status_page_stops_polling_and_links_the_file_when_done(client_for, contributor, risks):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)

    fragment = client_for(contributor).get(
        reverse("exports:detail", args=[job.pk]), HTTP_HX_REQUEST="true"
    )

    assertNotContains(fragment, "hx-trigger")
    assertContains(fragment, reverse("exports:download", args=[job.pk]))


@pytest.mark.parametrize("url_name", ["exports:detail", "exports:download"])
def test_nobody_else_sees_or_downloads_my_export(url_name, client_for, contributor, risks):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)

    for role in ("viewer", "committee_member", "auditor", "administrator"):
        assert client_for(role).get(reverse(url_name, args=[job.pk])).status_code == 404
    assert client_for("anonymous").get(reverse(url_name, args=[job.pk])).status_code == 302


def test_my_exports_lists_only_mine(client_for, contributor, viewer):
    ExportJobFactory(user=contributor)
    ExportJobFactory(user=viewer)

    response = client_for(contributor).get(reverse("exports:list"))

    assert list(response.context["jobs"]) == list(ExportJob.objects.filter(user=contributor))


def test_starting_an_export_needs_a_post(client_for):
    response = client_for("contributor").get(reverse("exports:register"))
    assert response.status_code == 405


def test_three_running_exports_are_enough(client_for, contributor):
    ExportJobFactory.create_batch(3, user=contributor, status=ExportStatus.RUNNING)

    response = client_for(contributor).post(reverse("exports:register"), follow=True)

    assertContains(response, "You already have 3 exports running")
    assert ExportJob.objects.filter(user=contributor).count() == 3


def test_the_register_offers_the_xlsx_job_with_its_filters(client_for, risks):
    response = client_for("contributor").get(reverse("risks:list"), {"q": "tone"})

    assertContains(response, "Download XLSX (as a job)")
    assertContains(response, 'name="params" value="q=tone"')


# --- Expiry ---------------------------------------------------------------------------------------
def test_an_expired_export_is_gone(client_for, contributor, risks):
    job = ExportJobFactory(user=contributor)
    run_export(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())

    response = client_for(contributor).get(reverse("exports:download", args=[job.pk]))

    assert response.status_code == 410


def test_cleanup_deletes_expired_files_and_keeps_the_others(contributor, risks):
    old, fresh = ExportJobFactory(user=contributor), ExportJobFactory(user=contributor)
    run_export(old.pk)
    run_export(fresh.pk)
    old.refresh_from_db()
    path = old.file.path
    ExportJob.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert delete_expired_exports() == 1

    assert list(ExportJob.objects.all()) == [fresh]
    assert not os.path.exists(path)
    fresh.refresh_from_db()
    assert fresh.file.storage.exists(fresh.file.name)


# --- The safety plans of a team -------------------------------------------------------------------
def test_the_plans_of_a_team_export_as_one_pdf_per_active_system(
    client_for, contributor, team, eager_tasks, django_capture_on_commit_callbacks
):
    chatbot = AISystemFactory(team=team, name="Support chatbot")
    scoring = AISystemFactory(team=team, name="Lead scoring")
    AISystemFactory(team=team, name="Old system", archived_at=timezone.now())
    client = client_for(contributor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:team_plans"), {"team": team.pk})

    job = ExportJob.objects.get()
    assert response.url == reverse("exports:detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == (ExportStatus.DONE, 100, 2)
    download = client.get(reverse("exports:download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert [name.split("-safety-plan-")[0] for name in names] == [
        f"{chatbot.reference}-support-chatbot",
        f"{scoring.reference}-lead-scoring",
    ]
    assert all(archive.read(name).startswith(b"%PDF") for name in names)


def test_i_cannot_export_the_plans_of_a_team_i_cannot_see(client_for, contributor, other_team):
    AISystemFactory(team=other_team)

    response = client_for(contributor).post(
        reverse("exports:team_plans"), {"team": other_team.pk}, follow=True
    )

    assertContains(response, "Choose one of your teams.")
    assert not ExportJob.objects.exists()


def test_my_exports_offers_the_plans_of_my_teams_only(client_for, team, other_team):
    response = client_for("contributor").get(reverse("exports:list"))

    assert list(response.context["teams"]) == [team]
