"""Lookups at Google (network calls, read only): what a customer's grant can see, shaped for
the API. Reads of our own tables live in selectors modules; these ask Google."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from customers.models import GoogleConnection
from customers.selectors import ga4_streams_in_use, gtm_containers_in_use
from integrations.google.calls import gtm_calls_all_or_none
from integrations.google.clients import GoogleClients
from oneclicktag.core.infrastructure import CACHE_ERRORS

logger = logging.getLogger(__name__)

WEB_USAGE = "web"
# The GTM lists any member may ask for are read from Google at most this often per connection:
# every read spends calls of the quota all tenants share (issue 13: a polling viewer starved
# other tenants' deployments). Whether another customer holds a container is never kept.
GTM_LOOKUP_READ_SECONDS = 60


def is_web_container(container: dict[str, Any]) -> bool:
    return WEB_USAGE in [str(u).lower() for u in container.get("usageContext") or []]


def _gtm_lookup_key(connection: GoogleConnection) -> str:
    return f"gtm-containers-read:{connection.pk}"


def _kept_a_minute(key: str, read: Callable[[], Any]) -> Any:
    """What `read` returns, from the last minute's read when there is one. With the cache down
    it reads live, as before."""
    try:
        kept = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Google lookup cache unavailable", extra={"error": type(exc).__name__})
        kept = None
    if kept is not None:
        return kept
    value = read()
    try:
        cache.set(key, value, GTM_LOOKUP_READ_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("Google lookup cache unavailable", extra={"error": type(exc).__name__})
    return value


def gtm_lookups_forget(connection: GoogleConnection) -> None:
    """The connection's GTM choices changed (a container may have been created): the next list
    reads Google again."""
    try:
        cache.delete(_gtm_lookup_key(connection))
    except CACHE_ERRORS as exc:
        logger.warning("Google lookup cache unavailable", extra={"error": type(exc).__name__})


def gtm_accounts_with_containers(
    clients: GoogleClients, *, connection: GoogleConnection
) -> list[dict[str, Any]]:
    """GTM calls: the accounts' list and one list of containers per account, at most once a
    minute per connection."""

    def read() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        # Worth nothing half done: the accounts and (most grants see one) its containers
        # together; further accounts' lists one at a time.
        with gtm_calls_all_or_none(clients.context, 2):
            return [
                (account, clients.gtm.list_containers(account["path"]))
                for account in clients.gtm.list_accounts()
            ]

    listed = _kept_a_minute(_gtm_lookup_key(connection), read)
    in_use = gtm_containers_in_use(other_than=connection)
    accounts = []
    for account, containers in listed:
        accounts.append(
            {
                "account_id": str(account.get("accountId", "")),
                "name": account.get("name", ""),
                "path": account["path"],
                "containers": [
                    {
                        "container_id": str(container.get("containerId", "")),
                        "public_id": container.get("publicId", ""),
                        "name": container.get("name", ""),
                        "path": container.get("path", ""),
                        # A container has one owner: another customer's is never offered.
                        "available": str(container.get("containerId", "")) not in in_use,
                    }
                    for container in containers
                    if is_web_container(container)
                ],
            }
        )
    return accounts


def ads_accounts(clients: GoogleClients) -> list[dict[str, Any]]:
    """Accessible customers, then the clients of every manager among them.

    `login_customer_id` is what a PATCH sends as `ads_login_customer_id` to act on the account
    (the manager it is reached through, or none for a directly accessible one).
    """
    accounts: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for customer_id in clients.ads.list_accessible_customers():
        customer = clients.ads.get_customer(customer_id)
        if (customer["id"], "") not in seen:
            seen.add((customer["id"], ""))
            accounts.append({**customer, "login_customer_id": None})
        if customer.get("manager"):
            for client in clients.ads.list_client_accounts(customer["id"]):
                key = (client["id"], customer["id"])
                if key not in seen:
                    seen.add(key)
                    client.pop("manager_id", None)
                    accounts.append({**client, "login_customer_id": customer["id"]})
    return accounts


def stream_id_of(stream: dict[str, Any]) -> str:
    return str(stream.get("name", "")).rsplit("/", 1)[-1]


def property_id_of(name: str) -> str:
    return str(name).rsplit("/", 1)[-1]


def ga4_properties_with_streams(
    clients: GoogleClients, *, connection: GoogleConnection
) -> list[dict[str, Any]]:
    streams_in_use = ga4_streams_in_use(other_than=connection)
    properties = []
    for summary in clients.ga4.list_account_summaries():
        for prop in summary.get("propertySummaries") or []:
            streams = clients.ga4.list_web_streams(prop["property"])
            properties.append(
                {
                    "account": summary.get("account", ""),
                    "account_name": summary.get("displayName", ""),
                    "property": prop["property"],
                    "property_id": property_id_of(prop["property"]),
                    "name": prop.get("displayName", ""),
                    "streams": [
                        {
                            "stream_id": stream_id_of(stream),
                            "name": stream.get("displayName", ""),
                            "measurement_id": (stream.get("webStreamData") or {}).get(
                                "measurementId", ""
                            ),
                            "default_uri": (stream.get("webStreamData") or {}).get(
                                "defaultUri", ""
                            ),
                            # Another customer's stream is never offered as a choice.
                            "available": stream_id_of(stream) not in streams_in_use,
                        }
                        for stream in streams
                    ],
                }
            )
    return properties
