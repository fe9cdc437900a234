from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api.serializers import MeSerializer
from tenants.models import Membership, User


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in person, their memberships and roles",
        responses={200: MeSerializer},
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        if not isinstance(request.user, User):
            raise exceptions.PermissionDenied("API keys have no person; use a Firebase ID token.")
        user = (
            User.objects.prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("organization")
                    .filter(organization__deleted__isnull=True)
                    .order_by("organization__name"),
                )
            )
            .filter(pk=request.user.pk)
            .get()
        )
        return Response(MeSerializer(user).data)
