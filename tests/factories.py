"""factory_boy factories for every model."""

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Membership, Team, User
from apps.core.models import Level
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
