"""The world of the permission matrix and of the accessibility checks: two teams, each with a
system and a record of every kind hanging off it, and each person's own tokens, notifications
and exports; signed-in clients for every role; and the request a matrix row describes.

Built once per test module (:func:`world`), inside a transaction rolled back at the end; each
test runs in a savepoint rolled back after it, so that a POST that archives, withdraws or
decides leaves the next test the same world.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.models import Membership, SignedInSession
from apps.accounts.services import create_token
from apps.concerns import services as concern_services
from apps.core import services as core_services
from apps.core.models import Evidence
from apps.evaluations import services as evaluation_services
from apps.exports.models import ExportStatus
from apps.reviews import services as review_services
from apps.risks.models import RiskTemplate
from apps.systems import services as system_services
from apps.systems import versions as system_versions
from tests.db import module_rows
from tests.factories import (
    AISystemFactory,
    BreachFactory,
    ExportJobFactory,
    IncidentFactory,
    MembershipFactory,
    MetricFactory,
    MitigationFactory,
    NotificationFactory,
    ObligationExceptionFactory,
    ObligationFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
    RiskFactory,
    TeamFactory,
    TestCaseFactory,
    TrainingCompletionFactory,
    UserFactory,
    current_requirement,
)
from tests.permission_matrix import Entry

# The records that belong to a team (or to a person): "@name" means the own or the other one.
SIDED = {
    "team",
    "system",
    "risk",
    "accepted_risk",
    "acceptance",
    "mitigation",
    "mitigation_evidence",
    "incident",
    "concern",
    "review",
    "version",
    "decision",
    "assignment",
    "checklist_item",
    "checklist_evidence",
    "owner_email",
    "token",
    "notification",
    "export_job",
    "metric",
    "breach",
    "test_case",
    "evaluation_run",
    "mitigation_evaluation",
    "system_version",
    "obligation",
    "obligation_evidence",
    "obligation_exception",
    "person",
    "training_completion",
    "fria",
    "fria_version",
    "classification",
    "technical_document",
    "document_version",
}
PERSONAL = {"token", "notification", "export_job", "session", "person", "training_completion"}


@dataclass(frozen=True)
class Case:
    """One visit: a URL (by name), a method, a role and whose record (``own``/``other``/``-``)."""

    key: str
    method: str
    role: str
    side: str  # "own", "other", "mixed", "archived" (see tests.permission_matrix) or "-"

    def __str__(self):
        whose = {
            "own": " (own team)",
            "other": " (other team)",
            "mixed": " (own team's record with the other team's)",
            "archived": " (own team's archived system)",
        }
        return f"{self.key} {self.method} as {self.role}{whose.get(self.side, '')}"


def is_sided(entry: Entry) -> bool:
    """Whether the URL takes a team's (or a person's) record: then it is tried with both."""
    values = [*entry.kwargs.values(), *entry.query.values(), *entry.data.values()]
    return any(isinstance(value, str) and value[1:] in SIDED for value in values)


def _upload(name="proof.txt"):
    return SimpleUploadedFile(name, b"Evaluation report: passed.\n", content_type="text/plain")


def _team_records(team, owner, submitter, committee_member, second_reviewer, *, name) -> dict:
    """One team's system with a record of every kind, as the team would have made them; every
    record's name starts with ``name``."""
    system = AISystemFactory(
        team=team, name=f"{name} assistant", business_owner=owner, technical_owner=owner
    )
    risk = RiskFactory(system=system, title=f"{name}: invented refund policy")
    accepted_risk = RiskFactory(system=system, title=f"{name}: slow answers at peak times")
    acceptance = RiskAcceptanceFactory(risk=accepted_risk, requested_by=owner)
    mitigation = MitigationFactory(system=system, owner=owner, title=f"{name}: grounded answers")
    mitigation.risks.add(risk)
    mitigation_evidence = core_services.add_evidence(
        record=mitigation, by=owner, kind=Evidence.Kind.FILE, file=_upload()
    )
    incident = IncidentFactory(
        system=system, title=f"{name}: a refund policy invented", materialised_risks=[risk]
    )
    # A concern raised by the team's owner, with an attachment (not anonymous, not triaged).
    concern = concern_services.raise_concern(
        system=system,
        by=owner,
        data={"summary": f"{name}: answers in the wrong language", "description": "Seen twice."},
        attachment=_upload(),
    )
    metric = MetricFactory(system=system, name=f"{name}: answer error rate", watched_risks=[risk])
    breach = BreachFactory(metric=metric)
    checklist_evidence = review_services.add_checklist_evidence(
        system=system, key="model_performance", by=owner, kind=Evidence.Kind.FILE, file=_upload()
    )
    # A pending review that needs two approvals: one given, the committee member's to come.
    review = ReviewFactory(
        system=system,
        submitted_by=submitter,
        required_approvals=2,
        reviewers=[committee_member, second_reviewer],
    )
    decision = review_services.decide_review(
        review=review, reviewer=second_reviewer, decision="approve", version=1
    )
    # A test case verifying the mitigation, a failing run that flagged it, a new model version.
    test_case = TestCaseFactory(
        risk=risk,
        key=f"{name.lower()}-probe",
        title=f"{name}: canary probe",
        mitigations=[mitigation],
    )
    report = {
        "suite": f"{name} red-team",
        "results": [{"test_case": test_case.key, "outcome": "failed"}],
    }
    evaluation_run = evaluation_services.ingest_run(
        system=system, by=owner, content=json.dumps(report).encode(), model_version=f"{name}-llm-1"
    )
    system_version = system_versions.record_version(
        system=system, by=owner, kind="model", value=f"{name}-llm-2", note=f"{name}: an upgrade"
    )
    # An obligation the mitigation and the risk address, with evidence and a pending exception.
    obligation = ObligationFactory(system=system, owner=owner)
    obligation.mitigations.add(mitigation)
    obligation.risks.add(risk)
    obligation_evidence = core_services.add_evidence(
        record=obligation, by=owner, kind=Evidence.Kind.FILE, file=_upload()
    )
    obligation_exception = ObligationExceptionFactory(obligation=obligation, requested_by=owner)
    fria_version = _fria_version(system, owner, committee_member)
    classification = _classification(system, owner)
    document_version = _document_version(system, owner)
    return {
        "classification": classification,
        "technical_document": document_version.document,
        "document_version": document_version,
        "fria": fria_version.assessment,
        "fria_version": fria_version,
        "obligation": obligation,
        "obligation_evidence": obligation_evidence,
        "obligation_exception": obligation_exception,
        "team": team,
        "system": system,
        "risk": risk,
        "accepted_risk": accepted_risk,
        "acceptance": acceptance,
        "mitigation": mitigation,
        "mitigation_evidence": mitigation_evidence,
        "incident": incident,
        "concern": concern,
        "metric": metric,
        "breach": breach,
        "review": review,
        "version": review.current_version,
        "decision": decision,
        "assignment": review.assignments.get(reviewer=committee_member),
        "checklist_item": checklist_evidence.content_object,
        "checklist_evidence": checklist_evidence,
        "owner_email": owner.email,
        "test_case": test_case,
        "evaluation_run": evaluation_run,
        "mitigation_evaluation": mitigation.evaluation,
        "system_version": system_version,
    }


