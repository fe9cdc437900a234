from __future__ import annotations

from jsonschema import Draft202012Validator

URL = "/api/v1/tracking-types/"


def test_the_catalog_lists_every_type_with_its_schema(alice):
    response = alice.client.get(URL)

    assert response.status_code == 200
    types = response.json()["results"]
    assert len(types) == 52
    by_key = {t["key"]: t for t in types}
    click = by_key["button_click"]
    assert click["category"] == "interactions"
    assert click["destinations"] == ["ga4", "google_ads"]
    assert click["default_ga4_event"] == "button_click"
    assert click["ads_category"] == "DEFAULT"
    assert "selector" in click["config_schema"]["required"]
    for tracking_type in types:
        Draft202012Validator.check_schema(tracking_type["config_schema"])
        errors = Draft202012Validator(tracking_type["config_schema"]).iter_errors(
            tracking_type["example_config"]
        )
        assert not list(errors), tracking_type["key"]


def test_one_type_can_be_read_and_an_unknown_one_is_404(alice):
    assert alice.client.get(f"{URL}purchase/").json()["default_ga4_event"] == "purchase"
    assert alice.client.get(f"{URL}teleport/").status_code == 404


def test_the_catalog_needs_credentials(anonymous_client):
    assert anonymous_client.get(URL).status_code == 401
