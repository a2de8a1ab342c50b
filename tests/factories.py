"""factory_boy factories for every model."""

import datetime

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Membership, Team, User
from apps.core.models import Level
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskAcceptance, RiskCategory
from apps.systems.models import (
    AIKind,
    AISystem,
    DecisionRole,
    EUAIActTier,
    LifecycleStage,
    OversightMode,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.CONTRIBUTOR


class AISystemFactory(DjangoModelFactory):
    class Meta:
        model = AISystem

    name = factory.Sequence(lambda n: f"System {n}")
    purpose = "Answers customers' questions."
    business_process = "Customer asks → system answers → agent follows up."
    team = factory.SubFactory(TeamFactory)
    business_owner = factory.SubFactory(UserFactory)
    technical_owner = factory.SelfAttribute("business_owner")
    lifecycle_stage = LifecycleStage.PRODUCTION
    ai_kind = AIKind.GENERATIVE
    decision_role = DecisionRole.ADVISES
    oversight_mode = OversightMode.ON_THE_LOOP
    eu_ai_act_tier = EUAIActTier.MINIMAL
    criticality = Level.LOW


class RiskFactory(DjangoModelFactory):
    """A risk whose derived fields are computed as the services would."""

    class Meta:
        model = Risk

    system = factory.SubFactory(AISystemFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    scenario = "The assistant invents a refund policy; customers act on it."
    category = factory.LazyFunction(
        lambda: RiskCategory.objects.get(slug="hallucination", parent__slug="model-error")
    )
    owner = factory.SelfAttribute("system.business_owner")
    inherent_likelihood = 4
    inherent_impact = 4
    residual_likelihood = 2
    residual_impact = 4

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from apps.risks.services import apply_assessment

        risk = model_class(*args, **kwargs)
        apply_assessment(risk)
        risk.save()
        return risk


class MitigationFactory(DjangoModelFactory):
    class Meta:
        model = Mitigation

    system = factory.SubFactory(AISystemFactory)
    title = factory.Sequence(lambda n: f"Mitigation {n}")
    description = "Ground answers in the policy corpus."
    kind = "architecture"
    layer = "application"
    owner = factory.SelfAttribute("system.business_owner")


class RiskAcceptanceFactory(DjangoModelFactory):
    class Meta:
        model = RiskAcceptance

    risk = factory.SubFactory(RiskFactory)
    rationale = "Residual risk is low and monitored weekly."
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=90))
    requested_by = factory.SelfAttribute("risk.owner")