def _fria_version(system, owner, committee_member):
    """The system's Art. 27 obligation (as the compliance rules write it for a public service's
    high-risk system), and its fundamental rights impact assessment, whose version 1 waits for
    the committee."""
    from apps.assessments import services as assessment_services
    from tests.assessments.factories import AssessmentFactory

    ObligationFactory(system=system, requirement=current_requirement("Art. 27"))
    assessment = AssessmentFactory(system=system, created_by=owner)
    return assessment_services.submit_assessment(
        assessment=assessment, by=owner, reviewers=[committee_member]
    )


def _classification(system, owner):
    """The system classified high-risk under Annex III 4(a) by its owner, not applied yet."""
    from tests.classification.factories import CV_SCREENING, classify

    return classify(system, owner, CV_SCREENING)


def _document_version(system, owner):
    """The system's Annex IV technical documentation, started and generated once (version 1)
    by its owner."""
    from apps.documentation import services as documentation_services

    document = documentation_services.start_document(system=system, by=owner)
    return documentation_services.generate_version(document=document, by=owner)


def _personal_records(user) -> dict:
    """A person's own API token, notification and finished export."""
    token, _ = create_token(user=user, name="matrix")
    notification = NotificationFactory(recipient=user)
    export_job = ExportJobFactory(
        user=user,
        status=ExportStatus.DONE,
        progress=100,
        finished_at=datetime.datetime.now(datetime.UTC),
    )
    export_job.file.save("register.xlsx", ContentFile(b"PK\x03\x04 an export"))
    session = SignedInSession.objects.create(
        user=user, session_key=f"matrix-{user.pk}", user_agent="Matrix browser"
    )
    return {
        "person": user,
        "training_completion": TrainingCompletionFactory(person=user, recorded_by=user),
        "token": token,
        "notification": notification,
        "export_job": export_job,
        "session": session,
    }


