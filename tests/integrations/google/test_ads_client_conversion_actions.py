"""The AdsClient methods the sync engine relies on, against the emulator's Ads API."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.clients import google_clients_for

pytestmark = pytest.mark.django_db
CLIENT = seed.ADS_CLIENT_CUSTOMER_ID


def _create(name: str) -> dict[str, Any]:
    return {
        "create": {
            "name": name,
            "type": "WEBPAGE",
            "status": "ENABLED",
            "category": "PURCHASE",
            "counting_type": "MANY_PER_CLICK",
            "value_settings": {
                "default_value": 1.0,
                "default_currency_code": "USD",
                "always_use_default_value": False,
            },
        }
    }


@pytest.fixture
def ads(alice: Any, connect_customer: Any) -> Any:
    customer = connect_customer(alice)
    return google_clients_for(GoogleConnection.objects.get(customer=customer)).ads


def test_it_creates_and_reads_back_id_and_label(ads: Any) -> None:
    assert ads.conversion_customer_id(CLIENT) == CLIENT
    result = ads.mutate_conversion_actions(CLIENT, [_create("OCT purchase [abc]")])
    assert result["errors"] == []
    created_id = result["results"][0]["id"]

    found = ads.search_conversion_actions(CLIENT, ids=[created_id])
    assert [a["name"] for a in found] == ["OCT purchase [abc]"]
    assert found[0]["status"] == "ENABLED"
    assert found[0]["category"] == "PURCHASE"
    assert found[0]["conversion_id"].isdigit()
    assert found[0]["conversion_label"]


def test_a_dry_run_creates_nothing(ads: Any) -> None:
    ads.mutate_conversion_actions(CLIENT, [_create("OCT dry run")], validate_only=True)
    assert "OCT dry run" not in [a["name"] for a in ads.search_conversion_actions(CLIENT)]


def test_partial_failure_reports_the_failing_operation(ads: Any) -> None:
    ads.mutate_conversion_actions(CLIENT, [_create("OCT duplicate")])
    result = ads.mutate_conversion_actions(CLIENT, [_create("OCT fresh"), _create("OCT duplicate")])
    assert result["results"][0] is not None
    assert result["results"][1] is None
    assert [e["index"] for e in result["errors"]] == [1]
    assert result["errors"][0]["code"] == "DUPLICATE_NAME"


def test_the_manager_and_its_client_are_listed(ads: Any) -> None:
    assert seed.ADS_MANAGER_CUSTOMER_ID in ads.list_accessible_customers()
    clients = ads.list_client_accounts(seed.ADS_MANAGER_CUSTOMER_ID)
    assert [c["id"] for c in clients] == [CLIENT]
