"""The permission matrix: what every URL answers to every role, written down by hand.

``tests/test_permission_matrix.py`` walks the URL conf and visits every URL listed here with
every role, for a record of the role's own team and one of the other team, and compares the
status with the row below. A URL with no entry here fails that test: add its row when you add a
URL. The rows come from the role model of PRODUCT.md, not from ``apps.accounts.permissions``:

* contributors write their own team's records; viewers read them; committee members, auditors
  and administrators read every team's records; auditors never write; administrators write
  everything; committee members decide on safety plans and risk acceptances (four eyes);
* another team's record is a 404 (its existence is not revealed), a record one may read but not
  change is a 403, a method the URL does not answer is a 405, and a page asks an anonymous
  visitor to sign in (the API answers 401).

How to read a row: six cells separated by ``|``, one per role in the order of :data:`ROLES`.
A cell is one outcome, or ``own/other`` when the URL takes a team's record (the record of the
viewer's and contributor's team, then the other team's; for a person's own things — tokens,
notifications, exports — the requester's own, then someone else's). An outcome is a status code,
``login`` (a redirect to a sign-in page), ``302`` (a redirect anywhere else) or
``302>app:name`` (a redirect to that page).

An empty POST exercises a write's permission check: where the role may write, it typically
answers 200 (the form with its errors), 400, or a redirect with a message; where it may not, it
must be refused (403, 404, 405 or ``login``). A few writes take a minimal body (``data``) so that
the refusal is the permission check and not a missing field. Values starting with ``@`` name a
record of the test's world (``@system`` is the own or other team's system, per case;
``@own:system`` and ``@other:system`` one team's whatever the case).

Three tables: MATRIX (every URL, with the own and the other team's records), MIXED (URLs that
take two records, with one of each team: the classic way round a permission check) and ARCHIVED
(every write, with the own team's archived system).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("anonymous", "viewer", "contributor", "committee_member", "auditor", "administrator")

# --- Rows that many URLs share --------------------------------------------------------------------
# Cells: anonymous | viewer | contributor | committee member | auditor | administrator.
PUBLIC = "200 | 200 | 200 | 200 | 200 | 200"
SIGNED_IN = "login | 200 | 200 | 200 | 200 | 200"
NOT_ALLOWED = "login | 405 | 405 | 405 | 405 | 405"
NOBODY = "405 | 405 | 405 | 405 | 405 | 405"
TEAM_READ = "login | 200/404 | 200/404 | 200 | 200 | 200"
# A page with a form that only the team's writers use (GET: the form; empty POST: its errors).
TEAM_FORM = "login | 403/404 | 200/404 | 403 | 403 | 200"
# An action of the team's writers whose empty POST is a 400 (the form's errors).
TEAM_ACTION_400 = "login | 403/404 | 400/404 | 403 | 403 | 400"
# An action of the team's writers that redirects back to the record with a message.
TEAM_ACTION_302 = "login | 403/404 | 302/404 | 403 | 403 | 302"
# An action of the team's writers that checks the person before the method: a GET is refused
# as a write would be, and only a writer learns that the action takes a POST.
TEAM_NOT_ALLOWED = "login | 403/404 | 405/404 | 403 | 403 | 405"
# Audit-log links: readers are sent on to the page that shows the record.
TEAM_LINK = "login | 302/404 | 302/404 | 302 | 302 | 302"
# A person's own things (tokens, notifications, exports): theirs only, whatever their role.
MINE = "login | 200/404 | 200/404 | 200/404 | 200/404 | 200/404"
MINE_302 = "login | 302/404 | 302/404 | 302/404 | 302/404 | 302/404"
SIGNED_IN_302 = "login | 302 | 302 | 302 | 302 | 302"
NOT_FOUND = "404 | 404 | 404 | 404 | 404 | 404"

# The API: 401 without credentials; auditors are refused any write before anything else.
API_SIGNED_IN = "401 | 200 | 200 | 200 | 200 | 200"
API_TEAM_READ = "401 | 200/404 | 200/404 | 200 | 200 | 200"
API_NOT_ALLOWED = "401 | 405 | 405 | 405 | 405 | 405"
API_READ_ONLY = "401 | 405 | 405 | 405 | 403 | 405"  # a write to a read-only resource
API_TEAM_WRITE = "401 | 403/404 | 200/404 | 403 | 403 | 200"
# A create whose body names the own or other team's record: one the role cannot see is not a
# valid choice (400, nothing written); one it sees but may not write to is a 403.
API_TEAM_CREATE = "401 | 403/400 | 201/400 | 403 | 403 | 201"


@dataclass(frozen=True)
class Entry:
    """The expected outcomes of one URL, per method, and what to send."""

    expected: dict[str, str]
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    path: str = ""  # for an unnamed pattern: the address to visit


def page(*, GET: str, POST: str, **spec) -> Entry:
    return Entry(expected={"GET": GET, "POST": POST}, **spec)


def api(**spec) -> Entry:
    methods = {m: spec.pop(m) for m in ("GET", "POST", "PATCH", "DELETE") if m in spec}
    return Entry(expected=methods, **spec)


# Pages of the whole organisation (AI literacy, escalations): read by those who read every team.
GLOBAL_READ = "login | 403 | 403 | 200 | 200 | 200"
GLOBAL_READ_ONLY = "login | 403 | 403 | 405 | 405 | 405"
ADMIN_ONLY = "login | 403 | 403 | 403 | 403 | 200"

# The Statement of Applicability: the organisation's, read by those who read every team.
SOA_READ = "login | 403 | 403 | 200 | 200 | 200"
SOA_READ_ONLY = "login | 403 | 403 | 405 | 405 | 405"
SOA_FORM = "login | 403 | 403 | 200 | 403 | 200"  # kept by committee members and administrators
# Its API: read-only, by the same readers; auditors are refused a write before anything else.
SOA_API_READ = "401 | 403 | 403 | 200 | 200 | 200"
SOA_API_READ_ONLY = "401 | 403 | 403 | 405 | 403 | 405"
SOA_ENTRY = {"pk": "@soa_entry"}
SOA_VERSION = {"pk": "@soa_version"}
SYSTEM = {"pk": "@system"}
# An update says which version it read (else 428); an empty one changes nothing of anyone's.
VERSION_READ = {"version": 1}
RISK = {"pk": "@risk"}
MITIGATION = {"pk": "@mitigation"}
INCIDENT = {"pk": "@incident"}
REVIEW = {"pk": "@review"}
ACCEPTANCE = {"pk": "@acceptance"}
PLAN = {"system_pk": "@system"}
VERSION = {"system_pk": "@system", "number": 1}
CHECKLIST_ITEM = {"system_pk": "@system", "key": "model_performance"}
FRIA = {"pk": "@fria"}
FRIA_VERSION = {"pk": "@fria", "number": 1}
CLASSIFICATION = {"pk": "@classification"}
CLASSIFY = {"pk": "@system"}
TECHNICAL_DOCUMENT = {"pk": "@technical_document"}
DOCUMENT_VERSION = {"pk": "@technical_document", "number": 1}

RISK_BODY = {
    "system": "@system",
    "title": "A risk added by the permission matrix",
    "scenario": "Somebody tries to write where they may not.",
    "category": "model-error/hallucination",
    "owner": "@owner_email",
    "inherent_likelihood": 3,
    "inherent_impact": 3,
    "residual_likelihood": 2,
    "residual_impact": 3,
}
MITIGATION_BODY = {
    "system": "@system",
    "title": "A mitigation planned by the permission matrix",
    "kind": "architecture",
    "layer": "application",
    "owner": "@owner_email",
}
INCIDENT_BODY = {
    "system": "@system",
    "title": "An incident logged by the permission matrix",
    "description": "Somebody tried to write where they may not.",
    "severity": 3,
    "detected_at": "2025-01-06T10:00:00Z",
}
CONCERN = {"pk": "@concern"}
CONCERN_RAISE = "login | 200/404 | 200/404 | 200 | 403 | 200"
CONCERN_READ = "login | 404/404 | 200/404 | 200 | 200 | 200"
CONCERN_TRIAGE = "login | 404/404 | 200/404 | 403 | 403 | 200"
CONCERN_BODY = {
    "system": "@system",
    "summary": "A concern raised by the permission matrix",
    "description": "Somebody saw something.",
}
METRIC = {"pk": "@metric"}
METRIC_BODY = {
    "system": "@system",
    "name": "A metric declared by the permission matrix",
    "warning_threshold": 2,
    "rollback_threshold": 5,
}
TEST_CASE = {"pk": "@test_case"}
EVALUATION_RUN = {"pk": "@evaluation_run"}
SYSTEM_VERSION = {"pk": "@system_version"}
TEST_CASE_BODY = {
    "system": "@system",
    "risk": "@risk",
    "key": "probe-added-by-the-permission-matrix",
    "title": "A test case added by the permission matrix",
    "kind": "red_team",
    "input": "Somebody tries to write where they may not.",
    "pass_criterion": "They are refused.",
}
RUN_BODY = {
    "system": "@system",
    "model_version": "matrix-1",
    "results": [{"test_case": "probe-of-the-permission-matrix", "outcome": "passed"}],
}
SYSTEM_VERSION_BODY = {"system": "@system", "kind": "model", "version": "matrix-llm-3"}
ACCEPTANCE_BODY = {
    "risk": "@risk",
    "rationale": "Low and watched weekly.",
    "expires_on": "@in_60_days",
}

# Obligations (apps.compliance) are worked on by the system's contributors, committee members and
# administrators; viewers and auditors read them.
OBLIGATION = {"pk": "@obligation"}
OBLIGATION_EXCEPTION = {"pk": "@obligation_exception"}
OBLIGATION_FORM = "login | 403/404 | 200/404 | 200 | 403 | 200"
OBLIGATION_ACTION_400 = "login | 403/404 | 400/404 | 400 | 403 | 400"
OBLIGATION_ACTION_302 = "login | 403/404 | 302/404 | 302 | 403 | 302"

# Signing in (django-allauth's pages of apps.accounts.sso_urls).
MFA_NO_SIGN_IN = "login | " + " | ".join(["302>dashboard:home"] * 5)
REAUTHENTICATE = "login | " + " | ".join(["302>account_reauthenticate"] * 5)
NO_SECOND_FACTOR = "login | 404 | 404 | 404 | 404 | 404"
LOGIN_ALL = "login | login | login | login | login | login"
TO_FINISH_ACS = " | ".join(["302>saml_finish_acs"] * 6)

# --- The matrix -----------------------------------------------------------------------------------
MATRIX: dict[str, Entry] = {
    # Signing in and out, passwords (django.contrib.auth)
    "login": page(
        GET="200 | 302 | 302 | 302 | 302 | 302", POST="200 | 302 | 302 | 302 | 302 | 302"
    ),
    "logout": page(GET=NOBODY, POST="login | login | login | login | login | login"),
    "password_change": page(GET=SIGNED_IN, POST=SIGNED_IN),
    "password_change_done": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "password_reset": page(GET=PUBLIC, POST=PUBLIC),
    "password_reset_done": page(GET=PUBLIC, POST=NOBODY),
    "password_reset_confirm": page(
        GET=PUBLIC, POST=PUBLIC, kwargs={"uidb64": "MQ", "token": "no-such-token"}
    ),
    "password_reset_complete": page(GET=PUBLIC, POST=NOBODY),
    # My profile and API tokens
    "accounts:profile": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "accounts:token_create": page(GET=NOT_ALLOWED, POST=SIGNED_IN),
    "accounts:time_zone": page(GET=NOT_ALLOWED, POST=SIGNED_IN_302),
    "accounts:token_revoke": page(GET=NOT_ALLOWED, POST=MINE_302, kwargs={"pk": "@token"}),
    # Signing in: second factor, sessions, single sign-on (apps.accounts, django-allauth)
    "accounts:second_factor": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "accounts:sso_reauthenticate": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "accounts:sessions": page(GET=SIGNED_IN, POST=SIGNED_IN_302),
    "accounts:session_end": page(GET=NOT_ALLOWED, POST=MINE_302, kwargs={"pk": "@session"}),
    "account_login": page(
        GET="200 | 302 | 302 | 302 | 302 | 302", POST="200 | 302 | 302 | 302 | 302 | 302"
    ),
    "account_logout": page(GET=NOBODY, POST="login | login | login | login | login | login"),
    "account_reauthenticate": page(GET=SIGNED_IN, POST=SIGNED_IN),
    "account_inactive": page(GET=PUBLIC, POST=NOBODY),
    "mfa_index": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    # allauth's second-factor step at sign-in: nothing to do outside a sign-in in progress.
    "mfa_authenticate": page(GET=MFA_NO_SIGN_IN, POST=MFA_NO_SIGN_IN),
    # Adding or removing a second factor first asks for the password again ("confirm it's
    # you"); the world's people have no second factor to show or remove (404).
    "mfa_reauthenticate": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE),
    "mfa_activate_totp": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE),
    "mfa_deactivate_totp": page(GET=NO_SECOND_FACTOR, POST=NO_SECOND_FACTOR),
    "mfa_view_recovery_codes": page(GET=NO_SECOND_FACTOR, POST=NOT_ALLOWED),
    "mfa_generate_recovery_codes": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE),
    "mfa_download_recovery_codes": page(GET=NO_SECOND_FACTOR, POST=NO_SECOND_FACTOR),
    "mfa_list_webauthn": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "mfa_add_webauthn": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE),
    "mfa_reauthenticate_webauthn": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE),
    "mfa_remove_webauthn": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE, kwargs={"pk": 999999}),
    "mfa_edit_webauthn": page(GET=REAUTHENTICATE, POST=REAUTHENTICATE, kwargs={"pk": 999999}),
    "socialaccount_login_cancelled": page(GET=PUBLIC, POST=NOBODY),
    "socialaccount_login_error": page(GET="401 | 401 | 401 | 401 | 401 | 401", POST=NOBODY),
    # The sign-up form of a single sign-on whose provider gave no e-mail address: only during
    # such a sign-on; otherwise back to the sign-in page.
    "socialaccount_signup": page(GET=LOGIN_ALL, POST=LOGIN_ALL),
    "openid_connect_login": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"provider_id": "none"}),
    "openid_connect_callback": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"provider_id": "none"}),
    # The assertion consumer service hands over to its second step, which finds no provider.
    "saml_acs": page(GET=TO_FINISH_ACS, POST=TO_FINISH_ACS, kwargs={"organization_slug": "none"}),
    "saml_finish_acs": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"organization_slug": "none"}),
    "saml_sls": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"organization_slug": "none"}),
    "saml_metadata": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"organization_slug": "none"}),
    "saml_login": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"organization_slug": "none"}),
    # The AI system inventory
    "systems:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "systems:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "systems:create": page(
        GET="login | 403 | 200 | 403 | 403 | 200", POST="login | 403 | 200 | 403 | 403 | 200"
    ),
    "systems:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=SYSTEM),
    "systems:edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=SYSTEM),
    "systems:archive": page(GET=TEAM_FORM, POST=TEAM_ACTION_302, kwargs=SYSTEM),
    "systems:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=SYSTEM),
    # Material changes: the team records a new version; the committee (not owners) waives.
    "systems:record_version": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=SYSTEM),
    "systems:version_detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=SYSTEM_VERSION),
    "systems:waive_version": page(
        GET="login | 403/404 | 403/404 | 200 | 403 | 403",
        POST="login | 403/404 | 403/404 | 200 | 403 | 403",
        kwargs=SYSTEM_VERSION,
    ),
    # The risk register
    "risks:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "risks:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "risks:create": page(GET=TEAM_FORM, POST=TEAM_FORM, query={"system": "@system"}),
    "risks:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=RISK),
    "risks:edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=RISK),
    "risks:archive": page(GET=TEAM_FORM, POST=TEAM_ACTION_302, kwargs=RISK),
    "risks:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=RISK),
    "risks:request_acceptance": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=RISK),
    "risks:acceptance_list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "risks:acceptance_detail": page(
        GET=TEAM_READ,
        POST="login | 403/404 | 403/404 | 400 | 403 | 403",  # the committee decides
        kwargs=ACCEPTANCE,
    ),
    "risks:acceptance_withdraw": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=ACCEPTANCE),
    "risks:expire": page(GET=NOT_ALLOWED, POST="login | 403 | 403 | 302 | 403 | 302"),
    "risks:acceptance_history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=ACCEPTANCE),
    "risks:matrix": page(GET=SIGNED_IN, POST="login | 403 | 403 | 403 | 403 | 200"),
    "risks:import": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=PLAN),
    "risks:import_template": page(GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"fmt": "csv"}),
    # The risk library
    "library:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "library:template_detail": page(GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"key": "@template"}),
    "library:add": page(
        GET=NOT_ALLOWED,
        POST="login | 403/404 | 302/404 | 403 | 403 | 302",
        kwargs={"key": "@template"},
        data={"system": "@system"},
    ),
    "library:suggestions": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=PLAN),
    # Mitigations and their evidence
    "mitigations:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "mitigations:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    # Those who may plan no mitigation anywhere are refused before the system is looked up.
    "mitigations:create": page(
        GET="login | 403 | 200/404 | 403 | 403 | 200",
        POST="login | 403 | 200/404 | 403 | 403 | 200",
        query={"system": "@system"},
    ),
    "mitigations:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=MITIGATION),
    "mitigations:edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=MITIGATION),
    "mitigations:set_status": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=MITIGATION),
    "mitigations:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=MITIGATION),
    "mitigations:add_evidence": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=MITIGATION),
    "mitigations:remove_evidence": page(
        GET=TEAM_FORM,
        POST=TEAM_ACTION_302,
        kwargs={"pk": "@mitigation", "evidence_pk": "@mitigation_evidence"},
    ),
    "mitigations:evidence_download": page(
        GET=TEAM_READ,
        POST=NOT_ALLOWED,
        kwargs={"pk": "@mitigation", "evidence_pk": "@mitigation_evidence"},
    ),
    "mitigations:risk_panel": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs={"risk_pk": "@risk"}),
    "mitigations:risk_panel_add": page(
        GET=NOT_ALLOWED, POST=TEAM_FORM, kwargs={"risk_pk": "@risk"}
    ),
    "mitigations:risk_panel_link": page(
        GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs={"risk_pk": "@risk"}
    ),
    "mitigations:risk_panel_unlink": page(
        GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs={"risk_pk": "@risk", "pk": "@mitigation"}
    ),
    # Reviews of safety plans, the plan document and the deployment checklist
    "reviews:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "reviews:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "reviews:queue": page(
        GET="login | 403 | 403 | 200 | 403 | 403", POST="login | 403 | 403 | 405 | 403 | 403"
    ),
    "reviews:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=REVIEW),
    "reviews:decide": page(
        GET=NOT_ALLOWED,
        POST="login | 403/404 | 403/404 | 400 | 403 | 403",  # the assigned committee member
        kwargs=REVIEW,
    ),
    "reviews:resubmit": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=REVIEW),
    "reviews:withdraw": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=REVIEW),
    "reviews:assign": page(
        GET=NOT_ALLOWED,
        POST="login | 403/404 | 400/404 | 400 | 403 | 400",  # the team, committee, admins
        kwargs=REVIEW,
    ),
    "reviews:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=REVIEW),
    # Committee seats: a holder's delegates (the committee member has named one)
    "reviews:delegations": page(
        GET="login | 403 | 403 | 200 | 403 | 403", POST="login | 403 | 403 | 405 | 403 | 403"
    ),
    "reviews:delegation_create": page(
        GET="login | 403 | 403 | 200 | 403 | 403", POST="login | 403 | 403 | 200 | 403 | 403"
    ),
    "reviews:delegation_end": page(
        GET=NOT_ALLOWED,
        POST="login | 404 | 404 | 302 | 404 | 404",  # the holder's own only
        kwargs={"pk": "@delegation"},
    ),
    "reviews:plan": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=PLAN),
    "reviews:plan_pdf": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=PLAN),
    "reviews:submit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=PLAN),
    "reviews:version": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=VERSION),
    "reviews:version_pdf": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=VERSION),
    "reviews:compare": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=VERSION),
    "reviews:checklist": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=PLAN),
    "reviews:checklist_update": page(GET=NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=CHECKLIST_ITEM),
    "reviews:checklist_add_evidence": page(
        GET=NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=CHECKLIST_ITEM
    ),
    "reviews:checklist_remove_evidence": page(
        GET=NOT_ALLOWED,
        POST=TEAM_ACTION_302,
        kwargs={"item_pk": "@checklist_item", "evidence_pk": "@checklist_evidence"},
    ),
    "reviews:checklist_evidence_download": page(
        GET=TEAM_READ,
        POST=NOT_ALLOWED,
        kwargs={"item_pk": "@checklist_item", "evidence_pk": "@checklist_evidence"},
    ),
    "reviews:version_link": page(GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@version"}),
    "reviews:decision_link": page(GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@decision"}),
    "reviews:assignment_link": page(GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@assignment"}),
    "reviews:checklist_item_link": page(
        GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@checklist_item"}
    ),
    # Incidents
    "incidents:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "incidents:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "incidents:metrics": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "incidents:create": page(GET=TEAM_FORM, POST=TEAM_FORM, query={"system": "@system"}),
    "incidents:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=INCIDENT),
    "incidents:edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=INCIDENT),
    "incidents:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=INCIDENT),
    "incidents:record_phase": page(GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=INCIDENT),
    "incidents:link_risk": page(GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=INCIDENT),
    "incidents:raise_likelihood": page(
        GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs={"pk": "@incident", "risk_pk": "@risk"}
    ),
    "incidents:add_follow_up": page(GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=INCIDENT),
    # Concerns: anyone who sees the system raises one (never auditors); the raiser, the team's
    # contributors and global readers read it (the world's concern was raised by the own team's
    # contributor: its viewer does not see it); the team's contributors triage it.
    "concerns:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "concerns:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "concerns:create": page(GET=CONCERN_RAISE, POST=CONCERN_RAISE, query={"system": "@system"}),
    "concerns:detail": page(GET=CONCERN_READ, POST=NOT_ALLOWED, kwargs=CONCERN),
    "concerns:history": page(GET=CONCERN_READ, POST=NOT_ALLOWED, kwargs=CONCERN),
    "concerns:attachment": page(GET=CONCERN_READ, POST=NOT_ALLOWED, kwargs=CONCERN),
    "concerns:to_risk": page(GET=CONCERN_TRIAGE, POST=CONCERN_TRIAGE, kwargs=CONCERN),
    "concerns:to_incident": page(GET=CONCERN_TRIAGE, POST=CONCERN_TRIAGE, kwargs=CONCERN),
    "concerns:link": page(
        GET="login | 404/404 | 405/404 | 403 | 403 | 405",
        POST="login | 404/404 | 302/404 | 403 | 403 | 302",
        kwargs=CONCERN,
    ),
    "concerns:close": page(
        GET="login | 404/404 | 405/404 | 403 | 403 | 405",
        POST="login | 404/404 | 302/404 | 403 | 403 | 302",
        kwargs=CONCERN,
    ),
    # Monitored metrics, their readings and breaches
    "monitoring:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "monitoring:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "monitoring:create": page(GET=TEAM_FORM, POST=TEAM_FORM, query={"system": "@system"}),
    "monitoring:token_create": page(
        GET="login | 403 | 200 | 403 | 403 | 200", POST="login | 403 | 200 | 403 | 403 | 200"
    ),
    "monitoring:breach": page(GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@breach"}),
    "monitoring:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=METRIC),
    "monitoring:edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=METRIC),
    "monitoring:archive": page(GET=TEAM_FORM, POST=TEAM_ACTION_302, kwargs=METRIC),
    "monitoring:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=METRIC),
    "monitoring:upload": page(GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_400, kwargs=METRIC),
    # Evaluations: test cases, runs, the review of a flagged mitigation
    "evaluations:test_case_list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "evaluations:test_case_export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "evaluations:test_case_create": page(
        GET=TEAM_FORM, POST=TEAM_FORM, query={"system": "@system"}
    ),
    "evaluations:test_case_detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=TEST_CASE),
    "evaluations:test_case_edit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=TEST_CASE),
    "evaluations:test_case_archive": page(GET=TEAM_FORM, POST=TEAM_ACTION_302, kwargs=TEST_CASE),
    "evaluations:test_case_history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=TEST_CASE),
    "evaluations:run_list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "evaluations:run_export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "evaluations:run_upload": page(GET=TEAM_FORM, POST=TEAM_FORM, query={"system": "@system"}),
    "evaluations:run_detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=EVALUATION_RUN),
    "evaluations:mitigation_reviewed": page(
        GET=NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs={"pk": "@mitigation_evaluation"}
    ),
    "evaluations:mitigation_link": page(
        GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@mitigation_evaluation"}
    ),
    # Notifications and export jobs: a person's own
    "reminders:notifications": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "reminders:notification_read": page(
        GET=NOT_ALLOWED, POST=MINE_302, kwargs={"pk": "@notification"}
    ),
    "reminders:notifications_read_all": page(GET=NOT_ALLOWED, POST=SIGNED_IN_302),
    "reminders:digest_preference": page(GET=NOT_ALLOWED, POST=SIGNED_IN_302),
    # The items escalated to the committee: those who read every team
    "reminders:escalations": page(GET=GLOBAL_READ, POST=GLOBAL_READ_ONLY),
    "exports:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "exports:register": page(
        GET=NOT_ALLOWED,
        POST="login | 302>exports:detail | 302>exports:detail"
        " | 302>exports:detail | 302>exports:detail"
        " | 302>exports:detail",
    ),
    "exports:team_plans": page(
        GET=NOT_ALLOWED,
        # Plans of a team one reads; another team's is refused with a message on the list.
        POST="login | 302>exports:detail/302>exports:list"
        " | 302>exports:detail/302>exports:list"
        " | 302>exports:detail | 302>exports:detail"
        " | 302>exports:detail",
        data={"team": "@team"},
    ),
    "exports:detail": page(GET=MINE, POST=NOT_ALLOWED, kwargs={"pk": "@export_job"}),
    "exports:download": page(GET=MINE, POST=NOT_ALLOWED, kwargs={"pk": "@export_job"}),
    # Home, audit log, health check, the administration site's door
    "dashboard:home": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "core:audit_log": page(
        GET="login | 403 | 403 | 200 | 200 | 200", POST="login | 403 | 403 | 405 | 405 | 405"
    ),
    # The audit log's downloads: its readers only, like the page.
    "core:audit_log_export": page(
        GET="login | 403 | 403 | 200 | 200 | 200", POST="login | 403 | 403 | 405 | 405 | 405"
    ),
    "core:audit_log_export_json": page(
        GET="login | 403 | 403 | 200 | 200 | 200", POST="login | 403 | 403 | 405 | 405 | 405"
    ),
    # AI literacy: the organisation's gaps for global readers; a person's own trainings (anyone's
    # for global readers); a completion declared by oneself, recorded or imported by an
    # administrator; auditors write nothing.
    "literacy:overview": page(GET=GLOBAL_READ, POST=GLOBAL_READ_ONLY),
    "literacy:export": page(GET=GLOBAL_READ, POST=GLOBAL_READ_ONLY),
    "literacy:trainings": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "literacy:mine": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "literacy:person": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs={"pk": "@person"}),
    "literacy:completion": page(
        GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@training_completion"}
    ),
    "literacy:record": page(
        GET="login | 200 | 200 | 200 | 403 | 200", POST="login | 200 | 200 | 200 | 403 | 200"
    ),
    "literacy:import": page(GET=ADMIN_ONLY, POST="login | 403 | 403 | 403 | 403 | 400"),
    "literacy:import_template": page(GET=ADMIN_ONLY, POST="login | 403 | 403 | 403 | 403 | 405"),
    "core:healthz": page(GET=PUBLIC, POST=NOBODY),
    # Readiness: the database and Redis answer (tests/core/test_health.py takes them away).
    "core:readiness": page(GET=PUBLIC, POST=NOBODY),
    # Prometheus metrics: staff signed in (or a METRICS_TOKEN bearer, tests/core/test_metrics.py).
    "core:metrics": page(GET="401 | 403 | 403 | 403 | 403 | 200", POST=NOBODY),
    # The development outbox exists only with DEBUG on (tests/core/test_dev_outbox.py).
    "core:dev_outbox": page(GET=NOT_FOUND, POST=NOT_FOUND),
    "core:dev_outbox_message": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"name": "x.eml"}),
    "core:dev_outbox_html": page(GET=NOT_FOUND, POST=NOT_FOUND, kwargs={"name": "x.eml"}),
    "admin:index": page(
        GET="login | login | login | login | login | 200",
        POST="login | login | login | login | login | 200",
    ),
    # Compliance: obligations, their evidence, links and exceptions; the catalogues (read-only)
    "compliance:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "compliance:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "compliance:obligation_detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=OBLIGATION),
    "compliance:obligation_edit": page(
        GET=OBLIGATION_FORM, POST=OBLIGATION_FORM, kwargs=OBLIGATION
    ),
    "compliance:obligation_history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=OBLIGATION),
    "compliance:add_evidence": page(GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_400, kwargs=OBLIGATION),
    "compliance:remove_evidence": page(
        GET=OBLIGATION_FORM,
        POST=OBLIGATION_ACTION_302,
        kwargs={"pk": "@obligation", "evidence_pk": "@obligation_evidence"},
    ),
    "compliance:evidence_download": page(
        GET=TEAM_READ,
        POST=NOT_ALLOWED,
        kwargs={"pk": "@obligation", "evidence_pk": "@obligation_evidence"},
    ),
    "compliance:link_mitigation": page(
        GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_302, kwargs=OBLIGATION
    ),
    "compliance:unlink_mitigation": page(
        GET=NOT_ALLOWED,
        POST=OBLIGATION_ACTION_302,
        kwargs={"pk": "@obligation", "mitigation_pk": "@mitigation"},
    ),
    "compliance:link_risk": page(GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_302, kwargs=OBLIGATION),
    "compliance:unlink_risk": page(
        GET=NOT_ALLOWED,
        POST=OBLIGATION_ACTION_302,
        kwargs={"pk": "@obligation", "risk_pk": "@risk"},
    ),
    "compliance:request_exception": page(
        GET=OBLIGATION_FORM, POST=OBLIGATION_FORM, kwargs=OBLIGATION
    ),
    "compliance:system": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs={"system_pk": "@system"}),
    "compliance:bulk_status": page(
        GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_400, kwargs={"system_pk": "@system"}
    ),
    "compliance:exception_list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "compliance:exception_detail": page(
        GET=TEAM_READ,
        POST="login | 403/404 | 403/404 | 400 | 403 | 403",  # the committee decides
        kwargs=OBLIGATION_EXCEPTION,
    ),
    "compliance:exception_withdraw": page(
        GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_302, kwargs=OBLIGATION_EXCEPTION
    ),
    "compliance:exception_history": page(
        GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=OBLIGATION_EXCEPTION
    ),
    "compliance:mitigation_link": page(
        GET=NOT_ALLOWED, POST=OBLIGATION_ACTION_302, kwargs=MITIGATION
    ),
    "compliance:mitigation_unlink": page(
        GET=NOT_ALLOWED,
        POST=OBLIGATION_ACTION_302,
        kwargs={"pk": "@mitigation", "obligation_pk": "@obligation"},
    ),
    "compliance:catalogue_list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "compliance:catalogue_detail": page(
        GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"pk": "@catalogue"}
    ),
    "compliance:catalogue_history": page(
        GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"pk": "@catalogue"}
    ),
    "compliance:requirement_detail": page(
        GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"pk": "@requirement"}
    ),
    "compliance:requirement_history": page(
        GET=SIGNED_IN, POST=NOT_ALLOWED, kwargs={"pk": "@requirement"}
    ),
    # Compliance for the organisation: the dashboard (everyone, scoped), the Statement of
    # Applicability (read by global readers, kept by the committee and administrators).
    "compliance_org:dashboard": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "compliance_org:dashboard_export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    **{
        name: page(GET=SOA_READ, POST=SOA_READ_ONLY)
        for name in ("compliance_org:soa", "compliance_org:soa_xlsx", "compliance_org:soa_pdf")
    },
    "compliance_org:soa_history": page(GET=SOA_READ, POST=SOA_READ_ONLY),
    "compliance_org:soa_submit": page(GET=SOA_FORM, POST=SOA_FORM),  # v1 waits: the errors
    "compliance_org:soa_control": page(GET=SOA_FORM, POST=SOA_FORM, kwargs={"pk": "@soa_control"}),
    "compliance_org:soa_entry_link": page(
        GET="login | 403 | 403 | 302 | 302 | 302", POST=SOA_READ_ONLY, kwargs={"pk": "@soa_entry"}
    ),
    **{
        name: page(GET=SOA_READ, POST=SOA_READ_ONLY, kwargs=SOA_VERSION)
        for name in (
            "compliance_org:soa_version",
            "compliance_org:soa_version_xlsx",
            "compliance_org:soa_version_pdf",
        )
    },
    # Decided by a committee member who did not submit it; withdrawn by its submitter (here the
    # second reviewer) or an administrator.
    "compliance_org:soa_decide": page(
        GET="login | 403 | 403 | 200 | 403 | 403",
        POST="login | 403 | 403 | 200 | 403 | 403",
        kwargs=SOA_VERSION,
    ),
    "compliance_org:soa_withdraw": page(
        GET="login | 403 | 403 | 403 | 403 | 405",
        POST="login | 403 | 403 | 403 | 403 | 302>compliance_org:soa",
        kwargs=SOA_VERSION,
    ),
    # Fundamental rights impact assessments (Art. 27): the team writes and submits the draft;
    # whoever reads the system reads it, its versions and their PDFs. The world's systems have
    # theirs already (starting another is refused), version 1 waiting for the committee.
    "assessments:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "assessments:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "assessments:start": page(
        GET="login | 403/404 | 403/404 | 403 | 403 | 403",
        POST="login | 403/404 | 403/404 | 403 | 403 | 403",
        kwargs={"system_pk": "@system"},
    ),
    "assessments:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=FRIA),
    "assessments:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=FRIA),
    # An empty draft is a valid one: saving it redirects to the assessment.
    "assessments:edit": page(GET=TEAM_FORM, POST=TEAM_ACTION_302, kwargs=FRIA),
    "assessments:add_risk": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=FRIA),
    # Refused while version 1 is with the committee: the form again, with the reason.
    "assessments:submit": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=FRIA),
    **{
        name: page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=FRIA_VERSION)
        for name in ("assessments:version", "assessments:version_pdf", "assessments:compare")
    },
    "assessments:version_link": page(
        GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@fria_version"}
    ),
    # EU AI Act classification: the system's contributors answer the questionnaire, apply a
    # classification and ask the committee to confirm one; whoever reads the system reads them.
    # The world's classification is high-risk (Annex III 4(a)) and not applied yet.
    "classification:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "classification:export": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "classification:detail": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=CLASSIFICATION),
    "classification:history": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=CLASSIFICATION),
    "classification:compare": page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=CLASSIFICATION),
    "classification:apply": page(GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=CLASSIFICATION),
    # It needs no confirmation: the page says so, and an empty POST is refused on the form.
    "classification:confirm": page(GET=TEAM_FORM, POST=TEAM_FORM, kwargs=CLASSIFICATION),
    # The questionnaire: where the person left off (a redirect), then one step at a time.
    "classification:wizard": page(
        GET="login | 403/404 | 302/404 | 403 | 403 | 302", POST=NOT_ALLOWED, kwargs=CLASSIFY
    ),
    "classification:wizard_step": page(
        GET=TEAM_FORM, POST=TEAM_FORM, kwargs={**CLASSIFY, "step": "scope"}
    ),
    "classification:discard_draft": page(
        GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=CLASSIFY
    ),
    # Annex IV technical documentation: whoever reads the system reads its document, versions,
    # files and Annex VIII sheet; its contributors write the texts and generate versions. The
    # world's systems have theirs (version 1): starting one leads to it, and generating again
    # with nothing changed is refused with a message.
    "documentation:list": page(GET=SIGNED_IN, POST=NOT_ALLOWED),
    "documentation:create": page(
        GET="login | 302/404 | 302/404 | 302 | 302 | 302",
        POST="login | 302/404 | 302/404 | 302 | 302 | 302",
        query={"system": "@system"},
    ),
    **{
        name: page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=TECHNICAL_DOCUMENT)
        for name in (
            "documentation:detail",
            "documentation:history",
            "documentation:registration_sheet",
        )
    },
    "documentation:edit": page(
        GET=TEAM_FORM, POST=TEAM_FORM, kwargs={**TECHNICAL_DOCUMENT, "group": "general"}
    ),
    "documentation:generate": page(
        GET=TEAM_NOT_ALLOWED, POST=TEAM_ACTION_302, kwargs=TECHNICAL_DOCUMENT
    ),
    **{
        name: page(GET=TEAM_READ, POST=NOT_ALLOWED, kwargs=DOCUMENT_VERSION)
        for name in (
            "documentation:version",
            "documentation:version_pdf",
            "documentation:version_docx",
            "documentation:compare",
        )
    },
    "documentation:version_link": page(
        GET=TEAM_LINK, POST=NOT_ALLOWED, kwargs={"pk": "@document_version"}
    ),
    # --- The REST API -----------------------------------------------------------------------------
    "api:root": api(GET=API_SIGNED_IN, POST=API_NOT_ALLOWED),
    # The schema and its documentation are public on purpose: they describe, never show, data.
    "api:schema": api(GET=PUBLIC, POST=NOBODY),
    "api:docs": api(GET=PUBLIC, POST=NOBODY),
    **{
        f"api:export-{register}-{file_format}": api(GET=API_SIGNED_IN, POST=API_NOT_ALLOWED)
        for register in (
            "systems",
            "risks",
            "mitigations",
            "incidents",
            "concerns",
            "metrics",
            "test-cases",
            "evaluation-runs",
            "obligations",
            "fundamental-rights-assessments",
            "classifications",
        )
        for file_format in ("csv", "json", "xlsx")
    },
    **{
        f"api:export-audit-log-{file_format}": api(
            GET="401 | 403 | 403 | 200 | 200 | 200", POST="401 | 403 | 403 | 405 | 405 | 405"
        )
        for file_format in ("csv", "json")
    },
    "api:team-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:team-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs={"pk": "@team"}
    ),
    "api:team-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs={"pk": "@team"}),
    "api:token-list": api(
        GET=API_SIGNED_IN,
        POST="401 | 201 | 201 | 201 | 201 | 201",  # one's own tokens, auditors' too
        data={"name": "made by the permission matrix"},
    ),
    "api:token-detail": api(
        GET="401 | 200/404 | 200/404 | 200/404 | 200/404 | 200/404",
        PATCH=API_NOT_ALLOWED,
        DELETE="401 | 204/404 | 204/404 | 204/404 | 204/404 | 204/404",
        kwargs={"pk": "@token"},
    ),
    "api:system-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:system-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=SYSTEM
    ),
    "api:system-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=SYSTEM),
    # The deployment gate: every reader asks it; the world's systems have no approved plan (409).
    "api:system-gate": api(
        GET="401 | 409/404 | 409/404 | 409 | 409 | 409",
        POST=API_READ_ONLY,
        kwargs=SYSTEM,
        query={"version": "matrix-llm-1"},
    ),
    "api:system-version-list": api(
        GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=SYSTEM_VERSION_BODY
    ),
    "api:system-version-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=SYSTEM_VERSION
    ),
    "api:system-version-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=SYSTEM_VERSION),
    # A waiver: committee members who do not own the system (an empty one is a 400).
    "api:system-version-waive": api(
        GET=API_NOT_ALLOWED,
        POST="401 | 403/404 | 403/404 | 400 | 403 | 403",
        kwargs=SYSTEM_VERSION,
    ),
    "api:risk-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=RISK_BODY),
    "api:risk-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_TEAM_WRITE,
        DELETE=API_READ_ONLY,
        kwargs=RISK,
        data=VERSION_READ,
    ),
    "api:risk-archive": api(GET=API_NOT_ALLOWED, POST=API_TEAM_WRITE, kwargs=RISK),
    # Restoring a live risk is a conflict, once the permission check has passed.
    "api:risk-restore": api(
        GET=API_NOT_ALLOWED, POST="401 | 403/404 | 409/404 | 403 | 403 | 409", kwargs=RISK
    ),
    "api:risk-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=RISK),
    "api:risk-template-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:risk-template-detail": api(
        GET=API_SIGNED_IN,
        PATCH=API_READ_ONLY,
        DELETE=API_READ_ONLY,
        kwargs={"pk": "@template_pk"},
    ),
    "api:risk-template-history": api(
        GET=API_SIGNED_IN, POST=API_READ_ONLY, kwargs={"pk": "@template_pk"}
    ),
    "api:acceptance-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=ACCEPTANCE_BODY),
    "api:acceptance-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=ACCEPTANCE
    ),
    "api:acceptance-decide": api(
        GET=API_NOT_ALLOWED,
        POST="401 | 403/404 | 403/404 | 200 | 403 | 403",
        kwargs=ACCEPTANCE,
        data={"decision": "approve"},
    ),
    "api:acceptance-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=ACCEPTANCE),
    "api:acceptance-withdraw": api(GET=API_NOT_ALLOWED, POST=API_TEAM_WRITE, kwargs=ACCEPTANCE),
    "api:mitigation-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=MITIGATION_BODY),
    "api:mitigation-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_TEAM_WRITE,
        DELETE=API_READ_ONLY,
        kwargs=MITIGATION,
        data=VERSION_READ,
    ),
    "api:mitigation-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=MITIGATION),
    "api:incident-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=INCIDENT_BODY),
    "api:incident-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_TEAM_WRITE,
        DELETE=API_READ_ONLY,
        kwargs=INCIDENT,
        data=VERSION_READ,
    ),
    "api:incident-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=INCIDENT),
    "api:concern-list": api(
        GET=API_SIGNED_IN, POST="401 | 201/400 | 201/400 | 201 | 403 | 201", data=CONCERN_BODY
    ),
    "api:concern-detail": api(
        GET="401 | 404/404 | 200/404 | 200 | 200 | 200",
        PATCH=API_READ_ONLY,
        DELETE=API_READ_ONLY,
        kwargs=CONCERN,
    ),
    "api:concern-history": api(
        GET="401 | 404/404 | 200/404 | 200 | 200 | 200", POST=API_READ_ONLY, kwargs=CONCERN
    ),
    # A triage says which version it read; an empty answer or no record is a 400.
    "api:concern-close": api(
        GET=API_NOT_ALLOWED,
        POST="401 | 404/404 | 400/404 | 403 | 403 | 400",
        kwargs=CONCERN,
        data=VERSION_READ,
    ),
    "api:concern-link": api(
        GET=API_NOT_ALLOWED,
        POST="401 | 404/404 | 400/404 | 403 | 403 | 400",
        kwargs=CONCERN,
        data=VERSION_READ,
    ),
    "api:metric-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=METRIC_BODY),
    "api:metric-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_TEAM_WRITE,
        DELETE=API_READ_ONLY,
        kwargs=METRIC,
        data=VERSION_READ,
    ),
    "api:metric-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=METRIC),
    "api:breach-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:breach-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs={"pk": "@breach"}
    ),
    "api:breach-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs={"pk": "@breach"}),
    # The readings intake takes a batch (tests/monitoring: by team, by token scope); an empty
    # one is a 400 for whoever may write.
    "api:reading-list": api(GET=API_NOT_ALLOWED, POST="401 | 400 | 400 | 400 | 403 | 400"),
    "api:test-case-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=TEST_CASE_BODY),
    "api:test-case-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_TEAM_WRITE,
        DELETE=API_READ_ONLY,
        kwargs=TEST_CASE,
        data=VERSION_READ,
    ),
    "api:test-case-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=TEST_CASE),
    "api:evaluation-run-list": api(GET=API_SIGNED_IN, POST=API_TEAM_CREATE, data=RUN_BODY),
    "api:evaluation-run-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=EVALUATION_RUN
    ),
    "api:evaluation-run-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=EVALUATION_RUN),
    "api:evaluation-run-results": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=EVALUATION_RUN),
    "api:review-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:review-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=REVIEW
    ),
    "api:review-decide": api(
        GET=API_NOT_ALLOWED,
        POST="401 | 403/404 | 403/404 | 201 | 403 | 403",
        kwargs=REVIEW,
        data={"decision": "approve", "version": 1},
    ),
    "api:review-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=REVIEW),
    "api:review-versions": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=REVIEW),
    "api:requirement-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:requirement-detail": api(
        GET=API_SIGNED_IN,
        PATCH=API_READ_ONLY,
        DELETE=API_READ_ONLY,
        kwargs={"pk": "@requirement"},
    ),
    "api:requirement-history": api(
        GET=API_SIGNED_IN, POST=API_READ_ONLY, kwargs={"pk": "@requirement"}
    ),
    # Obligations are derived, never created; the team, the committee and administrators work
    # on them.
    "api:obligation-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:obligation-detail": api(
        GET=API_TEAM_READ,
        PATCH="401 | 403/404 | 200/404 | 200 | 403 | 200",
        DELETE=API_READ_ONLY,
        kwargs=OBLIGATION,
        data=VERSION_READ,
    ),
    "api:obligation-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=OBLIGATION),
    # The Statement of Applicability: its versions (with their frozen controls) and its draft,
    # read-only, by those who read its pages.
    **{
        f"api:soa-{name}-list": api(GET=SOA_API_READ, POST=SOA_API_READ_ONLY)
        for name in ("version", "entry")
    },
    "api:soa-version-detail": api(
        GET=SOA_API_READ, PATCH=SOA_API_READ_ONLY, DELETE=SOA_API_READ_ONLY, kwargs=SOA_VERSION
    ),
    **{
        f"api:soa-version-{name}": api(GET=SOA_API_READ, POST=SOA_API_READ_ONLY, kwargs=SOA_VERSION)
        for name in ("entries", "history")
    },
    "api:soa-entry-detail": api(
        GET=SOA_API_READ, PATCH=SOA_API_READ_ONLY, DELETE=SOA_API_READ_ONLY, kwargs=SOA_ENTRY
    ),
    "api:soa-entry-history": api(GET=SOA_API_READ, POST=SOA_API_READ_ONLY, kwargs=SOA_ENTRY),
    # Training completions: read-only; everyone's for global readers, one's own for the others.
    "api:training-completion-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:training-completion-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_READ_ONLY,
        DELETE=API_READ_ONLY,
        kwargs={"pk": "@training_completion"},
    ),
    "api:training-completion-history": api(
        GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs={"pk": "@training_completion"}
    ),
    # Fundamental rights impact assessments: read-only, with their versions and PDFs.
    "api:fundamental-rights-assessment-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:fundamental-rights-assessment-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=FRIA
    ),
    **{
        f"api:fundamental-rights-assessment-{name}": api(
            GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=FRIA
        )
        for name in ("history", "versions")
    },
    "api:fundamental-rights-assessment-version-pdf": api(
        GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=FRIA_VERSION
    ),
    # EU AI Act classifications: read-only, with their history.
    "api:classification-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:classification-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=CLASSIFICATION
    ),
    "api:classification-history": api(GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=CLASSIFICATION),
    # Technical documentation: read-only documents and versions, with history and files.
    "api:technical-document-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:technical-document-detail": api(
        GET=API_TEAM_READ, PATCH=API_READ_ONLY, DELETE=API_READ_ONLY, kwargs=TECHNICAL_DOCUMENT
    ),
    "api:technical-document-history": api(
        GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs=TECHNICAL_DOCUMENT
    ),
    "api:technical-document-version-list": api(GET=API_SIGNED_IN, POST=API_READ_ONLY),
    "api:technical-document-version-detail": api(
        GET=API_TEAM_READ,
        PATCH=API_READ_ONLY,
        DELETE=API_READ_ONLY,
        kwargs={"pk": "@document_version"},
    ),
    **{
        f"api:technical-document-version-{name}": api(
            GET=API_TEAM_READ, POST=API_READ_ONLY, kwargs={"pk": "@document_version"}
        )
        for name in ("history", "pdf", "docx")
    },
    "api:audit-event-list": api(
        GET="401 | 403 | 403 | 200 | 200 | 200", POST="401 | 403 | 403 | 405 | 405 | 405"
    ),
    # Anything else under /api/v1/ is a JSON 404, whoever asks.
    "api/v1/^.*$": api(
        GET="404 | 404 | 404 | 404 | 404 | 404",
        POST="404 | 404 | 404 | 404 | 404 | 404",
        path="/api/v1/no-such-resource/",
    ),
}


# --- One team's record reached through another team's ------------------------------------------
# URLs that take two records, tried with the own team's first record and the other team's second
# (or a body that names the other team's record): never found, never linked, whoever asks. A
# reader who may not write to the first record is refused before the second is looked up.
MIXED: dict[str, Entry] = {
    "mitigations:remove_evidence": page(
        GET="login | 403 | 404 | 403 | 403 | 404",
        POST="login | 403 | 404 | 403 | 403 | 404",
        kwargs={"pk": "@own:mitigation", "evidence_pk": "@other:mitigation_evidence"},
    ),
    "mitigations:evidence_download": page(
        GET="login | 404 | 404 | 404 | 404 | 404",
        POST=NOT_ALLOWED,
        kwargs={"pk": "@own:mitigation", "evidence_pk": "@other:mitigation_evidence"},
    ),
    "mitigations:risk_panel_unlink": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 404 | 403 | 403 | 404",
        kwargs={"risk_pk": "@own:risk", "pk": "@other:mitigation"},
    ),
    "incidents:raise_likelihood": page(
        GET=TEAM_NOT_ALLOWED,
        POST="login | 403 | 404 | 403 | 403 | 404",
        kwargs={"pk": "@own:incident", "risk_pk": "@other:risk"},
    ),
    "incidents:link_risk": page(
        GET=TEAM_NOT_ALLOWED,
        POST="login | 403 | 400 | 403 | 403 | 400",  # not one of the system's risks
        kwargs={"pk": "@own:incident"},
        data={"risk": "@other:risk"},
    ),
    "reviews:checklist_remove_evidence": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 404 | 403 | 403 | 404",
        kwargs={"item_pk": "@own:checklist_item", "evidence_pk": "@other:checklist_evidence"},
    ),
    "reviews:checklist_evidence_download": page(
        GET="login | 404 | 404 | 404 | 404 | 404",
        POST=NOT_ALLOWED,
        kwargs={"item_pk": "@own:checklist_item", "evidence_pk": "@other:checklist_evidence"},
    ),
    # An obligation of the own system reached with the other team's evidence, mitigation, risk.
    "compliance:remove_evidence": page(
        GET="login | 403 | 404 | 404 | 403 | 404",
        POST="login | 403 | 404 | 404 | 403 | 404",
        kwargs={"pk": "@own:obligation", "evidence_pk": "@other:obligation_evidence"},
    ),
    "compliance:evidence_download": page(
        GET="login | 404 | 404 | 404 | 404 | 404",
        POST=NOT_ALLOWED,
        kwargs={"pk": "@own:obligation", "evidence_pk": "@other:obligation_evidence"},
    ),
    "compliance:unlink_mitigation": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 404 | 404 | 403 | 404",
        kwargs={"pk": "@own:obligation", "mitigation_pk": "@other:mitigation"},
    ),
    "compliance:unlink_risk": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 404 | 404 | 403 | 404",
        kwargs={"pk": "@own:obligation", "risk_pk": "@other:risk"},
    ),
    # Not one of the system's records: refused with a message, nothing linked.
    "compliance:link_risk": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 302 | 302 | 403 | 302",
        kwargs={"pk": "@own:obligation"},
        data={"risk": "@other:risk"},
    ),
    "compliance:link_mitigation": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 302 | 302 | 403 | 302",
        kwargs={"pk": "@own:obligation"},
        data={"mitigation": "@other:mitigation"},
    ),
    "compliance:mitigation_link": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 302 | 302 | 403 | 302",
        kwargs={"pk": "@own:mitigation"},
        data={"obligation": "@other:obligation"},
    ),
    "compliance:mitigation_unlink": page(
        GET=NOT_ALLOWED,
        POST="login | 403 | 404 | 404 | 403 | 404",
        kwargs={"pk": "@own:mitigation", "obligation_pk": "@other:obligation"},
    ),
    # The own system's obligation linked to the other team's risk: unseen (400) or refused.
    "api:obligation-detail": api(
        PATCH="401 | 403 | 400 | 400 | 403 | 400",
        kwargs={"pk": "@own:obligation"},
        data={"version": 1, "risks": ["@other:risk"]},
    ),
    # A mitigation of the own system that would treat the other team's risk.
    "api:mitigation-list": api(
        GET=API_SIGNED_IN,
        POST="401 | 400 | 400 | 403 | 403 | 400",
        data={**MITIGATION_BODY, "system": "@own:system", "risks": ["@other:risk"]},
    ),
    # A test case of the own system that would probe the other team's risk.
    "api:test-case-list": api(
        GET=API_SIGNED_IN,
        POST="401 | 400 | 400 | 403 | 403 | 400",
        data={**TEST_CASE_BODY, "system": "@own:system", "risk": "@other:risk"},
    ),
    # An incident of the own system in which the other team's risk materialised.
    "api:incident-list": api(
        GET=API_SIGNED_IN,
        POST="401 | 400 | 400 | 403 | 403 | 400",
        data={**INCIDENT_BODY, "system": "@own:system", "materialised_risks": ["@other:risk"]},
    ),
}


# --- An archived system: read-only until restored -------------------------------------------
# Every write of the own team's archived system (and of its risks, mitigations, incidents,
# checklist, plan and acceptances), with the URLs and bodies of MATRIX: refused to everyone,
# its team and administrators included; restoring it is the one write left.
ARCHIVED_PAGE = "login | 403 | 403 | 403 | 403 | 403"
ARCHIVED_API = "401 | 403 | 403 | 403 | 403 | 403"
ARCHIVED: dict[str, dict[str, str]] = {
    "systems:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "systems:archive": {  # restoring it
        "GET": "login | 403 | 200 | 403 | 403 | 200",
        "POST": "login | 403 | 302>systems:detail | 403 | 403 | 302>systems:detail",
    },
    "risks:create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "risks:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "risks:archive": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "risks:request_acceptance": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "risks:acceptance_detail": {"POST": ARCHIVED_PAGE},  # the committee's decision
    "risks:acceptance_withdraw": {"POST": ARCHIVED_PAGE},
    "library:add": {"POST": ARCHIVED_PAGE},
    "risks:import": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "mitigations:create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "mitigations:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "mitigations:set_status": {"POST": ARCHIVED_PAGE},
    "mitigations:add_evidence": {"POST": ARCHIVED_PAGE},
    "mitigations:remove_evidence": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "mitigations:risk_panel_add": {"POST": ARCHIVED_PAGE},
    "mitigations:risk_panel_link": {"POST": ARCHIVED_PAGE},
    "mitigations:risk_panel_unlink": {"POST": ARCHIVED_PAGE},
    "reviews:decide": {"POST": ARCHIVED_PAGE},
    "reviews:resubmit": {"POST": ARCHIVED_PAGE},
    "reviews:withdraw": {"POST": ARCHIVED_PAGE},
    "reviews:assign": {"POST": ARCHIVED_PAGE},
    "reviews:submit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "reviews:checklist_update": {"POST": ARCHIVED_PAGE},
    "reviews:checklist_add_evidence": {"POST": ARCHIVED_PAGE},
    "reviews:checklist_remove_evidence": {"POST": ARCHIVED_PAGE},
    "incidents:create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "incidents:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "incidents:record_phase": {"POST": ARCHIVED_PAGE},
    "incidents:link_risk": {"POST": ARCHIVED_PAGE},
    "incidents:raise_likelihood": {"POST": ARCHIVED_PAGE},
    "incidents:add_follow_up": {"POST": ARCHIVED_PAGE},
    "concerns:create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "concerns:to_risk": {"GET": "login | 404 | 403 | 403 | 403 | 403"},
    "concerns:close": {"POST": "login | 404 | 403 | 403 | 403 | 403"},
    "api:concern-list": {"POST": ARCHIVED_API},
    "api:risk-list": {"POST": ARCHIVED_API},
    "api:risk-detail": {"PATCH": ARCHIVED_API},
    "api:risk-archive": {"POST": ARCHIVED_API},
    "api:risk-restore": {"POST": ARCHIVED_API},
    "api:acceptance-list": {"POST": ARCHIVED_API},
    "api:acceptance-decide": {"POST": ARCHIVED_API},
    "api:acceptance-withdraw": {"POST": ARCHIVED_API},
    "api:mitigation-list": {"POST": ARCHIVED_API},
    "api:mitigation-detail": {"PATCH": ARCHIVED_API},
    "api:incident-list": {"POST": ARCHIVED_API},
    "api:incident-detail": {"PATCH": ARCHIVED_API},
    "api:review-decide": {"POST": ARCHIVED_API},
    "systems:record_version": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "systems:waive_version": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "evaluations:test_case_create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "evaluations:test_case_edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "evaluations:test_case_archive": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "evaluations:run_upload": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "evaluations:mitigation_reviewed": {"POST": ARCHIVED_PAGE},
    "api:system-version-list": {"POST": ARCHIVED_API},
    "api:system-version-waive": {"POST": ARCHIVED_API},
    "api:test-case-list": {"POST": ARCHIVED_API},
    "api:test-case-detail": {"PATCH": ARCHIVED_API},
    "api:evaluation-run-list": {"POST": ARCHIVED_API},
    "monitoring:create": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "monitoring:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "monitoring:archive": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "monitoring:upload": {"POST": ARCHIVED_PAGE},
    "api:metric-list": {"POST": ARCHIVED_API},
    "api:metric-detail": {"PATCH": ARCHIVED_API},
    "compliance:obligation_edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "compliance:add_evidence": {"POST": ARCHIVED_PAGE},
    "compliance:remove_evidence": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "compliance:link_mitigation": {"POST": ARCHIVED_PAGE},
    "compliance:unlink_mitigation": {"POST": ARCHIVED_PAGE},
    "compliance:link_risk": {"POST": ARCHIVED_PAGE},
    "compliance:unlink_risk": {"POST": ARCHIVED_PAGE},
    "compliance:request_exception": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "compliance:bulk_status": {"POST": ARCHIVED_PAGE},
    "compliance:exception_detail": {"POST": ARCHIVED_PAGE},  # the committee's decision
    "compliance:exception_withdraw": {"POST": ARCHIVED_PAGE},
    "compliance:mitigation_link": {"POST": ARCHIVED_PAGE},
    "compliance:mitigation_unlink": {"POST": ARCHIVED_PAGE},
    "api:obligation-detail": {"PATCH": ARCHIVED_API},
    **{
        name: {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE}
        for name in (
            "assessments:start",
            "assessments:edit",
            "assessments:add_risk",
            "assessments:submit",
        )
    },
    "classification:wizard": {"GET": ARCHIVED_PAGE},
    "classification:wizard_step": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "classification:discard_draft": {"POST": ARCHIVED_PAGE},
    "classification:apply": {"POST": ARCHIVED_PAGE},
    "documentation:edit": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
    "documentation:generate": {"POST": ARCHIVED_PAGE},
    "classification:confirm": {"GET": ARCHIVED_PAGE, "POST": ARCHIVED_PAGE},
}


def cells(row: str) -> dict[str, str]:
    """``"login | 200/404 | …"`` → ``{"anonymous": "login", "viewer": "200/404", …}``."""
    parts = [part.strip() for part in row.split("|")]
    if len(parts) != len(ROLES):
        raise ValueError(f"A row has {len(ROLES)} cells, one per role: {row!r}")
    return dict(zip(ROLES, parts, strict=True))


def expected_outcome(cell: str, side: str) -> str:
    """The outcome of one cell for the own (``own``) or other team's (``other``) record."""
    own, _, other = cell.partition("/")
    return other if side == "other" and other else own
