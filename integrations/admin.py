"""Staff see Google connections (status, scopes, errors, choices), never the tokens."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from customers.models import ConnectionStatus, GoogleConnection
from integrations.google.calls import calls_per_window_last_hour
from integrations.google.quota import quota_limits
from integrations.models import OAuthState
from oneclicktag.core.admin_site import IndexAlert, IndexPanel, add_index_alerts, add_index_panel

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

API_NAMES = {"gtm": "Tag Manager", "ads": "Google Ads", "ga4": "GA4 Admin", "oauth": "OAuth"}


def _quota_use() -> IndexPanel:
    """Google calls of the last hour per 100-s window, as the call wrapper counted them (the
    cache; no database query). GTM's limit is per window, so its busiest window is the number
    to watch against it."""
    limits = quota_limits()
    window = f"{limits.window_seconds:g} s"
    rows = []
    for calls in calls_per_window_last_hour():
        limit = f"{limits.per_window} per {window}" if calls.api == "gtm" else "-"
        share = f"{100 * calls.busiest / limits.per_window:.0f} %" if calls.api == "gtm" else "-"
        rows.append(
            (
                calls.api,
                API_NAMES.get(calls.api, calls.api),
                calls.total,
                calls.busiest,
                calls.windows[-1][1] if calls.windows else 0,
                limit,
                share,
            )
        )
    body = format_html_join(
        "",
        '<tr data-api="{}"><th scope="row">{}</th><td class="calls-hour">{}</td>'
        '<td class="calls-busiest">{}</td><td class="calls-now">{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        rows,
    )
    return IndexPanel(
        id="quota-use",
        title="Google quota use, last hour (every organization)",
        html=format_html(
            '<table style="width: 100%"><thead><tr><th>API</th><th>Calls</th>'
            "<th>Busiest</th><th>Now</th><th>Limit</th><th>Busiest / limit</th></tr></thead>"
            "<tbody>{}</tbody></table><p>Calls in the last hour; the most in one {} window "
            "and in the current one.</p>",
            body,
            window,
        ),
    )


add_index_panel(_quota_use)


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
