"""The signed-in person's e-mail preferences in the current organization."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oneclicktag.core.fields import StrictBooleanField
from tenants.models import Membership, User
from tenants.resolution import resolve_tenant
from tenants.services.memberships import membership_set_notifications


class NotificationPreferencesSerializer(serializers.ModelSerializer[Membership]):
    email_alerts = StrictBooleanField(
        required=False,
        help_text="E-mails as things break: a customer must reconnect Google, a deployment "
        "failed, a webhook endpoint was turned off (owners and admins only).",
    )
    email_daily_digest = StrictBooleanField(
        required=False,
        help_text="One e-mail a day listing the last day's failures and drift (owners and "
        "admins only).",
    )

    class Meta:
        model = Membership
        fields = ("email_alerts", "email_daily_digest")


class MyNotificationsView(APIView):
    def _membership(self, request: Request) -> Membership:
        if not isinstance(request.user, User):
            raise exceptions.PermissionDenied("API keys have no person; use a Firebase ID token.")
        tenant = resolve_tenant(request)
        return Membership.objects.get(organization=tenant.organization, user=request.user)

    @extend_schema(
        operation_id="me_notifications_retrieve",
        summary="My e-mail preferences in this organization",
        responses={200: NotificationPreferencesSerializer},
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        return Response(NotificationPreferencesSerializer(self._membership(request)).data)

    @extend_schema(
        operation_id="me_notifications_partial_update",
        summary="Opt in or out of e-mail alerts and the daily digest in this organization",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer},
        tags=["me"],
    )
    def patch(self, request: Request) -> Response:
        membership = self._membership(request)
        serializer = NotificationPreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = membership_set_notifications(membership=membership, **serializer.validated_data)
        return Response(NotificationPreferencesSerializer(updated).data)
