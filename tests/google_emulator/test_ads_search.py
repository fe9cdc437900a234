"""GAQL through GoogleAdsService.Search and SearchStream: fields, filters, order, limit, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from .ads_support import CLIENT, MANAGER, ads_client, error_codes, mutate, search, webpage_action

SEND_TO = re.compile(r"'send_to': 'AW-(\d+)/([\w-]+)'")


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def create(client: Any, *names: str, category: str = "PURCHASE") -> list[str]:
    response = mutate(client, [webpage_action(client, n, category=category) for n in names])
    return [r.resource_name for r in response.results]


def test_tag_snippets_carry_the_accounts_aw_id_and_a_label_per_action(client: Any) -> None:
    create(client, "OCT Purchase [s1]", "OCT Lead [s1]")
    tracking = search(
        client,
        "SELECT customer.conversion_tracking_setting.conversion_tracking_id, "
        "customer.conversion_tracking_setting.google_ads_conversion_customer FROM customer",
    )[0].customer.conversion_tracking_setting

    rows = search(
        client,
        "SELECT conversion_action.id, conversion_action.tag_snippets FROM conversion_action "
        "ORDER BY conversion_action.id",
    )

    assert tracking.google_ads_conversion_customer == f"customers/{CLIENT}"
    labels = []
    for row in rows:
        snippets = row.conversion_action.tag_snippets
        page_load = [
            s for s in snippets if s.type_.name == "WEBPAGE" and s.page_format.name == "HTML"
        ]
        assert len(page_load) == 1
        match = SEND_TO.search(page_load[0].event_snippet)
        assert match is not None
        conversion_id, label = match.groups()
        assert int(conversion_id) == tracking.conversion_tracking_id
        assert f"AW-{conversion_id}" in page_load[0].global_site_tag
        labels.append(label)
    assert len(set(labels)) == 2
    # Stable: the same action reads back the same label.
    again = search(client, "SELECT conversion_action.tag_snippets FROM conversion_action")
    match = SEND_TO.search(again[0].conversion_action.tag_snippets[0].event_snippet)
    assert match is not None
    assert match.group(2) == labels[0]


def test_rows_carry_only_the_selected_fields(client: Any) -> None:
    (resource_name,) = create(client, "OCT Purchase [s2]")

    row = search(client, "SELECT conversion_action.name FROM conversion_action")[0]

    assert row.conversion_action.name == "OCT Purchase [s2]"
    assert row.conversion_action.resource_name == resource_name
    assert row.conversion_action.id == 0
    assert len(row.conversion_action.tag_snippets) == 0


def test_it_filters_with_in_like_and_comparisons_then_orders_and_limits(client: Any) -> None:
    names = ["OCT A [s3]", "OCT B [s3]", "Other C [s3]"]
    resource_names = create(client, *names)
    ids = [int(r.rsplit("/", 1)[1]) for r in resource_names]

    def names_for(where: str, tail: str = "") -> list[str]:
        query = f"SELECT conversion_action.name FROM conversion_action WHERE {where} {tail}"
        return [row.conversion_action.name for row in search(client, query)]

    assert names_for(f"conversion_action.id IN ({ids[0]}, {ids[2]})") == [names[0], names[2]]
    assert names_for("conversion_action.name LIKE 'OCT %'") == names[:2]
    assert (
        names_for(f"conversion_action.id <= {ids[1]} AND conversion_action.status = ENABLED")
        == names[:2]
    )
    assert names_for(
        "conversion_action.status != 'REMOVED'", "ORDER BY conversion_action.name DESC LIMIT 2"
    ) == [names[2], names[1]]
    assert names_for(f"conversion_action.resource_name = '{resource_names[1]}'") == [names[1]]


def test_search_stream_answers_the_same_rows(client: Any) -> None:
    create(client, "OCT A [s4]", "OCT B [s4]")
    service = client.get_service("GoogleAdsService")
    query = "SELECT conversion_action.id, conversion_action.name FROM conversion_action"

    batches = list(service.search_stream(customer_id=CLIENT, query=query))

    streamed = [row.conversion_action.name for batch in batches for row in batch.results]
    assert streamed == [row.conversion_action.name for row in search(client, query)]
    assert list(batches[0].field_mask.paths) == ["conversion_action.id", "conversion_action.name"]


def test_it_reads_the_customer(client: Any) -> None:
    query = (
        "SELECT customer.id, customer.descriptive_name, customer.manager, "
        "customer.currency_code, customer.time_zone FROM customer"
    )

    client_row = search(client, query)[0].customer
    manager_row = search(client, query, customer_id=MANAGER)[0].customer

    assert (client_row.id, client_row.descriptive_name, client_row.manager) == (
        int(CLIENT),
        "Example Client",
        False,
    )
    assert (client_row.currency_code, client_row.time_zone) == ("USD", "America/New_York")
    assert (manager_row.id, manager_row.manager) == (int(MANAGER), True)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT conversion_action.nope FROM conversion_action", "UNRECOGNIZED_FIELD"),
        ("SELECT campaign.id FROM conversion_action", "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
        ("SELECT conversion_action.id FROM conversion_actions", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT conversion_action.id conversion_action", "EXPECTED_FROM"),
        ("conversion_action.id FROM conversion_action", "EXPECTED_SELECT"),
        (
            "SELECT customer.id FROM customer WHERE customer.descriptive_name = 'x",
            "STRING_NOT_TERMINATED",
        ),
        (
            "SELECT conversion_action.id FROM conversion_action "
            "WHERE conversion_action.status = 'NOPE'",
            "BAD_ENUM_CONSTANT",
        ),
        ("SELECT conversion_action.id FROM conversion_action LIMIT 0", "LIMIT_VALUE_TOO_LOW"),
        ("SELECT conversion_action.id, FROM conversion_action", "BAD_FIELD_NAME"),
        (
            "SELECT customer.id FROM customer WHERE customer.id = 1 OR customer.id = 2",
            "UNEXPECTED_INPUT",
        ),
        (
            "SELECT conversion_action.id FROM conversion_action ORDER conversion_action.id",
            "EXPECTED_BY",
        ),
    ],
)
def test_it_answers_a_query_error_for_a_bad_query(client: Any, query: str, code: str) -> None:
    with pytest.raises(GoogleAdsException) as caught:
        search(client, query)

    assert caught.value.error.code().name == "INVALID_ARGUMENT"
    assert error_codes(caught.value) == [("query_error", code)]


def test_search_stream_answers_a_query_error_as_a_google_ads_exception(client: Any) -> None:
    service = client.get_service("GoogleAdsService")

    with pytest.raises(GoogleAdsException) as caught:
        list(service.search_stream(customer_id=CLIENT, query="SELECT x.y FROM conversion_action"))

    assert error_codes(caught.value) == [("query_error", "UNRECOGNIZED_FIELD")]


def test_like_and_regexp_match_follow_gaql_wildcards(client: Any) -> None:
    create(client, "100% Sale [s9]", "A_b [s9]", "Axb [s9]")

    def names_for(condition: str) -> list[str]:
        query = (
            f"SELECT conversion_action.name FROM conversion_action WHERE conversion_action.name "
            f"{condition} ORDER BY conversion_action.name"
        )
        return [row.conversion_action.name for row in search(client, query)]

    assert names_for("LIKE '100[%]%'") == ["100% Sale [s9]"]
    assert names_for("LIKE 'A_b %'") == ["A_b [s9]", "Axb [s9]"]
    assert names_for("LIKE 'A[_]b%'") == ["A_b [s9]"]
    assert names_for("NOT LIKE 'A%'") == ["100% Sale [s9]"]
    assert names_for("REGEXP_MATCH '^A.b .*'") == ["A_b [s9]", "Axb [s9]"]
