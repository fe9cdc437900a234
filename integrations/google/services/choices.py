"""Choosing (or creating) the GTM container, GA4 stream and Ads account of a customer.

Every id is checked against what the grant can see in Google before it is stored; a bad one is a
400 naming the field. "create" makes the resource: the web container "OneClickTag - <customer>",
a GA4 property, a web data stream for the customer's own website. Our GTM workspace "OneClickTag"
is adopted when it exists, else created (free containers allow three workspaces).
Google calls happen first, outside the transaction; the write is a versioned UPDATE plus audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import GoogleConnection
from customers.selectors import gtm_containers_in_use
from integrations.google.ads import digits
from integrations.google.clients import GoogleClients
from integrations.google.errors import GoogleInsufficientPermission, TransientGoogleError
from integrations.google.gtm_client import WORKSPACE_NAME
from integrations.google.lookups import (
    gtm_lookups_forget,
    is_web_container,
    property_id_of,
    stream_id_of,
)
from integrations.google.oauth import MANAGE_USERS_SCOPE
from integrations.google.services.tokens import connection_snapshot
from oneclicktag.core.concurrency import ensure_version, is_no_op, update_if_version
from oneclicktag.core.exceptions import InvalidInput
from tenants.actors import Actor
from tenants.services import audit_record

CREATE = "create"
MAX_WORKSPACES = 3
CHOICE_FIELDS = (
    "gtm_account_id",
    "gtm_container_id",
    "ga4_account_id",
    "ga4_property_id",
    "ga4_stream_id",
    "ads_customer_id",
    "ads_login_customer_id",
)


def container_name_for(connection: GoogleConnection) -> str:
    return f"OneClickTag - {connection.customer.name}"[:100]


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput({field: [message]})


# Whose it is stays unsaid: that would tell one organization about another's customers.
def _container_taken() -> InvalidInput:
    return _invalid("gtm_container_id", "Another customer already uses this container.")


def _stream_taken() -> InvalidInput:
    return _invalid("ga4_stream_id", "Another customer already uses this data stream.")


class ContainerPermissionMissing(InvalidInput):
    """The chosen container is one the signed-in person may not publish: every deployment would
    fail, so the choice is refused with the code a deployment would fail with."""

    default_code = "google_insufficient_permission"


# GTM's container permissions, weakest first (ContainerAccess.permission in the discovery document).
CONTAINER_PERMISSIONS = ("noAccess", "read", "edit", "approve", "publish")
NEEDED_PERMISSION = "publish"


def container_permission(
    clients: GoogleClients, connection: GoogleConnection, account_path: str, container_id: str
) -> str | None:
    """The signed-in person's permission on a container, or None when Google does not tell us:
    the grant lacks the optional manage.users scope, or the person is not an account
    administrator (only they may list users). Then the deployment finds out instead."""
    if MANAGE_USERS_SCOPE not in (connection.scopes or []) or not connection.google_email:
        return None
    try:
        users = clients.gtm.list_user_permissions(account_path)
    except GoogleInsufficientPermission:
        return None
    email = connection.google_email.lower()
    me = next((u for u in users if str(u.get("emailAddress", "")).lower() == email), None)
    if me is None:
        return None
    access = me.get("containerAccess") or []
    found = next((a for a in access if str(a.get("containerId")) == container_id), None)
    return str((found or {}).get("permission") or "noAccess")


def _ensure_publish_permission(
    clients: GoogleClients, connection: GoogleConnection, account_path: str, container_id: str
) -> None:
    permission = container_permission(clients, connection, account_path, container_id)
    if permission is None or permission not in CONTAINER_PERMISSIONS:
        return
    if CONTAINER_PERMISSIONS.index(permission) < CONTAINER_PERMISSIONS.index(NEEDED_PERMISSION):
        raise ContainerPermissionMissing(
            {
                "gtm_container_id": [
                    f"OneClickTag needs the Publish permission on this container to publish "
                    f"your trackings; {connection.google_email} has {permission.capitalize()}. "
                    "Ask a container admin to grant Publish, or choose another container."
                ]
            }
        )


def _created_or_found(
    create: Callable[[], dict[str, Any]], find: Callable[[], dict[str, Any] | None]
) -> dict[str, Any]:
    """Make a resource; if Google's answer is lost (a 5xx or timeout after the write may have
    landed), look for what the write made before giving up, so a retry never makes a second."""
    try:
        return create()
    except TransientGoogleError:
        found = find()
        if found is None:
            raise
        return found


# The live container's measures (see trackings/container_budget.py), forgotten with the container.
_NO_LIVE_SIZE: dict[str, Any] = {
    "gtm_live_size_bytes": 0,
    "gtm_foreign_size_bytes": 0,
    "gtm_live_size_read_at": None,
}


def _choose_gtm(
    clients: GoogleClients, connection: GoogleConnection, changes: dict[str, Any]
) -> dict[str, str]:
    account_id = digits(changes.get("gtm_account_id", connection.gtm_account_id) or "")
    container_choice = str(changes.get("gtm_container_id", "") or "")
    if "gtm_account_id" in changes and "gtm_container_id" not in changes:
        if account_id == connection.gtm_account_id:
            return {}
        # A new account invalidates the container chosen in the old one.
        container_choice = ""
    if not account_id:
        raise _invalid("gtm_account_id", "Choose the GTM account first.")
    accounts = {str(a.get("accountId")): a for a in clients.gtm.list_accounts()}
    if account_id not in accounts:
        raise _invalid("gtm_account_id", "This Google account cannot see that GTM account.")
    result = {
        "gtm_account_id": account_id,
        "gtm_container_id": "",
        "gtm_public_id": "",
        "gtm_workspace_id": "",
    }
    if not container_choice:
        return result
    account_path = accounts[account_id]["path"]
    containers = clients.gtm.list_containers(account_path)
    taken = gtm_containers_in_use(other_than=connection)
    if container_choice == CREATE:
        name = container_name_for(connection)

        # Adopt ours after a retried request or a lost answer instead of creating a second one
        # (never one that another customer of the same name owns).
        def ours(listed: list[dict[str, Any]]) -> dict[str, Any] | None:
            return next(
                (
                    c
                    for c in listed
                    if c.get("name") == name
                    and is_web_container(c)
                    and str(c.get("containerId")) not in taken
                ),
                None,
            )

        container = ours(containers) or _created_or_found(
            lambda: clients.gtm.create_container(account_path, name),
            lambda: ours(clients.gtm.list_containers(account_path)),
        )
    else:
        container_id = digits(container_choice)
        seen = next((c for c in containers if str(c.get("containerId")) == container_id), None)
        if seen is None or not container_id:
            raise _invalid("gtm_container_id", "This Google account cannot see that container.")
        container = seen
        if not is_web_container(container):
            raise _invalid("gtm_container_id", "Only web containers can be used.")
        if container_id in taken:
            raise _container_taken()
        # Before our workspace is made in it: a refused choice leaves nothing behind.
        _ensure_publish_permission(clients, connection, account_path, container_id)
    workspace = _adopt_or_create_workspace(clients, container["path"])
    result.update(
        gtm_container_id=str(container["containerId"]),
        gtm_public_id=str(container.get("publicId", "")),
        gtm_workspace_id=str(workspace["workspaceId"]),
    )
    return result


def _adopt_or_create_workspace(clients: GoogleClients, container_path: str) -> dict[str, Any]:
    workspaces = clients.gtm.list_workspaces(container_path)
    ours = next((w for w in workspaces if w.get("name") == WORKSPACE_NAME), None)
    if ours is not None:
        return ours
    if len(workspaces) >= MAX_WORKSPACES:
        raise _invalid(
            "gtm_container_id",
            f"The container already has {len(workspaces)} workspaces (free containers allow "
            f"{MAX_WORKSPACES}); delete one in GTM or choose another container.",
        )
    return clients.gtm.create_our_workspace(container_path)


def _choose_ga4(
    clients: GoogleClients, connection: GoogleConnection, changes: dict[str, Any]
) -> dict[str, str]:
    property_choice = str(changes.get("ga4_property_id", "") or "")
    stream_choice = str(changes.get("ga4_stream_id", "") or "")
    summaries = clients.ga4.list_account_summaries()
    property_accounts = {
        property_id_of(p["property"]): s.get("account", "")
        for s in summaries
        for p in s.get("propertySummaries") or []
    }
    result: dict[str, str] = {}
    property_id = connection.ga4_property_id
    if "ga4_property_id" in changes:
        if property_choice == CREATE:
            account = str(changes.get("ga4_account_id") or connection.ga4_account_id or "")
            accounts = [str(s.get("account", "")) for s in summaries]
            if account and not account.startswith("accounts/"):
                account = f"accounts/{digits(account)}"
            if not account and len(accounts) == 1:
                account = accounts[0]
            if not account:
                raise _invalid("ga4_account_id", "Name the GA4 account to create the property in.")
            if account not in accounts:
                raise _invalid("ga4_account_id", "This Google account cannot see that GA4 account.")
            property_id = _create_property(clients, connection, account, summaries)
            result["ga4_account_id"] = account
        else:
            property_id = property_id_of(property_choice)
            if not property_id or property_id not in property_accounts:
                raise _invalid(
                    "ga4_property_id", "This Google account cannot see that GA4 property."
                )
            result["ga4_account_id"] = property_accounts[property_id]
        result["ga4_property_id"] = property_id
        if property_id != connection.ga4_property_id:
            result.update(ga4_stream_id="", ga4_measurement_id="")
    if "ga4_stream_id" not in changes:
        return result
    if not property_id:
        raise _invalid("ga4_property_id", "Choose the GA4 property first.")
    property_name = f"properties/{property_id}"
    if stream_choice == CREATE:
        stream = _create_stream(clients, connection, property_name)
    else:
        stream_id = digits(stream_choice)
        streams = clients.ga4.list_web_streams(property_name)
        found = next((s for s in streams if stream_id_of(s) == stream_id), None)
        if found is None or not stream_id:
            raise _invalid("ga4_stream_id", "That web data stream is not in the chosen property.")
        if (
            GoogleConnection.objects.filter(ga4_stream_id=stream_id)
            .exclude(pk=connection.pk)
            .exists()
        ):
            raise _stream_taken()
        stream = found
    result.update(
        ga4_stream_id=stream_id_of(stream),
        ga4_measurement_id=str((stream.get("webStreamData") or {}).get("measurementId", "")),
    )
    return result


def _create_property(
    clients: GoogleClients,
    connection: GoogleConnection,
    account: str,
    summaries: list[dict[str, Any]],
) -> str:
    """Our property "OneClickTag - <customer>" in the account: adopted when a retried request or
    a lost answer already made it (and no other customer uses it), else created."""
    name = container_name_for(connection)
    taken = set(
        GoogleConnection.objects.exclude(pk=connection.pk)
        .exclude(ga4_property_id="")
        .values_list("ga4_property_id", flat=True)
    )

    def ours(listed: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next(
            (
                p
                for s in listed
                if s.get("account") == account
                for p in s.get("propertySummaries") or []
                if p.get("displayName") == name and property_id_of(p["property"]) not in taken
            ),
            None,
        )

    found = ours(summaries)
    if found is not None:
        return property_id_of(found["property"])
    created = _created_or_found(
        lambda: clients.ga4.create_property(
            account=account,
            display_name=name,
            # The customer's own: reports' days and revenue are in them.
            time_zone=connection.customer.time_zone,
            currency_code=connection.customer.currency,
        ),
        lambda: ours(clients.ga4.list_account_summaries()),
    )
    return property_id_of(str(created.get("name") or created.get("property")))


def _create_stream(
    clients: GoogleClients, connection: GoogleConnection, property_name: str
) -> dict[str, Any]:
    """A web stream for the customer's website, adopted like the property above."""
    display_name = connection.customer.name[:100]
    uri = connection.customer.website_url
    taken = set(
        GoogleConnection.objects.exclude(pk=connection.pk)
        .exclude(ga4_stream_id="")
        .values_list("ga4_stream_id", flat=True)
    )

    def ours() -> dict[str, Any] | None:
        return next(
            (
                s
                for s in clients.ga4.list_web_streams(property_name)
                if s.get("displayName") == display_name
                and (s.get("webStreamData") or {}).get("defaultUri") == uri
                and stream_id_of(s) not in taken
            ),
            None,
        )

    return ours() or _created_or_found(
        lambda: clients.ga4.create_web_stream(
            property_name, display_name=display_name, default_uri=uri
        ),
        ours,
    )


