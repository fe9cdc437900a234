"""Validate at the door: a `{{…}}` reference GTM would refuse is a 400 naming the field at
create, update and bulk — not a compile failure minutes later."""

from __future__ import annotations

from typing import Any

import pytest

from tests.trackings.api_support import TRACKINGS, body, create, make_customer
from trackings.models import Deployment, Tracking

pytestmark = pytest.mark.django_db


def test_an_unknown_variable_reference_is_refused_naming_the_field(alice: Any) -> None:
    customer = make_customer(alice)
    response = alice.client.post(
        TRACKINGS,
        body(customer, ga4_parameters={"plan": "{{No Such Variable}}", "text": "{{Click Text}}"}),
        format="json",
    )

    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["ga4_parameters.plan"]
    assert "{{No Such Variable}}" in fields["ga4_parameters.plan"][0]
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()


def test_built_in_variables_and_update_and_bulk(alice: Any) -> None:
    customer = make_customer(alice)
    created = create(alice, customer, ga4_parameters={"link": "{{Click URL}} on {{Page Path}}"})

    patched = alice.client.patch(
        f"{TRACKINGS}{created['id']}/",
        {"config": {"selector": "{{Missing}}"}, "version": created["version"]},
        format="json",
    )
    assert patched.status_code == 400, patched.content
    assert "config.selector" in patched.json()["error"]["fields"]

    bulk = alice.client.post(
        f"{TRACKINGS}bulk/",
        {
            "trackings": [
                body(customer, name="Fine"),
                body(customer, name="Broken", ga4_parameters={"x": "{{Nope}}"}),
            ]
        },
        format="json",
    )
    assert bulk.status_code == 400, bulk.content
    assert "1" in str(bulk.json()["error"])
    assert "ga4_parameters.x" in str(bulk.json()["error"])
    assert Tracking.objects.count() == 1
