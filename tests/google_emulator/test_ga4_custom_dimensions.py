"""GA4 custom dimensions (properties.customDimensions), validated on the discovery document: the
old emulator answered 501 to all of them."""

from __future__ import annotations

import pytest

from google_emulator import seed

from .http_support import assert_schema, google_error


def _dimensions(ga4):
    return ga4.properties().customDimensions()


def _body(**overrides):
    return {"parameterName": "plan", "displayName": "Plan", "scope": "EVENT", **overrides}


def test_create_list_get_patch_archive(ga4):
    dims = _dimensions(ga4)
    created = dims.create(
        parent=seed.GA4_PROPERTY, body=_body(description="Pricing plan")
    ).execute()
    assert_schema("ga4", "GoogleAnalyticsAdminV1betaCustomDimension", created)
    assert created["name"].startswith(f"{seed.GA4_PROPERTY}/customDimensions/")
    listed = dims.list(parent=seed.GA4_PROPERTY).execute()["customDimensions"]
    assert [d["parameterName"] for d in listed] == ["plan"]
    assert dims.get(name=created["name"]).execute() == created

    patched = dims.patch(
        name=created["name"], updateMask="displayName", body={"displayName": "Price plan"}
    ).execute()
    assert patched["displayName"] == "Price plan"
    with google_error(400, "update_mask"):
        dims.patch(
            name=created["name"], updateMask="parameterName", body={"parameterName": "x"}
        ).execute()

    dims.archive(name=created["name"], body={}).execute()
    assert dims.list(parent=seed.GA4_PROPERTY).execute() == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_body(parameterName=""), "custom_dimension.parameter_name"),
        (_body(parameterName="1plan"), "custom_dimension.parameter_name"),
        (_body(parameterName="u" * 25, scope="USER"), "custom_dimension.parameter_name"),
        (_body(displayName="Plan [beta]"), "custom_dimension.display_name"),
        (_body(displayName="P" * 83), "custom_dimension.display_name"),
        (_body(description="d" * 151), "custom_dimension.description"),
        (_body(scope="DIMENSION_SCOPE_UNSPECIFIED"), "custom_dimension.scope"),
        (_body(disallowAdsPersonalization=True), "custom_dimension.disallow_ads_personalization"),
        (_body(scope="GLOBAL"), "custom_dimension.scope"),
    ],
)
def test_invalid_dimensions_are_refused_naming_the_field(ga4, body, field):
    with google_error(400, field):
        _dimensions(ga4).create(parent=seed.GA4_PROPERTY, body=body).execute()
    assert _dimensions(ga4).list(parent=seed.GA4_PROPERTY).execute() == {}


def test_the_same_parameter_in_the_same_scope_is_refused_but_another_scope_is_fine(ga4):
    dims = _dimensions(ga4)
    dims.create(parent=seed.GA4_PROPERTY, body=_body()).execute()
    with google_error(409) as error:
        dims.create(parent=seed.GA4_PROPERTY, body=_body(displayName="Again")).execute()
    assert error["status"] == "ALREADY_EXISTS"
    dims.create(parent=seed.GA4_PROPERTY, body=_body(scope="USER")).execute()
