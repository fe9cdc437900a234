"""A customer's Google connection over REST, and Google's OAuth callback.

Admins connect, choose and disconnect; every role with read access sees the status and what the
grant can see. Tokens never appear in any response.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpResponseRedirect
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import ConnectionStatus, Customer, GoogleConnection
from customers.selectors import google_connection_status
from integrations.api.schema import GOOGLE_ERROR_RESPONSES
from integrations.api.serializers import (
    AuthorizeSerializer,
    GoogleChoicesSerializer,
    GoogleConnectionSerializer,
)
from integrations.google import lookups
from integrations.google.clients import GoogleClients, google_clients_for
from integrations.google.errors import (
    GoogleReconnectRequired,
    GoogleRefused,
    google_errors_as_domain_errors,
)
from integrations.google.services.authorization import (
    AuthorizationDenied,
    InvalidOAuthState,
    google_authorization_complete,
    google_authorization_start,
)
from integrations.google.services.choices import connection_update_choices
from integrations.google.services.tokens import connection_disconnect
from oneclicktag.core.concurrency import check_version
from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import OrganizationScopedViewSet
from tenants.models import Role


class CustomerGoogleViewSet(OrganizationScopedViewSet):
    """`/customers/{customer_id}/google/...`: the connection of one customer."""

    queryset = GoogleConnection.objects.select_related("customer")
    serializer_class = GoogleConnectionSerializer
    action_roles = {
        "authorize": Role.ADMIN,
        "partial_update": Role.ADMIN,
        "destroy": Role.ADMIN,
    }
    pagination_class = None
    filter_backends: list[Any] = []

    def _customer(self) -> Customer:
        customer = self.get_scoped_object(Customer.objects.all(), self.kwargs["customer_id"])
        assert isinstance(customer, Customer)
        return customer

    def _connection(self, customer: Customer) -> GoogleConnection | None:
        return self.get_queryset().filter(customer=customer).first()

    def _connected(self) -> tuple[Customer, GoogleConnection, GoogleClients]:
        customer = self._customer()
        connection = self._connection(customer)
        if connection is None or connection.status == ConnectionStatus.REVOKED:
            raise GoogleReconnectRequired("Connect a Google account first.")
        with google_errors_as_domain_errors():
            clients = google_clients_for(connection)
        return customer, connection, clients

    @extend_schema(
        summary="The customer's Google connection: status, scopes and choices (no tokens)",
        responses=GoogleConnectionSerializer,
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self._customer()
        return Response(GoogleConnectionSerializer.payload(customer, self._connection(customer)))

    @extend_schema(
        summary="Choose (or create) the GTM container, GA4 stream and Ads account (admins)",
        request=GoogleChoicesSerializer,
        responses={200: GoogleConnectionSerializer, **GOOGLE_ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = GoogleChoicesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, connection, clients = self._connected()
        expected = check_version(connection, request, serializer.initial_data)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        with google_errors_as_domain_errors():
            updated = connection_update_choices(
                connection=connection,
                actor=self.tenant.actor,
                changes=changes,
                expected_version=expected,
                clients=clients,
            )
        return Response(GoogleConnectionSerializer.payload(customer, updated))

    @extend_schema(
        summary="Revoke the grant at Google and forget the tokens (admins)",
        request=None,
        responses={204: None, **GOOGLE_ERROR_RESPONSES},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self._customer()
        connection = self._connection(customer)
        if connection is not None and connection.status != ConnectionStatus.REVOKED:
            with google_errors_as_domain_errors():
                connection_disconnect(connection=connection, actor=self.tenant.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Start connecting a Google account: returns Google's authorization URL (admins)",
        request=AuthorizeSerializer,
        responses=inline_serializer(
            "GoogleAuthorization", {"authorization_url": serializers.URLField()}
        ),
    )
    @idempotent
    def authorize(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AuthorizeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        url = google_authorization_start(
            organization=self.tenant.organization,
            customer=self._customer(),
            actor=self.tenant.actor,
            redirect_uri=serializer.validated_data.get("redirect_uri") or "",
        )
        return Response({"authorization_url": url})

    @extend_schema(
        summary="GTM accounts and web containers the grant can see",
        responses={
            200: inline_serializer("GtmAccounts", {"accounts": serializers.ListField()}),
            **GOOGLE_ERROR_RESPONSES,
        },
    )
    def gtm_containers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, connection, clients = self._connected()
        with google_errors_as_domain_errors():
            accounts = lookups.gtm_accounts_with_containers(clients, connection=connection)
        return Response({"accounts": accounts})

    @extend_schema(
        summary="Accessible Google Ads accounts, managers and their clients",
        responses={
            200: inline_serializer("AdsAccounts", {"accounts": serializers.ListField()}),
            **GOOGLE_ERROR_RESPONSES,
        },
    )
    def ads_accounts(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, _, clients = self._connected()
        with google_errors_as_domain_errors():
            return Response({"accounts": lookups.ads_accounts(clients)})

    @extend_schema(
        summary="GA4 properties and their web data streams",
        responses={
            200: inline_serializer("Ga4Properties", {"properties": serializers.ListField()}),
            **GOOGLE_ERROR_RESPONSES,
        },
    )
    def ga4_properties(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, connection, clients = self._connected()
        with google_errors_as_domain_errors():
            properties = lookups.ga4_properties_with_streams(clients, connection=connection)
        return Response({"properties": properties})


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class GoogleOAuthCallbackView(APIView):
    """Where Google sends the person back. No credentials: the signed state authenticates."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Google's OAuth redirect target (the signed state authenticates)",
        parameters=[
            OpenApiParameter("state", str, required=True),
            OpenApiParameter("code", str),
            OpenApiParameter("error", str),
        ],
        responses={
            200: inline_serializer(
                "GoogleConnected",
                {"status": serializers.CharField(), "customer": serializers.UUIDField()},
            ),
            302: None,
            **GOOGLE_ERROR_RESPONSES,
        },
    )
    def get(self, request: Request) -> Response | HttpResponseRedirect:
        state = request.query_params.get("state", "")
        if not state:
            raise exceptions.ValidationError({"state": ["This parameter is required."]})
        try:
            with google_errors_as_domain_errors():
                result = google_authorization_complete(
                    state=state,
                    code=request.query_params.get("code", ""),
                    error=request.query_params.get("error", ""),
                )
        except InvalidOAuthState as exc:
            raise exceptions.ValidationError({"state": [str(exc)]}) from exc
        except (GoogleReconnectRequired, GoogleRefused) as exc:
            # Google refused the code itself (expired, used, not for this client): start again.
            raise exceptions.ValidationError(
                {"code": [f"Google refused the authorization code: {exc.message}"]}
            ) from exc
        except AuthorizationDenied as exc:
            if exc.redirect_uri:
                return HttpResponseRedirect(
                    _with_query(
                        exc.redirect_uri,
                        {"google": "error", "error": exc.error, "customer": str(exc.customer_id)},
                    )
                )
            raise exceptions.ValidationError(
                {"error": [f"Google did not grant access ({exc.error})."]}
            ) from exc
        connection = result.connection
        if result.redirect_uri:
            return HttpResponseRedirect(
                _with_query(
                    result.redirect_uri,
                    {"google": "connected", "customer": str(connection.customer_id)},
                )
            )
        return Response(
            {
                "status": google_connection_status(connection),
                "customer": connection.customer_id,
                "google_email": connection.google_email,
                "scopes": connection.scopes,
            }
        )
