from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts import permissions
from apps.accounts.api.serializers import (
    NewTokenSerializer,
    TeamSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from apps.accounts.models import APIToken, Membership, Team
from apps.accounts.second_factor import session_has_second_factor
from apps.accounts.services import create_token, revoke_token
from apps.core.api.viewsets import RecordViewSet


class TeamFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    ordering = django_filters.OrderingFilter(fields=(("name", "name"), ("created_at", "created")))

    class Meta:
        model = Team
        fields = []


class TeamViewSet(RecordViewSet):
    """The teams you belong to (every team for auditors, the committee and administrators)."""

    model = Team
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    alternate_lookup_field = "slug"

    def get_list_queryset(self):
        members = Membership.objects.select_related("user").order_by("user__full_name", "pk")
        return (
            permissions.visible_teams(self.request.user)
            .prefetch_related(Prefetch("memberships", queryset=members))
            .order_by("name")
        )


class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens. Create one while signed in in the browser (not with a token);
    its secret is shown once. Deleting a token revokes it (the record is kept)."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return APIToken.objects.filter(user=self.request.user)

    @extend_schema(request=TokenCreateSerializer, responses={201: NewTokenSerializer})
    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, APIToken):
            raise PermissionDenied(
                "Tokens are created on your profile page or in a signed-in browser session, "
                "never with another token."
            )
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = create_token(
            user=request.user,
            second_factor=session_has_second_factor(request),
            **serializer.validated_data,
        )
        token.token = secret
        data = NewTokenSerializer(token, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        if not token.is_revoked:
            revoke_token(token=token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