def _choose_ads(
    clients: GoogleClients, connection: GoogleConnection, changes: dict[str, Any]
) -> dict[str, str]:
    customer_id = digits(changes.get("ads_customer_id", connection.ads_customer_id) or "")
    login_id = digits(changes.get("ads_login_customer_id", connection.ads_login_customer_id) or "")
    if not customer_id:
        if "ads_customer_id" in changes:
            return {
                "ads_customer_id": "",
                "ads_login_customer_id": "",
                "ads_conversion_customer_id": "",
            }
        raise _invalid("ads_customer_id", "Choose the Google Ads account first.")
    accessible = set(clients.ads.list_accessible_customers())
    if login_id:
        if login_id not in accessible:
            raise _invalid(
                "ads_login_customer_id", "This Google account cannot reach that manager."
            )
        if login_id != customer_id:
            reachable = {c["id"] for c in clients.ads.list_client_accounts(login_id)}
            if customer_id not in reachable:
                raise _invalid("ads_customer_id", "That account is not under the chosen manager.")
    elif customer_id not in accessible:
        raise _invalid(
            "ads_customer_id",
            "This Google account cannot reach that Ads account directly; "
            "send ads_login_customer_id (its manager).",
        )
    ads = clients.ads.with_login(login_id or None)
    return {
        "ads_customer_id": customer_id,
        "ads_login_customer_id": login_id,
        "ads_conversion_customer_id": ads.conversion_customer_id(customer_id),
    }


