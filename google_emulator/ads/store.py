"""The Ads emulator's data: accounts, who may reach them, and their conversion actions.

Registered with ``STATE`` as store ``"ads"``; ``/_emulator/reset`` rebuilds it from ``seed_store``
(API.md: manager 1110000001 "Example Manager" with one client account 2220000002).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from google_emulator import seed

from . import protos

STORE_NAME = "ads"
# Google's conversion action ids are global across accounts; ours start here and increase.
FIRST_CONVERSION_ACTION_ID = 6_100_000_001


@dataclass
class Account:
    customer_id: str
    descriptive_name: str
    manager: bool
    currency_code: str
    time_zone: str
    # The AW- number of every tag snippet of this account's conversion actions.
    conversion_tracking_id: int
    # Which account's conversion actions this one uses (itself unless it delegates).
    conversion_customer_id: str
    clients: list[str] = field(default_factory=list)

    @property
    def resource_name(self) -> str:
        return f"customers/{self.customer_id}"


@dataclass
class AdsStore:
    accounts: dict[str, Account]
    # Google user (email) -> customer ids the user was invited to directly.
    direct_access: dict[str, set[str]]
    # customer id -> conversion action id -> ConversionAction (protobuf)
    conversion_actions: dict[str, dict[int, Any]] = field(default_factory=dict)
    next_conversion_action_id: int = FIRST_CONVERSION_ACTION_ID

    def account(self, customer_id: str) -> Account | None:
        return self.accounts.get(customer_id)

    def actions_of(self, customer_id: str) -> dict[int, Any]:
        return self.conversion_actions.setdefault(customer_id, {})

    def descendants(self, customer_id: str) -> list[tuple[Account, int]]:
        """The account itself (level 0) and every account below it, with its level."""
        found: list[tuple[Account, int]] = []
        frontier = [(customer_id, 0)]
        while frontier:
            current, level = frontier.pop(0)
            account = self.accounts.get(current)
            if account is None or any(a.customer_id == current for a, _ in found):
                continue
            found.append((account, level))
            frontier.extend((child, level + 1) for child in account.clients)
        return found

    def manages(self, manager_id: str, customer_id: str) -> bool:
        return any(a.customer_id == customer_id for a, _ in self.descendants(manager_id))

    def allocate_conversion_action_id(self) -> int:
        action_id = self.next_conversion_action_id
        self.next_conversion_action_id += 1
        return action_id


def conversion_tracking_id_for(customer_id: str) -> int:
    """A stable AW- number per account, derived from its id so it survives resets."""
    return 800_000_000 + int(customer_id) % 100_000_000


def conversion_label_for(customer_id: str, action_id: int) -> str:
    """A label shaped like Google's (20 URL-safe characters), unique per action and stable."""
    digest = hashlib.sha256(f"{customer_id}/{action_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:15]).decode()


def seed_store() -> AdsStore:
    manager = Account(
        customer_id=seed.ADS_MANAGER_CUSTOMER_ID,
        descriptive_name=seed.ADS_MANAGER_NAME,
        manager=True,
        currency_code=seed.ADS_CLIENT_CURRENCY,
        time_zone=seed.ADS_CLIENT_TIME_ZONE,
        conversion_tracking_id=conversion_tracking_id_for(seed.ADS_MANAGER_CUSTOMER_ID),
        conversion_customer_id=seed.ADS_MANAGER_CUSTOMER_ID,
        clients=[seed.ADS_CLIENT_CUSTOMER_ID],
    )
    client = Account(
        customer_id=seed.ADS_CLIENT_CUSTOMER_ID,
        descriptive_name=seed.ADS_CLIENT_NAME,
        manager=False,
        currency_code=seed.ADS_CLIENT_CURRENCY,
        time_zone=seed.ADS_CLIENT_TIME_ZONE,
        conversion_tracking_id=conversion_tracking_id_for(seed.ADS_CLIENT_CUSTOMER_ID),
        conversion_customer_id=seed.ADS_CLIENT_CUSTOMER_ID,
    )
    return AdsStore(
        accounts={manager.customer_id: manager, client.customer_id: client},
        # The owner was invited to the manager only: the client is reachable through it.
        direct_access={seed.OWNER_EMAIL: {manager.customer_id}},
    )


def carry_ids_over(old: AdsStore, new: AdsStore) -> None:
    """After a reset, conversion action ids go on from where they were (never reused)."""
    new.next_conversion_action_id = max(
        new.next_conversion_action_id, old.next_conversion_action_id
    )


def customer_message(account: Account) -> Any:
    customer = protos.Customer(
        resource_name=account.resource_name,
        id=int(account.customer_id),
        descriptive_name=account.descriptive_name,
        manager=account.manager,
        currency_code=account.currency_code,
        time_zone=account.time_zone,
        test_account=False,
        auto_tagging_enabled=True,
        status=protos.enum_value(protos.Customer, "status", "ENABLED"),
    )
    tracking = customer.conversion_tracking_setting
    tracking.conversion_tracking_id = account.conversion_tracking_id
    tracking.google_ads_conversion_customer = f"customers/{account.conversion_customer_id}"
    tracking.conversion_tracking_status = protos.enum_value(
        tracking, "conversion_tracking_status", "CONVERSION_TRACKING_MANAGED_BY_SELF"
    )
    return customer


def customer_client_message(owner: Account, client: Account, level: int) -> Any:
    return protos.CustomerClient(
        resource_name=f"{owner.resource_name}/customerClients/{client.customer_id}",
        client_customer=client.resource_name,
        hidden=False,
        level=level,
        time_zone=client.time_zone,
        test_account=False,
        manager=client.manager,
        descriptive_name=client.descriptive_name,
        currency_code=client.currency_code,
        id=int(client.customer_id),
        status=protos.enum_value(protos.CustomerClient, "status", "ENABLED"),
    )
