"""Build a believable demo organisation: teams, one account per role, and its AI systems.

Idempotent: running it again updates the demo accounts and adds only what is missing. The demo
accounts share a published password, so the command refuses to run with DEBUG off unless told.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import Membership, Team, User
from apps.accounts.services import configure_sign_in
from apps.core.models import GovernanceSettings
from apps.demo.assessments import seed_demo_assessments
from apps.demo.classification import seed_demo_classifications
from apps.demo.compliance import seed_demo_compliance
from apps.demo.documentation import seed_demo_documentation
from apps.demo.evaluations import seed_demo_evaluations
from apps.demo.incidents import seed_demo_incidents
from apps.demo.monitoring import seed_demo_metrics
from apps.demo.reviews import seed_demo_reviews
from apps.demo.risks import seed_demo_risks
from apps.systems import services as system_services
from apps.systems.models import (
    AIKind,
    AISystem,
    AnnexIIIArea,
    DecisionRole,
    EUAIActTier,
    LifecycleStage,
    OversightMode,
    TrainingDataPolicy,
)

DEMO_PASSWORD = "demo-register-2026"  # noqa: S105 - published on purpose, for local demos only

TEAMS = [
    ("customer-experience", "Customer Experience", "Support channels, the help centre and CRM."),
    ("credit-risk", "Credit Risk", "Lending decisions, affordability and credit models."),
    ("people-talent", "People & Talent", "Recruiting, HR operations and workforce analytics."),
    ("financial-crime", "Financial Crime", "Fraud prevention, AML and customer due diligence."),
    ("engineering-platform", "Engineering Platform", "Developer tooling and IT operations."),
]

# email, full name, job title, global roles, {team slug: role}
PEOPLE = [
    ("admin@example.com", "Priya Raman", "Head of AI Governance Office", {"admin"}, {}),
    ("committee@example.com", "Jonas Weber", "Chief Risk Officer", {"committee"}, {}),
    ("committee2@example.com", "Fatima Okafor", "Data Protection Officer", {"committee"}, {}),
    # A critical plan needs three approvals by default (ReviewSettings): three members who own
    # no system can review any plan of the demo.
    ("committee3@example.com", "Tomás Herrera", "Head of Model Risk", {"committee"}, {}),
    ("auditor@example.com", "Grace Liu", "Internal Auditor", {"auditor"}, {}),
    (
        "contributor@example.com",
        "Sam Carter",
        "Product Manager, Support Automation",
        set(),
        {"customer-experience": Membership.Role.CONTRIBUTOR},
    ),
    (
        "viewer@example.com",
        "Noah Fischer",
        "Support Operations Lead",
        set(),
        {"customer-experience": Membership.Role.VIEWER},
    ),
    (
        "credit@example.com",
        "Elena Rossi",
        "Lead Credit Modeller",
        set(),
        {"credit-risk": Membership.Role.CONTRIBUTOR},
    ),
    (
        "people@example.com",
        "Marcus Bell",
        "HR Systems Manager",
        set(),
        {"people-talent": Membership.Role.CONTRIBUTOR},
    ),
    (
        "fincrime@example.com",
        "Aiko Tanaka",
        "Fraud Analytics Manager",
        set(),
        {"financial-crime": Membership.Role.CONTRIBUTOR},
    ),
    (
        "platform@example.com",
        "Lena Novak",
        "Staff Engineer, Developer Productivity",
        set(),
        {
            "engineering-platform": Membership.Role.CONTRIBUTOR,
            "customer-experience": Membership.Role.VIEWER,
        },
    ),
]

NO_DATA = {
    "processes_personal_data": False,
    "processes_special_category_data": False,
    "processes_financial_data": False,
    "processes_confidential_data": False,
    "processes_public_data": False,
}

SYSTEMS = [
    {
        "team": "customer-experience",
        "business_owner": "contributor@example.com",
        "technical_owner": "platform@example.com",
        "name": "Aria customer-support assistant",
        "purpose": "Answers customers' questions about accounts, cards and fees in the app chat, "
        "and hands over to a human agent when it cannot help.",
        "business_process": "Customer contacts support in the app → Aria answers from the help "
        "centre and the customer's own account data → unresolved or sensitive conversations go "
        "to an agent with a summary → agents see Aria's suggested replies.",
        "description": "Retrieval-augmented generation over 1,400 help-centre articles with a "
        "hosted large language model; tools to look up card status and recent transactions; "
        "conversation logs kept 90 days.",
        "lifecycle_stage": LifecycleStage.PILOT,
        "ai_kind": AIKind.GENERATIVE,
        "vendor": "Hosted LLM API (enterprise tier, no training on our data)",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_financial_data": True,
        "affects_customers": True,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.ON_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.LIMITED,
        "eu_ai_act_area": "",
        "model_version": "llm-2026-06 + prompt v14",
        "training_data_version": "help-centre index 2026-11-02",
        "code_version": "aria-assistant 3.8.1 (git 4f2c9ab)",
        "configuration_version": "guardrails config 22",
        "rollback_thresholds": "Groundedness on the weekly 200-conversation audit below 95%\n"
        "Escalation-to-agent rate above 35% for two consecutive days\n"
        "Any confirmed disclosure of another customer's data",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "customer-experience",
        "business_owner": "contributor@example.com",
        "technical_owner": "contributor@example.com",
        "name": "Next-best-offer recommender",
        "purpose": "Suggests which product offer to show a customer in the app's home screen.",
        "business_process": "Nightly scoring of eligible customers → top offer per customer "
        "stored → app shows the offer → conversion and complaints tracked by marketing.",
        "description": "Gradient-boosted ranking model over product holdings, app usage and "
        "campaign history; eligibility rules applied before ranking.",
        "lifecycle_stage": LifecycleStage.PILOT,
        "ai_kind": AIKind.RECOMMENDATION,
        "vendor": "",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_financial_data": True,
        "affects_customers": True,
        "affects_employees": False,
        "affects_public": False,
        "decision_role": DecisionRole.DECIDES,
        "oversight_mode": OversightMode.IN_COMMAND,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "nbo-ranker 0.9",
        "training_data_version": "features 2026-10",
        "code_version": "nbo 0.9.3",
        "configuration_version": "campaign rules 2026-Q4",
        "rollback_thresholds": "Complaint rate about offers above 0.1% of impressions\n"
        "Share of offers for high-cost credit to customers in arrears above 0",
        "customer_data_training": TrainingDataPolicy.OPT_IN,
    },
    {
        "team": "credit-risk",
        "business_owner": "credit@example.com",
        "technical_owner": "credit@example.com",
        "name": "Consumer credit scoring model",
        "purpose": "Scores applications for personal loans and credit cards to approve, refer "
        "or decline them.",
        "business_process": "Application submitted → bureau and bank data fetched → score and "
        "reasons computed → automatic approval above the cut-off, referral to an underwriter "
        "in the grey zone, decline below with adverse-action reasons.",
        "description": "Logistic scorecard with monotonic constraints plus a challenger "
        "gradient-boosted model; reason codes from the scorecard.",
        "lifecycle_stage": LifecycleStage.PRODUCTION,
        "ai_kind": AIKind.CLASSIFICATION,
        "vendor": "Credit bureau data feed",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_financial_data": True,
        "affects_customers": True,
        "affects_employees": False,
        "affects_public": True,
        "decision_role": DecisionRole.DECIDES,
        "oversight_mode": OversightMode.ON_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.HIGH_RISK,
        "eu_ai_act_area": AnnexIIIArea.ESSENTIAL_SERVICES,
        "model_version": "scorecard PL-2025.4",
        "training_data_version": "applications 2021-01..2025-12, snapshot 2026-02-01",
        "code_version": "credit-decisioning 5.2.0",
        "configuration_version": "cut-offs 2026-03",
        "rollback_thresholds": "Gini on the monthly out-of-time sample below 0.55\n"
        "Population stability index above 0.25\n"
        "Approval-rate ratio between any two age bands below 0.8",
        "customer_data_training": TrainingDataPolicy.ALLOWED,
    },
    {
        "team": "credit-risk",
        "business_owner": "credit@example.com",
        "technical_owner": "credit@example.com",
        "name": "Loan arrears forecaster",
        "purpose": "Forecasts the number of loans entering arrears over the next 12 weeks to "
        "size the collections team.",
        "business_process": "Weekly forecast by product and region → collections capacity plan "
        "→ staffing decisions by operations managers.",
        "description": "Hierarchical time-series model on arrears roll rates with "
        "macro-economic covariates.",
        "lifecycle_stage": LifecycleStage.DEVELOPMENT,
        "ai_kind": AIKind.FORECASTING,
        "vendor": "",
        **NO_DATA,
        "processes_financial_data": True,
        "processes_confidential_data": True,
        "affects_customers": False,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.IN_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "arrears-ts 0.4",
        "training_data_version": "roll rates 2019..2026-09",
        "code_version": "forecasting 0.4.1",
        "configuration_version": "",
        "rollback_thresholds": "Mean absolute percentage error over 4 weeks above 15%",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "people-talent",
        "business_owner": "people@example.com",
        "technical_owner": "people@example.com",
        "name": "CV screening assistant",
        "purpose": "Ranks applications against a vacancy's requirements so that recruiters read "
        "the strongest matches first.",
        "business_process": "Candidate applies → CV parsed → match score and highlights shown "
        "to the recruiter → recruiter decides whom to interview; every rejection is a "
        "recruiter's decision.",
        "description": "Vendor model that extracts skills and experience and scores them "
        "against the vacancy profile.",
        "lifecycle_stage": LifecycleStage.PILOT,
        "ai_kind": AIKind.CLASSIFICATION,
        "vendor": "TalentMatch SaaS",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_special_category_data": True,
        "affects_customers": False,
        "affects_employees": False,
        "affects_public": True,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.IN_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.LIMITED,
        "eu_ai_act_area": "",
        "model_version": "vendor release 2026.3",
        "training_data_version": "vendor-managed",
        "code_version": "ATS integration 1.2",
        "configuration_version": "vacancy profiles 2026-10",
        "rollback_thresholds": "Selection-rate ratio for any protected group below 0.8 on the "
        "monthly sample\nRecruiter override rate above 40%",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "financial-crime",
        "business_owner": "fincrime@example.com",
        "technical_owner": "fincrime@example.com",
        "name": "Card fraud detector",
        "purpose": "Scores card transactions in real time and blocks or challenges the riskiest.",
        "business_process": "Card authorisation → score within 40 ms → block, step-up "
        "challenge or approve → analysts review alerts → customer contacted for confirmed "
        "fraud.",
        "description": "Gradient-boosted trees on transaction, device and merchant features; "
        "rules engine in front for known patterns.",
        "lifecycle_stage": LifecycleStage.PRODUCTION,
        "ai_kind": AIKind.CLASSIFICATION,
        "vendor": "",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_financial_data": True,
        "affects_customers": True,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.DECIDES,
        "oversight_mode": OversightMode.ON_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "fraud-gbt 7.1",
        "training_data_version": "labelled transactions to 2026-08",
        "code_version": "fraud-scoring 7.1.4",
        "configuration_version": "thresholds 2026-11-01",
        "rollback_thresholds": "Fraud detection rate at 0.5% alert rate below 70%\n"
        "p99 scoring latency above 80 ms\nFalse-positive blocks above 0.3% of transactions",
        "customer_data_training": TrainingDataPolicy.ALLOWED,
    },
    {
        "team": "financial-crime",
        "business_owner": "fincrime@example.com",
        "technical_owner": "fincrime@example.com",
        "name": "ID document and selfie verification",
        "purpose": "Checks that an identity document is genuine and that the selfie matches it "
        "when a customer opens an account.",
        "business_process": "Onboarding → document photo and selfie → authenticity and "
        "face-match checks → pass, fail or manual review by the onboarding team.",
        "description": "Vendor computer-vision service for document authenticity and one-to-one "
        "face verification.",
        "lifecycle_stage": LifecycleStage.PRODUCTION,
        "ai_kind": AIKind.VISION,
        "vendor": "IDV provider (EU-hosted)",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_special_category_data": True,
        "affects_customers": True,
        "affects_employees": False,
        "affects_public": False,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.IN_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.LIMITED,
        "eu_ai_act_area": "",
        "model_version": "vendor API v4",
        "training_data_version": "vendor-managed",
        "code_version": "onboarding 12.0",
        "configuration_version": "match threshold 0.82",
        "rollback_thresholds": "False-rejection rate gap between skin-tone groups above 2 "
        "percentage points\nManual review queue above 48 hours",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "engineering-platform",
        "business_owner": "platform@example.com",
        "technical_owner": "platform@example.com",
        "name": "Code assistant",
        "purpose": "Suggests code completions and reviews pull requests for engineers in the IDE.",
        "business_process": "Engineer types or opens a pull request → suggestions from the "
        "assistant → engineer accepts or edits → normal code review and CI still apply.",
        "description": "Hosted coding model through an IDE plug-in; repository context limited "
        "to the open project.",
        "lifecycle_stage": LifecycleStage.PRODUCTION,
        "ai_kind": AIKind.GENERATIVE,
        "vendor": "Hosted coding assistant (business plan)",
        **NO_DATA,
        "processes_confidential_data": True,
        "affects_customers": False,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.IN_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "vendor-managed",
        "training_data_version": "vendor-managed",
        "code_version": "IDE plug-in 2.14",
        "configuration_version": "org policy 5 (public-code filter on)",
        "rollback_thresholds": "Any secret found in a suggestion\n"
        "Share of accepted suggestions reverted within a week above 10%",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "engineering-platform",
        "business_owner": "platform@example.com",
        "technical_owner": "platform@example.com",
        "name": "IT operations agent",
        "purpose": "Triages infrastructure alerts and runs approved runbook steps (restarts, "
        "scaling) on its own outside office hours.",
        "business_process": "Alert fires → agent gathers logs and metrics → runs an allow-listed "
        "runbook step or pages the on-call engineer → posts what it did to the incident channel.",
        "description": "LLM agent with tool access to the monitoring API and a restricted "
        "runbook executor; every action is logged and reversible.",
        "lifecycle_stage": LifecycleStage.CONCEPT,
        "ai_kind": AIKind.AGENT,
        "vendor": "Hosted LLM API",
        **NO_DATA,
        "processes_confidential_data": True,
        "affects_customers": True,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.DECIDES,
        "oversight_mode": OversightMode.ON_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "",
        "training_data_version": "",
        "code_version": "prototype",
        "configuration_version": "",
        "rollback_thresholds": "Any action outside the allow-list\n"
        "More than 3 automated restarts of one service in an hour",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
    {
        "team": "customer-experience",
        "business_owner": "contributor@example.com",
        "technical_owner": "platform@example.com",
        "name": "Complaint summariser",
        "purpose": "Summarises long complaint threads and drafts the final response letter for "
        "the complaints team.",
        "business_process": "Complaint closed by a handler → summary and draft letter generated "
        "→ handler edits and signs → letter sent; summaries feed the monthly conduct report.",
        "description": "Hosted LLM with a fixed letter template; no tool access.",
        "lifecycle_stage": LifecycleStage.DEVELOPMENT,
        "ai_kind": AIKind.GENERATIVE,
        "vendor": "Hosted LLM API",
        **NO_DATA,
        "processes_personal_data": True,
        "processes_financial_data": True,
        "affects_customers": True,
        "affects_employees": True,
        "affects_public": False,
        "decision_role": DecisionRole.ADVISES,
        "oversight_mode": OversightMode.IN_THE_LOOP,
        "eu_ai_act_tier": EUAIActTier.MINIMAL,
        "eu_ai_act_area": "",
        "model_version": "llm-2026-06 + prompt v3",
        "training_data_version": "",
        "code_version": "complaints-ai 0.2",
        "configuration_version": "",
        "rollback_thresholds": "Any letter with a factual error about the customer's case "
        "found in QA sampling",
        "customer_data_training": TrainingDataPolicy.NEVER,
    },
]

# Later changes to newly created demo systems, so that their history reads like real use:
# (system name, editor's e-mail, changes, reason).
EDITS = [
    (
        "Aria customer-support assistant",
        "contributor@example.com",
        {"lifecycle_stage": LifecycleStage.PRODUCTION},
        "Pilot passed: 97% grounded answers on 1,000 audited conversations",
    ),
    (
        "Consumer credit scoring model",
        "credit@example.com",
        {"model_version": "scorecard PL-2026.2", "configuration_version": "cut-offs 2026-09"},
        "Annual recalibration on 2025 applications",
    ),
    (
        "CV screening assistant",
        "people@example.com",
        {"eu_ai_act_tier": EUAIActTier.HIGH_RISK, "eu_ai_act_area": AnnexIIIArea.EMPLOYMENT},
        "Legal review: ranking candidates is an Annex III point 4 (employment) use",
    ),
]


class Command(BaseCommand):
    help = (
        "Create (or bring up to date) the demo organisation: teams, accounts, AI systems, "
        "their risks and mitigations."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo accounts share a published password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password. Run it only in a "
                "development setup (DEBUG=true), or pass --force if you really mean it."
            )
        with transaction.atomic():
            GovernanceSettings.load()
            teams = self._teams()
            people = self._people(teams)
            # The demo accounts sign in with the published password alone: no second factor is
            # asked of its administrator and committee members (README: Demo accounts).
            configure_sign_in(
                by=None,
                reason="Demo data: no second factor asked of the demo accounts",
                password_sign_in=True,
                mfa_administrators=False,
                mfa_committee_members=False,
                mfa_auditors=False,
                mfa_contributors=False,
                mfa_viewers=False,
            )
            created = self._systems(teams, people)
            risks_added = seed_demo_risks(people)
            seed_demo_reviews(people)
            incidents_added = seed_demo_incidents(people)
            metrics_added = seed_demo_metrics(people)
            runs_added = seed_demo_evaluations(people)
            obligations = seed_demo_compliance(people)
            # The EU AI Act classification of every system, with its rationale (its tier).
            seed_demo_classifications(people)
            seed_demo_assessments(people)  # Art. 27: reads the obligations just derived
            # Last: the documents read everything seeded before them (no PDF is made here).
            seed_demo_documentation(people)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {len(teams)} teams, {len(people)} accounts, "
                f"{created} new AI systems ({AISystem.objects.count()} in all), "
                f"{risks_added} new risks, {incidents_added} new incidents, "
                f"{metrics_added} new monitored metrics, {runs_added} new evaluation runs, "
                f"{obligations} obligations that apply."
            )
        )
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")

    def _teams(self) -> dict[str, Team]:
        teams = {}
        for slug, name, description in TEAMS:
            team, _ = Team.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            teams[slug] = team
        return teams

    def _people(self, teams) -> dict[str, User]:
        people = {}
        for email, full_name, job_title, roles, memberships in PEOPLE:
            user = User.objects.filter(email=email).first() or User(email=email)
            wanted = {
                "full_name": full_name,
                "job_title": job_title,
                "is_superuser": "admin" in roles,
                "is_staff": "admin" in roles,
                "is_committee_member": "committee" in roles,
                "is_auditor": "auditor" in roles,
                "is_active": True,
            }
            changed = user.pk is None or any(getattr(user, k) != v for k, v in wanted.items())
            for field, value in wanted.items():
                setattr(user, field, value)
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                changed = True
            if changed:
                user._change_reason = "Demo data"
                user.save()
            for slug, role in memberships.items():
                membership = Membership.objects.filter(user=user, team=teams[slug]).first()
                if membership is None or membership.role != role:
                    membership = membership or Membership(user=user, team=teams[slug])
                    membership.role = role
                    membership._change_reason = "Demo data"
                    membership.save()
            people[email] = user
        return people

    def _systems(self, teams, people) -> int:
        created = 0
        for spec in SYSTEMS:
            data = dict(spec)
            team = teams[data.pop("team")]
            data["team"] = team
            data["business_owner"] = people[data.pop("business_owner")]
            data["technical_owner"] = people[data["technical_owner"]]
            if AISystem.objects.filter(team=team, name=data["name"]).exists():
                continue
            author = data["business_owner"]
            if not author.memberships.filter(team=team, role=Membership.Role.CONTRIBUTOR).exists():
                author = next(p for p in people.values() if p.is_superuser)
            system = system_services.create_system(by=author, data=data, reason="Demo data")
            created += 1
            for name, editor, changes, reason in EDITS:
                if name == system.name:
                    system_services.update_system(
                        system=system, by=people[editor], data=changes, reason=reason
                    )
        return created