def _soa_records(submitter) -> dict:
    """The Statement of Applicability: every control answered, version 1 waiting for the
    committee (submitted by ``submitter``, so that the committee member may decide on it)."""
    from apps.compliance import soa
    from apps.compliance.models_soa import SoAEntry

    controls = list(soa.soa_controls(soa.soa_catalogue()))
    SoAEntry.objects.bulk_create(
        SoAEntry(requirement=control, applicability="applicable", justification="In scope.")
        for control in controls
    )
    version = soa.submit_soa(by=submitter, note="The permission matrix's")
    return {
        "soa_control": controls[0].pk,
        "soa_entry": SoAEntry.objects.get(requirement=controls[0]).pk,
        "soa_version": version.pk,
    }


def _delegation(holder, delegate):
    """The committee member holds a seat and has named a delegate for a later leave (not in
    force: the world's reviews are decided as if nobody were away)."""
    from apps.reviews.models import Seat, SeatHolding

    SeatHolding.objects.create(seat=Seat.objects.get(slug="legal-counsel"), holder=holder)
    starts = datetime.date.today() + datetime.timedelta(days=30)
    return review_services.create_delegation(
        by=holder, delegate=delegate, starts_on=starts, ends_on=starts, reason="Leave"
    )


# Every record of the other team (and the team itself) is named with this word: a page or an
# export that shows it to the own team's viewer or contributor leaks it. Its people are not:
# the people pickers (owners, reviewers) offer everyone in the organisation, on purpose.
OTHER_TEAM_MARK = "Zephyr"


