"""Staff see Google connections (status, scopes, errors, choices), never the tokens."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from customers.models import ConnectionStatus, GoogleConnection
from integrations.models import OAuthState
from oneclicktag.core.admin_site import IndexAlert, add_index_alerts

TOKEN_FIELDS = ("refresh_token_encrypted", "access_token_encrypted")


def _needing_reconnect() -> list[IndexAlert]:
    return [
        IndexAlert(
            label="Customers needing a Google reconnect",
            count=GoogleConnection.objects.filter(status=ConnectionStatus.NEEDS_RECONNECT).count(),
            url=reverse("admin:customers_googleconnection_changelist")
            + f"?status__exact={ConnectionStatus.NEEDS_RECONNECT}",
        )
    ]


add_index_alerts(_needing_reconnect)


@admin.register(GoogleConnection)
class GoogleConnectionAdmin(admin.ModelAdmin):
    list_display = (
        "customer",
        "organization",
        "status",
        "google_email",
        "last_refreshed_at",
        "last_error_at",
        "gtm_public_id",
        "ga4_measurement_id",
        "ads_customer_id",
    )
    list_filter = ("status",)
    search_fields = ("google_email", "customer__name", "gtm_public_id", "ads_customer_id")
    list_select_related = ("customer", "organization")
    exclude = TOKEN_FIELDS
    readonly_fields = (
        "organization",
        "customer",
        "status",
        "google_email",
        "google_user_id",
        "scopes",
        "access_token_expires_at",
        "connected_at",
        "last_refreshed_at",
        "revoked_at",
        "last_error",
        "last_error_at",
        *GoogleConnection.RESOURCE_FIELDS,
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    )

    # Connections change through the OAuth flow and the API (audited), not by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OAuthState)
class OAuthStateAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "organization",
        "customer",
        "user",
        "created_at",
        "expires_at",
        "consumed_at",
    )
    list_filter = ("consumed_at",)
    exclude = ("code_verifier_encrypted",)
    readonly_fields = (
        "organization",
        "customer",
        "user",
        "api_key",
        "redirect_uri",
        "created_at",
        "expires_at",
        "consumed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
