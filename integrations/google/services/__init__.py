"""Writes of a customer's Google connection: authorization.py (OAuth start and callback),
choices.py (GTM container, GA4 stream, Ads account), tokens.py (refresh, reconnect, disconnect).
Callers import from here."""

from integrations.google.services.authorization import (
    CONNECT_ROLE,
    STATE_SALT,
    STATE_TTL,
    AuthorizationDenied,
    AuthorizationResult,
    InvalidOAuthState,
    allowed_redirect_uri,
    google_authorization_complete,
    google_authorization_start,
    oauth_attempts_purge,
)
from integrations.google.services.choices import (
    CHOICE_FIELDS,
    CREATE,
    MAX_WORKSPACES,
    connection_release_resources,
    connection_remember_workspace,
    connection_update_choices,
    container_name_for,
)
from integrations.google.services.tokens import (
    connection_credentials,
    connection_disconnect,
    connection_mark_needs_reconnect,
    connection_rotate_token_keys,
    connection_snapshot,
    connection_store_refreshed_token,
)

__all__ = [
    "CHOICE_FIELDS",
    "CONNECT_ROLE",
    "CREATE",
    "MAX_WORKSPACES",
    "STATE_SALT",
    "STATE_TTL",
    "AuthorizationDenied",
    "AuthorizationResult",
    "InvalidOAuthState",
    "allowed_redirect_uri",
    "connection_credentials",
    "connection_disconnect",
    "connection_mark_needs_reconnect",
    "connection_release_resources",
    "connection_remember_workspace",
    "connection_rotate_token_keys",
    "connection_snapshot",
    "connection_store_refreshed_token",
    "connection_update_choices",
    "container_name_for",
    "google_authorization_complete",
    "google_authorization_start",
    "oauth_attempts_purge",
]
