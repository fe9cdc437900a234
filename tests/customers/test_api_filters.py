from __future__ import annotations

URL = "/api/v1/customers/"


def names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_it_filters_by_status(alice, make_customer):
    make_customer(alice, name="Active")
    make_customer(alice, name="Paused", status="paused")

    assert names(alice.client.get(URL, {"status": "paused"})) == ["Paused"]


def test_an_unknown_status_is_a_validation_error(alice):
    response = alice.client.get(URL, {"status": "sleeping"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_the_tag_filter_matches_a_whole_tag_only(alice, make_customer):
    make_customer(alice, name="Retail", tags=["retail", "eu"])
    make_customer(alice, name="Retailer", tags=["retailer"])
    make_customer(alice, name="Untagged")

    assert names(alice.client.get(URL, {"tag": "retail"})) == ["Retail"]
    assert names(alice.client.get(URL, {"tag": "eu"})) == ["Retail"]
    assert names(alice.client.get(URL, {"tag": "reta"})) == []


def test_search_looks_at_name_slug_and_website(alice, make_customer):
    make_customer(alice, name="Acme", website_url="https://shop.example")
    make_customer(alice, name="Zeta", slug="zeta-acme-import")
    make_customer(alice, name="Omega", website_url="https://acme-omega.example")
    make_customer(alice, name="Other")

    assert names(alice.client.get(URL, {"search": "acme"})) == ["Acme", "Omega", "Zeta"]


def test_it_orders_by_name(alice, make_customer):
    for name in ("Beta", "Alpha", "Gamma"):
        make_customer(alice, name=name)

    rows = alice.client.get(URL, {"ordering": "name"}).json()["results"]

    assert [row["name"] for row in rows] == ["Alpha", "Beta", "Gamma"]


def test_a_deleted_flag_that_is_neither_true_nor_false_is_a_400(alice) -> None:
    response = alice.client.get("/api/v1/customers/", {"deleted": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["deleted"]
    assert alice.client.get("/api/v1/customers/", {"deleted": "false"}).status_code == 200
