"""GA4 Admin v1beta: the seeded account and property, new properties and web data streams."""

from __future__ import annotations

from google_emulator import seed

from .http_support import assert_schema, google_error

PROPERTY = "GoogleAnalyticsAdminV1betaProperty"
STREAM = "GoogleAnalyticsAdminV1betaDataStream"


def test_the_seeded_owner_sees_one_account_with_one_property(ga4):
    accounts = ga4.accounts().list().execute()["accounts"]
    assert [a["name"] for a in accounts] == [seed.GA4_ACCOUNT]
    assert_schema("ga4", "GoogleAnalyticsAdminV1betaAccount", accounts[0])

    props = ga4.properties().list(filter=f"parent:{seed.GA4_ACCOUNT}").execute()["properties"]

    assert [p["name"] for p in props] == [seed.GA4_PROPERTY]
    assert_schema("ga4", PROPERTY, props[0])
    assert ga4.properties().dataStreams().list(parent=seed.GA4_PROPERTY).execute() == {}


def test_listing_properties_needs_a_parent_filter(ga4):
    with google_error(400, "filter"):
        ga4.properties().list().execute()


def test_a_property_is_created_and_needs_its_required_fields(ga4):
    with google_error(400, "property.timeZone"):
        ga4.properties().create(
            body={"parent": seed.GA4_ACCOUNT, "displayName": "No time zone"}
        ).execute()
    with google_error(400, "property.industryCategory"):
        ga4.properties().create(
            body={"parent": seed.GA4_ACCOUNT, "displayName": "x", "timeZone": "Europe/Paris",
                  "industryCategory": "SPACE_TRAVEL"}
        ).execute()  # fmt: skip

    created = ga4.properties().create(
        body={"parent": seed.GA4_ACCOUNT, "displayName": "OneClickTag - Acme",
              "timeZone": "Europe/Paris", "currencyCode": "EUR"}
    ).execute()  # fmt: skip

    assert_schema("ga4", PROPERTY, created)
    assert created["name"].startswith("properties/")
    assert ga4.properties().get(name=created["name"]).execute() == created


def test_web_data_streams_get_unique_measurement_ids(ga4):
    streams = ga4.properties().dataStreams()
    body = {"type": "WEB_DATA_STREAM", "displayName": "acme.com",
            "webStreamData": {"defaultUri": "https://acme.com"}}  # fmt: skip

    first = streams.create(parent=seed.GA4_PROPERTY, body=body).execute()
    second = streams.create(parent=seed.GA4_PROPERTY, body=body).execute()

    assert_schema("ga4", STREAM, first)
    ids = {first["webStreamData"]["measurementId"], second["webStreamData"]["measurementId"]}
    assert len(ids) == 2
    assert all(i.startswith("G-") and len(i) == 12 for i in ids)
    assert streams.get(name=first["name"]).execute() == first
    listed = streams.list(parent=seed.GA4_PROPERTY).execute()["dataStreams"]
    assert [s["name"] for s in listed] == [first["name"], second["name"]]


def test_a_web_stream_without_web_data_or_with_an_unknown_field_is_refused(ga4):
    streams = ga4.properties().dataStreams()
    with google_error(400, "data_stream.webStreamData"):
        streams.create(
            parent=seed.GA4_PROPERTY, body={"type": "WEB_DATA_STREAM", "displayName": "x"}
        ).execute()
    with google_error(400, "data_stream.webStreamData.colour"):
        streams.create(
            parent=seed.GA4_PROPERTY,
            body={"type": "WEB_DATA_STREAM", "displayName": "x", "webStreamData": {"colour": 1}},
        ).execute()
