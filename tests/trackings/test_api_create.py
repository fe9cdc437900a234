from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import TRACKINGS, body, make_customer
from trackings.lifecycle import trackings_restore
from trackings.models import CustomerTrackingCount, Deployment, Tracking


def test_creating_queues_a_deployment_and_answers_202(alice):
    customer = make_customer(alice)

    response = alice.client.post(TRACKINGS, body(customer), format="json")

    assert response.status_code == 202, response.json()
    created = response.json()
    assert created["customer"] == str(customer.pk)
    assert created["status"] == "pending"
    assert created["health"] == "unchecked"
    assert created["ga4_event_name"] == "button_click"
    assert created["gtm"] == {
        "trigger_ids": [],
        "tag_ids": [],
        "variable_ids": [],
        "version_id": "",
    }
    assert created["version"] == 1
    deployment = Deployment.objects.get(customer=customer)
    assert created["deployment"]["id"] == str(deployment.pk)
    assert created["deployment"]["status"] == "queued"
    assert created["deployment"]["progress"] == {"done": 0, "total": 0}
    assert deployment.requested_tracking_ids == [created["id"]]


def test_the_serialized_tracking_has_every_documented_field(alice):
    customer = make_customer(alice)

    created = alice.client.post(TRACKINGS, body(customer), format="json").json()
    detail = alice.client.get(f"{TRACKINGS}{created['id']}/").json()

    assert set(detail) == {
        "id", "customer", "name", "type", "config", "destinations", "ga4_event_name",
        "ga4_parameters", "ads_conversion", "key_event", "ads_primary", "status", "health",
        "volume_status", "site_status", "site_check", "gtm", "last_error", "last_deployed_at",
        "version", "created_at", "updated_at",
    }  # fmt: skip
    assert set(detail["ads_conversion"]) == {"id", "label", "value", "currency", "category"}
    # Never site-checked yet: unknown, not a verdict.
    assert detail["site_status"] is None
    assert detail["site_check"] is None


def test_a_customer_without_a_google_connection_gets_no_deployment(alice):
    customer = make_customer(alice, connected=False)

    response = alice.client.post(TRACKINGS, body(customer), format="json")

    assert response.status_code == 201
    assert response.json()["deployment"] is None
    assert response.json()["status"] == "pending"
    assert not Deployment.objects.exists()


def test_a_second_tracking_joins_the_queued_deployment(alice):
    customer = make_customer(alice)

    first = alice.client.post(TRACKINGS, body(customer), format="json").json()
    second = alice.client.post(TRACKINGS, body(customer, name="Other"), format="json").json()

    assert first["deployment"]["id"] == second["deployment"]["id"]
    assert Deployment.objects.count() == 1