class World:
    """Two teams: the viewer's and contributor's own, and another one (its contributor is the
    ``outsider``); a committee member assigned to both teams' reviews, an auditor and an
    administrator who belong to no team."""

    def __init__(self):
        own_team = TeamFactory(name="Customer Experience", slug="customer-experience")
        other_team = TeamFactory(name=f"{OTHER_TEAM_MARK} Lending", slug="zephyr-lending")
        contributor = MembershipFactory(team=own_team, user__full_name="Carla Contributor").user
        self.outsider = MembershipFactory(team=other_team, user__full_name="Olga Outsider").user
        self.users = {
            "contributor": contributor,
            "viewer": MembershipFactory(
                team=own_team, role=Membership.Role.VIEWER, user__full_name="Victor Viewer"
            ).user,
            "committee_member": UserFactory(is_committee_member=True, full_name="Cora Committee"),
            "auditor": UserFactory(is_auditor=True, full_name="Audrey Auditor"),
            "administrator": UserFactory(
                is_superuser=True, is_staff=True, full_name="Adam Administrator"
            ),
        }
        committee_member = self.users["committee_member"]
        second_reviewer = UserFactory(is_committee_member=True, full_name="Sean Second")
        self.records = {
            side: _team_records(
                team,
                owner,
                MembershipFactory(team=team, user__full_name=f"{submitter} Submitter").user,
                committee_member,
                second_reviewer,
                name=name,
            )
            for side, team, owner, name, submitter in [
                ("own", own_team, contributor, "Aria", "Sam"),
                ("other", other_team, self.outsider, OTHER_TEAM_MARK, "Otto"),
            ]
        }
        # The own team's retired system, archived with everything on it (a pending review too).
        self.records["archived"] = _team_records(
            own_team,
            contributor,
            MembershipFactory(team=own_team, user__full_name="Rita Retired").user,
            committee_member,
            second_reviewer,
            name="Retired",
        )
        system_services.archive_system(
            system=self.records["archived"]["system"], by=contributor, reason="Retired"
        )
        self.personal = {
            user.pk: _personal_records(user) for user in [*self.users.values(), self.outsider]
        }
        template = RiskTemplate.objects.filter(is_active=True).order_by("key").first()
        requirement = current_requirement("Art. 9")
        self.shared = {
            "template": template.key,
            "template_pk": template.pk,
            "in_60_days": (datetime.date.today() + datetime.timedelta(days=60)).isoformat(),
            "requirement": requirement.pk,
            "catalogue": requirement.catalogue_id,
        }
        self.shared.update(_soa_records(second_reviewer))
        self.shared["delegation"] = _delegation(committee_member, second_reviewer).pk
        self.sessions = {}
        for role, user in self.users.items():
            client = Client()
            client.force_login(user)
            self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # One client for every visit: a new one would load the middleware again, and WhiteNoise
        # reads every static file's headers then (a tenth of a second each time).
        self._client = Client()

    def client(self, role: str) -> Client:
        """The client, signed in as the role (its cookies are reset: a visit may sign out)."""
        self._client.cookies = SimpleCookie()
        if role in self.sessions:
            self._client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return self._client

    def value(self, value, case: Case):
        """A literal, or the record an ``@name`` stands for in this case (``@own:name`` and
        ``@other:name`` name one team's, whatever the case)."""
        if isinstance(value, list):
            return [self.value(item, case) for item in value]
        if not (isinstance(value, str) and value.startswith("@")):
            return value
        side, _, name = value[1:].rpartition(":")
        side = side or case.side
        if name in PERSONAL:
            # The requester's own, or someone else's (anonymous tries the contributor's).
            owner = self.users.get(case.role, self.users["contributor"])
            if side == "other":
                owner = self.outsider
            return self.personal[owner.pk][name].pk
        if name in SIDED:
            record = self.records[side if side in ("other", "archived") else "own"][name]
            return getattr(record, "pk", record)
        return self.shared[name]

    def path(self, entry: Entry, case: Case) -> str:
        def resolved(mapping):
            return {name: self.value(value, case) for name, value in mapping.items()}

        path = entry.path or reverse(case.key, kwargs=resolved(entry.kwargs))
        if entry.query:
            path += "?" + urlencode(resolved(entry.query))
        return path

    def request(self, entry: Entry, case: Case):
        """The request the row describes: a GET, or a write with the row's (minimal) body."""
        path = self.path(entry, case)
        client = self.client(case.role)
        data = {name: self.value(value, case) for name, value in entry.data.items()}
        if case.method == "GET":
            return client.get(path)
        if case.key.startswith("api"):
            body = json.dumps(data) if case.method != "DELETE" else ""
            return client.generic(case.method, path, body, content_type="application/json")
        return client.post(path, data)


RELAXED_RATES = {"user": "100000/minute", "anon": "100000/minute"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per module and rolled back when its tests are done.

    Files go to a temporary folder; the API's throttling is relaxed (a module makes thousands
    of requests a minute; tests/api/test_throttling.py checks the real limits); passwords are
    hashed fast and sign-ins not throttled, as in every test (tests/conftest.py).
    """
    overrides = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("matrix-media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        AXES_ENABLED=False,  # signing the roles in is not what is tested here
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RELAXED_RATES},
    )
    overrides.enable()
    # Thousands of refusals are expected here: Django's warning for each 4xx is noise (a 500 is
    # still logged, and fails its case anyway).
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with module_rows(django_db_blocker):
            yield World()
            transaction.set_rollback(True)
    finally:
        request_log.setLevel(level)
        overrides.disable()
