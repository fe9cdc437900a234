"""Invitations: admins invite by email and revoke; the invited person accepts with the token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oneclicktag.core.idempotency import idempotent
from tenants import services
from tenants.actors import FirebaseIdentity
from tenants.api.serializers import (
    InvitationAcceptSerializer,
    InvitationCreatedSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MyMembershipSerializer,
)
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.filters import InvitationFilter
from tenants.models import Invitation, Role, User


@extend_schema_view(
    list=extend_schema(summary="Invitations of the organization (admin)"),
    retrieve=extend_schema(summary="One invitation (admin)"),
    create=extend_schema(
        summary="Invite a person by email with a role (admin); the token is shown once",
        request=InvitationCreateSerializer,
        responses={201: InvitationCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke a pending invitation (admin)"),
)
class InvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    search_fields = ("email",)
    ordering_fields = ("created_at", "expires_at")
    lookup_value_regex = UUID_LOOKUP
    http_method_names = ["get", "post", "delete", "head", "options"]
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    @idempotent(redact=("token",))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.invitation_create(
            organization=self.tenant.organization,
            email=serializer.validated_data["email"],
            role=serializer.validated_data["role"],
            actor=self.tenant.actor,
            actor_role=self.tenant.role,
        )
        created.invitation.token = created.token  # type: ignore[attr-defined]
        return Response(
            InvitationCreatedSerializer(created.invitation).data, status=status.HTTP_201_CREATED
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.invitation_revoke(invitation=self.get_object(), actor=self.tenant.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    """Not organization-scoped: the person is not a member until this succeeds."""

    @extend_schema(
        operation_id="invitations_accept",
        summary="Join the organization of an invitation sent to your email address",
        request=InvitationAcceptSerializer,
        responses={201: MyMembershipSerializer},
        tags=["invitations"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        if not isinstance(request.user, User):
            raise exceptions.PermissionDenied("Sign in as the invited person to accept.")
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = request.auth if isinstance(request.auth, FirebaseIdentity) else None
        membership = services.invitation_accept(
            token=serializer.validated_data["token"],
            user=request.user,
            verified_email=identity.verified_email if identity is not None else "",
        )
        return Response(MyMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)