def test_ads_fields_are_stored_with_the_types_default_category(alice):
    customer = make_customer(alice)

    response = alice.client.post(
        TRACKINGS,
        body(
            customer,
            type="form_submit",
            config={"selector": "form#contact"},
            destinations=["ga4", "google_ads"],
            ads_conversion={"value": 12.5, "currency": "EUR"},
        ),
        format="json",
    )

    assert response.status_code == 202, response.json()
    ads = response.json()["ads_conversion"]
    assert ads == {
        "id": "",
        "label": "",
        "value": 12.5,
        "currency": "EUR",
        "category": "SUBMIT_LEAD_FORM",
    }
    tracking = Tracking.objects.get()
    assert tracking.ads_value == Decimal("12.50")
    assert tracking.ga4_event_name == "generate_lead"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "no_such_type"}, "type"),
        ({"config": {}}, "config.selector"),
        ({"config": {"selector": "a", "colour": "red"}}, "config.colour"),
        ({"config": {"selector": 5}}, "config.selector"),
        ({"destinations": ["google_ads", "facebook"]}, "destinations.1"),
        ({"destinations": []}, "destinations"),
        ({"type": "rage_click", "config": {}, "destinations": ["google_ads"]}, "destinations"),
        ({"ga4_event_name": "1st_click"}, "ga4_event_name"),
        ({"ga4_event_name": "x" * 41}, "ga4_event_name"),
        ({"ga4_event_name": "session_start"}, "ga4_event_name"),
        ({"ga4_event_name": "firebase_thing"}, "ga4_event_name"),
        ({"ga4_event_name": "page_view"}, "ga4_event_name"),
        ({"ga4_parameters": {"bad name": "x"}}, "ga4_parameters.bad name"),
        ({"ga4_parameters": {"ok": {"nested": 1}}}, "ga4_parameters.ok"),
        ({"ga4_parameters": {f"p{i}": "v" for i in range(26)}}, "ga4_parameters"),
        ({"destinations": ["ga4"], "ads_conversion": {"currency": "USD"}}, "ads_conversion"),
        (
            {"destinations": ["google_ads"], "ads_conversion": {"value": 5}},
            "ads_conversion.currency",
        ),
        (
            {"destinations": ["google_ads"], "ads_conversion": {"currency": "usd"}},
            "ads_conversion.currency",
        ),
        (
            {"destinations": ["google_ads"], "ads_conversion": {"category": "LOTS"}},
            "ads_conversion.category",
        ),
        (
            {"destinations": ["google_ads"], "ads_conversion": {"value": -1, "currency": "USD"}},
            "ads_conversion.value",
        ),
        ({"name": ""}, "name"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(alice, changes, field):
    customer = make_customer(alice)

    response = alice.client.post(TRACKINGS, body(customer, **changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"], response.json()
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()


def test_a_customer_id_that_is_no_uuid_is_a_validation_error(alice):
    response = alice.client.post(
        TRACKINGS, {**body(make_customer(alice)), "customer": "not-a-uuid"}, format="json"
    )

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]


def test_an_auto_collected_event_name_needs_an_explicit_yes(alice):
    customer = make_customer(alice)

    response = alice.client.post(
        TRACKINGS,
        body(customer, ga4_event_name="page_view", allow_auto_collected_event_name=True),
        format="json",
    )

    assert response.status_code == 202, response.json()
    assert response.json()["ga4_event_name"] == "page_view"


def test_custom_event_defaults_its_ga4_event_to_the_datalayer_event(alice):
    customer = make_customer(alice)

    ok = alice.client.post(
        TRACKINGS,
        body(customer, type="custom_event", config={"event": "quote_requested"}),
        format="json",
    )
    dotted = alice.client.post(
        TRACKINGS,
        body(customer, type="custom_event", config={"event": "quote.requested"}),
        format="json",
    )

    assert ok.json()["ga4_event_name"] == "quote_requested"
    # Checked as the compiler sends it (issue 13: the raw dataLayer name was validated).
    assert dotted.status_code == 202, dotted.json()
    assert dotted.json()["ga4_event_name"] == "quote_requested"
    for event in ("session-start", "page.view"):
        refused = alice.client.post(
            TRACKINGS, body(customer, type="custom_event", config={"event": event}), format="json"
        )
        assert refused.status_code == 400, event
        assert "ga4_event_name" in refused.json()["error"]["fields"]


def test_a_foreign_customer_is_not_found_on_the_field(alice, bob):
    bobs_customer = make_customer(bob)

    response = alice.client.post(TRACKINGS, body(bobs_customer), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"customer": ["Customer not found."]}
    assert not Tracking.objects.exists()


def test_it_refuses_a_tracking_beyond_the_customers_limit(alice):
    alice.organization.max_trackings_per_customer = 1
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)
    alice.client.post(TRACKINGS, body(customer), format="json")

    response = alice.client.post(TRACKINGS, body(customer), format="json")

    assert response.status_code == 400
    assert "limit of 1 trackings" in response.json()["error"]["fields"]["customer"][0]


def test_a_viewer_cannot_create_and_no_credentials_is_401(alice, anonymous_client):
    customer = make_customer(alice)

    viewer = alice.client_for(Role.VIEWER).post(TRACKINGS, body(customer), format="json")
    anonymous = anonymous_client.post(TRACKINGS, body(customer), format="json")

    assert (viewer.status_code, anonymous.status_code) == (403, 401)
    assert not Tracking.objects.exists()


def test_the_same_idempotency_key_twice_creates_one_tracking(alice):
    customer = make_customer(alice)

    first = alice.client.post(TRACKINGS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    again = alice.client.post(TRACKINGS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    other = alice.client.post(
        TRACKINGS, body(customer, name="Else"), format="json", HTTP_IDEMPOTENCY_KEY="t-1"
    )

    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 409)
    assert first.json() == again.json()
    assert Tracking.objects.count() == 1


def test_creating_leaves_an_audit_event(alice):
    customer = make_customer(alice)

    created = alice.client.post(TRACKINGS, body(customer), format="json").json()

    event = AuditEvent.objects.get(action="tracking.create")
    assert event.object_id == created["id"]
    assert event.actor_user == alice.owner
    assert (event.after or {})["config"] == {"selector": "button.buy-now"}


def test_nul_characters_are_refused_before_they_reach_the_database(alice):
    customer = make_customer(alice)

    in_config = alice.client.post(
        TRACKINGS, body(customer, config={"selector": "a\u0000b"}), format="json"
    )
    in_parameters = alice.client.post(
        TRACKINGS, body(customer, ga4_parameters={"label": "x\u0000"}), format="json"
    )

    assert in_config.status_code == 400
    assert "config.selector" in in_config.json()["error"]["fields"]
    assert in_parameters.status_code == 400
    assert "ga4_parameters.label" in in_parameters.json()["error"]["fields"]


def test_trackings_being_removed_do_not_count_against_the_limit(alice):
    alice.organization.max_trackings_per_customer = 1
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)
    first = alice.client.post(TRACKINGS, body(customer), format="json").json()
    alice.client.delete(f"{TRACKINGS}{first['id']}/")

    response = alice.client.post(TRACKINGS, body(customer, name="Replacement"), format="json")

    assert response.status_code == 202, response.json()


def _create_statements(client: Any, customer: Any, name: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(TRACKINGS, body(customer, name=name), format="json")
    assert response.status_code == 202, response.json()
    answered.append(response.json())
    return [q["sql"] for q in captured.captured_queries]


answered: list[dict[str, Any]] = []


def test_a_create_runs_a_fixed_set_of_statements_whatever_the_deployment_carries(alice):
    customer = make_customer(alice)
    first = _create_statements(alice.client, customer, "First")
    second = _create_statements(alice.client, customer, "Second")
    for n in range(28):
        alice.client.post(TRACKINGS, body(customer, name=f"T{n}"), format="json")
    thirtieth = _create_statements(alice.client, customer, "Thirtieth")

    # Joining the queued deployment: the user with their memberships; then in one
    # transaction the customer read, the tracking and its audit event inserted, and (the part
    # writers of one customer take in turn) the customer locked with the new tracking counted
    # into its kept trackings and into its container's stored size (one statement: far below
    # both limits nothing is counted or compiled), and the queued deployment locked with the
    # request added and all of them read back for the answer (one statement).
    assert len(second) == len(thirtieth) == 8, second
    # (In a test the request's transaction is a savepoint inside the test's.)
    verbs = {"SAVEPOINT": "BEGIN", "RELEASE": "COMMIT"}
    assert [verbs.get(sql.split()[0], sql.split()[0]) for sql in thirtieth] == [
        "SELECT",
        "BEGIN",
        "SELECT",
        "INSERT",
        "INSERT",
        "WITH",
        "WITH",
        "COMMIT",
    ]
    # The first write measures the whole container (no size is stored yet: one read of the
    # wanted trackings) and queues the deployment instead: created in a savepoint (a creator
    # racing it is joined instead), audited, and the answer reads its requested trackings. Its
    # kept trackings are counted too, and the count kept (nothing was known of them yet).
    assert len(first) == 18, "\n".join(q[:120] for q in first)
    # The answer still names every tracking the deployment carries, in the order they asked.
    carried = list(Tracking.objects.order_by("created_at").values_list("pk", flat=True))
    assert answered[-1]["deployment"]["requested_tracking_ids"] == [str(pk) for pk in carried]
    assert len(carried) == 31


def test_a_create_far_below_the_limit_counts_nothing_and_one_at_it_counts_exactly(alice):
    alice.organization.max_trackings_per_customer = 3
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)
    created = [
        alice.client.post(TRACKINGS, body(customer, name=f"T{n}"), format="json").json()
        for n in range(2)
    ]
    assert _kept_at_most(customer) == 2
    # Two removals leave the count high (an upper bound)...
    for tracking in created:
        assert alice.client.delete(f"{TRACKINGS}{tracking['id']}/").status_code in (202, 204)
    alice.client.post(TRACKINGS, body(customer, name="T2"), format="json")
    assert _kept_at_most(customer) == 3

    # ...until it passes the limit: then the trackings are counted (1 kept, the removing ones
    # do not count), the write goes through and the exact count is kept.
    with CaptureQueriesContext(connection) as captured:
        response = alice.client.post(TRACKINGS, body(customer, name="T3"), format="json")

    assert response.status_code == 202, response.json()
    assert any("COUNT(*)" in q["sql"] for q in captured.captured_queries)
    assert _kept_at_most(customer) == 2


def test_a_create_over_the_limit_is_refused_after_a_restore_brought_trackings_back(alice):
    alice.organization.max_trackings_per_customer = 2
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)
    for n in range(2):
        alice.client.post(TRACKINGS, body(customer, name=f"T{n}"), format="json")
    # Its trackings asked for a deployment: they are being removed from Google.
    assert alice.client.delete(f"/api/v1/customers/{customer.pk}/").status_code in (202, 204)
    assert set(Tracking.all_objects.filter(customer=customer).values_list("status", flat=True)) == {
        "removing"
    }
    restored = alice.client.post(f"/api/v1/customers/{customer.pk}/restore/")
    assert restored.status_code == 200, restored.json()
    # The restore brought both back without a create: what the count knew is forgotten.
    assert _kept_at_most(customer) is None
    assert Tracking.objects.filter(customer=customer).count() == 2

    response = alice.client.post(TRACKINGS, body(customer, name="One too many"), format="json")

    assert response.status_code == 400
    assert "limit of 2 trackings" in str(response.json())
    assert Tracking.objects.filter(customer=customer).count() == 2


def _kept_at_most(customer: Any) -> int | None:
    found = CustomerTrackingCount.objects.filter(customer=customer).first()
    return None if found is None else found.kept_at_most


def test_a_rollback_that_brings_trackings_back_forgets_the_count(alice):
    customer = make_customer(alice)
    alice.client.post(TRACKINGS, body(customer), format="json")
    assert _kept_at_most(customer) == 1

    trackings_restore(Tracking.all_objects.filter(customer=customer))

    assert _kept_at_most(customer) is None
