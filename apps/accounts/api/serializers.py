from __future__ import annotations

from rest_framework import serializers

from apps.accounts.models import MAX_TOKEN_DAYS, APIToken, Membership, Team
from apps.core.api.serializers import HistoryURLField, RelatedListField, SelfURLField


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user.id", read_only=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "name", "email", "role"]


class TeamSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="slug", read_only=True)
    url = SelfURLField("team")
    members = MemberSerializer(source="memberships", many=True, read_only=True)
    systems = RelatedListField("system", "team")
    risks = RelatedListField("risk", "team")
    mitigations = RelatedListField("mitigation", "team")
    history = HistoryURLField("team")

    class Meta:
        model = Team
        fields = [
            "id",
            "reference",
            "url",
            "name",
            "slug",
            "description",
            "created_at",
            "members",
            "systems",
            "risks",
            "mitigations",
            "history",
        ]


class TokenSerializer(serializers.ModelSerializer):
    url = SelfURLField("token")
    state = serializers.ChoiceField(
        choices=["active", "expired", "revoked"], read_only=True, help_text="Whether it works."
    )

    class Meta:
        model = APIToken
        fields = [
            "id",
            "url",
            "name",
            "hint",
            "scope",
            "state",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        allow_null=True,
        help_text="Leave out for a token that lasts until revoked.",
    )


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret: shown this once, never stored in clear."
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