def connection_update_choices(
    *,
    connection: GoogleConnection,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int,
    clients: GoogleClients,
) -> GoogleConnection:
    # Refused before asking Google anything; the conditional UPDATE below is the claim.
    ensure_version(connection, expected_version)
    values: dict[str, Any] = {}
    if {"gtm_account_id", "gtm_container_id"} & changes.keys():
        values.update(_choose_gtm(clients, connection, changes))
        # It may have created a container: the next list shows it.
        gtm_lookups_forget(connection)
        if values.get("gtm_container_id", connection.gtm_container_id) != (
            connection.gtm_container_id
        ):
            # What the engine last read of the old container's live version (a person's
            # entities in it) says nothing of the new one: the budget forgets it.
            values.update(_NO_LIVE_SIZE)
    if {"ga4_property_id", "ga4_stream_id"} & changes.keys():
        values.update(_choose_ga4(clients, connection, changes))
    elif "ga4_account_id" in changes:
        raise _invalid("ga4_account_id", 'Send it with ga4_property_id: "create".')
    if {"ads_customer_id", "ads_login_customer_id"} & changes.keys():
        values.update(_choose_ads(clients, connection, changes))
    if is_no_op(connection, values, expected_version):
        return connection
    before = connection_snapshot(connection)
    try:
        with transaction.atomic():
            update_if_version(
                GoogleConnection.objects.all(),
                connection,
                expected_version,
                updated_by=actor.user if actor.user is not None and actor.user.pk else None,
                updated_at=timezone.now(),
                **values,
            )
            audit_record(
                organization=connection.organization_id,
                actor=actor,
                action="google_connection.update",
                object_type="google_connection",
                object_id=connection.pk,
                before=before,
                after=connection_snapshot(connection),
            )
    except IntegrityError as exc:
        # Taken by another customer between our check and the write.
        if "gconn_unique_gtm_container" in str(exc):
            raise _container_taken() from exc
        raise _stream_taken() from exc
    return connection


def connection_remember_workspace(*, connection: GoogleConnection, workspace_id: str) -> None:
    """Record the id of the OneClickTag workspace ("" once GTM deleted it by versioning it), so
    the next deployment finds it without listing. Bookkeeping, not a choice: no new version of
    the connection (a PATCH in flight stays valid) and no audit event."""
    GoogleConnection.objects.filter(
        organization_id=connection.organization_id, pk=connection.pk
    ).update(gtm_workspace_id=workspace_id, updated_at=timezone.now())
    connection.gtm_workspace_id = workspace_id


def connection_release_resources(*, connection: GoogleConnection) -> None:
    """A deleted customer whose trackings are out of Google gives its container and stream up, so
    another customer may choose them. Bookkeeping like the above: no version, no audit event (the
    customer's deletion is audited)."""
    cleared: dict[str, Any] = dict.fromkeys(GoogleConnection.RESOURCE_FIELDS, "")
    cleared.update(_NO_LIVE_SIZE)
    GoogleConnection.objects.filter(
        organization_id=connection.organization_id, pk=connection.pk
    ).update(**cleared, updated_at=timezone.now())
    for name, value in cleared.items():
        setattr(connection, name, value)
