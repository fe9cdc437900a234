"""The hand-written reads of the write paths (oneclicktag.core.rows) build what the ORM builds."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.selectors import customers_by_ids
from oneclicktag.core.rows import COPY_FROM_ROWS, uses_postgresql
from tenants.actors import Actor
from tests.fixtures.trackings import make_tracking
from tests.trackings.api_support import make_customer
from trackings.models import Deployment, DeploymentKind, TrackingStatus
from trackings.selectors import tracking_counts_by_customer
from trackings.services.deployments import _join_queued, deployment_enqueue


def _values(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_these_reads_run_on_postgresql_here() -> None:
    # Otherwise the comparisons below would compare the ORM with itself.
    assert uses_postgresql()


def test_customers_read_as_the_orm_reads_them(alice: Any, bob: Any) -> None:
    connected = make_customer(alice, name="Connected")
    Customer.objects.filter(pk=connected.pk).update(tags=["vip", {"k": [1, None]}])
    alone = make_customer(alice, connected=False, name="Alone")
    gone = make_customer(alice, name="Gone")
    gone.delete()
    theirs = make_customer(bob, name="Theirs")
    asked = [connected.pk, str(alone.pk), gone.pk, theirs.pk, "not-a-uuid", uuid.uuid4()]

    with transaction.atomic():
        found = customers_by_ids(organization=alice.organization, ids=asked)

    assert list(found) == sorted([connected.pk, alone.pk])
    for pk, customer in found.items():
        orm = Customer.objects.select_related("google_connection").get(pk=pk)
        assert _values(customer) == _values(orm)
        assert customer._state.adding is False
        assert customer._state.db == "default"
        assert customer.organization is alice.organization
    assert found[connected.pk].tags == ["vip", {"k": [1, None]}]
    google = found[connected.pk].google_connection
    assert _values(google) == _values(Customer.objects.get(pk=connected.pk).google_connection)
    assert google.customer is found[connected.pk]
    # No connection reads as select_related leaves it: absent, without a query.
    assert getattr(found[alone.pk], "google_connection", None) is None


def test_counts_read_as_the_orm_counts(alice: Any, bob: Any) -> None:
    mine, other = make_customer(alice), make_customer(alice, name="Other")
    for status in (TrackingStatus.PENDING, TrackingStatus.LIVE, TrackingStatus.DRAFT):
        make_tracking(mine, status=status)
    make_tracking(mine, status=TrackingStatus.REMOVING)
    make_tracking(mine, status=TrackingStatus.REMOVED)
    make_tracking(mine).delete()
    make_tracking(other)
    make_tracking(make_customer(bob))

    counts = tracking_counts_by_customer(
        organization=alice.organization, customer_ids=[mine.pk, other.pk]
    )

    assert counts == {mine.pk: 3, other.pk: 1}


def test_the_queued_deployment_reads_as_the_orm_reads_it(alice: Any) -> None:
    customer = make_customer(alice)
    actor = Actor(user=alice.owner)
    assert _join_queued(customer, kind=DeploymentKind.DEPLOY, tracking_ids=[]) is None
    Deployment.objects.create(
        organization=alice.organization,
        customer=customer,
        kind=DeploymentKind.ROLLBACK,
        target_gtm_version_id="3",
    )
    # A queued rollback is not joined.
    assert _join_queued(customer, kind=DeploymentKind.DEPLOY, tracking_ids=[]) is None

    queued = deployment_enqueue(customer=customer, actor=actor)
    Deployment.objects.filter(pk=queued.pk).update(plan={"gtm": [{"a": 1}]}, google_calls={"x": 1})

    with transaction.atomic():
        read = _join_queued(customer, kind=DeploymentKind.DEPLOY, tracking_ids=[])
    assert read is not None
    assert _values(read) == _values(Deployment.objects.get(pk=queued.pk))
    assert read.plan == {"gtm": [{"a": 1}]}


@pytest.mark.parametrize("count", [1, 12])
def test_an_insert_stores_what_bulk_create_stores(alice: Any, count: int) -> None:
    from oneclicktag.core.rows import insert
    from trackings.models import Tracking

    customer = make_customer(alice)

    def new(name: str) -> Tracking:
        return Tracking(
            organization_id=alice.organization.pk,
            customer=customer,
            created_by=alice.owner,
            name=name,
            type="purchase",
            config={"source": "datalayer", "nested": {"a": [1, None, "x"]}},
            destinations=["ga4", "google_ads"],
            ga4_parameters={"value": 1.5},
            ads_value=Decimal("12.50"),
            ads_currency="EUR",
        )

    mine = [new(f"Mine {n}") for n in range(count)]
    theirs = [new(f"Theirs {n}") for n in range(count)]
    with CaptureQueriesContext(connection) as captured:
        insert(mine)  # 12 rows go as one COPY, one as an INSERT
    Tracking.objects.bulk_create(theirs)

    assert len(captured) == 1
    assert captured[0]["sql"].split()[0] == ("COPY" if count >= COPY_FROM_ROWS else "INSERT")
    assert all(obj._state.adding is False for obj in mine)
    skip = {"id", "name", "created_at", "updated_at"}
    for a, b in zip(mine, theirs, strict=True):
        stored, expected = Tracking.objects.get(pk=a.pk), Tracking.objects.get(pk=b.pk)
        assert {k: v for k, v in _values(stored).items() if k not in skip} == {
            k: v for k, v in _values(expected).items() if k not in skip
        }
        assert stored.created_at == a.created_at
        assert stored.updated_at == a.updated_at


def test_each_row_gets_its_own_value(alice: Any) -> None:
    from customers.models import GoogleConnection
    from oneclicktag.core.rows import update_each

    first, second, third = (make_customer(alice, name=n) for n in ("A", "B", "C"))
    connections = [c.google_connection for c in (first, second, third)]

    update_each(
        GoogleConnection, "gtm_our_size_bytes", {connections[0].pk: 10, connections[1].pk: 20}
    )

    sizes = dict(GoogleConnection.objects.values_list("pk", "gtm_our_size_bytes"))
    assert [sizes[c.pk] for c in connections] == [10, 20, connections[2].gtm_our_size_bytes]


def test_new_instances_are_what_keyword_construction_builds(alice: Any) -> None:
    from oneclicktag.core.rows import new_instances
    from trackings.models import Tracking

    customer = make_customer(alice)
    given = {
        "organization_id": alice.organization.pk,
        "customer_id": customer.pk,
        "name": "Buy",
        "type": "button_click",
        "config": {"selector": "#buy"},
    }
    (built,) = new_instances(Tracking, [given])
    expected = Tracking(**given)

    assert built._state.adding
    assert built._state.db is None
    # Every field at its default (a new key, new containers) where not given.
    assert {k: v for k, v in _values(built).items() if k != "id"} == {
        k: v for k, v in _values(expected).items() if k != "id"
    }
    assert built.id != expected.id
    assert built.destinations == []
    assert built.destinations is not expected.destinations
    assert built.__dict__.keys() == expected.__dict__.keys()
    assert built.customer == customer  # the foreign key's id reads its object


def test_new_instances_go_through_init_when_something_would_see_it(alice: Any) -> None:
    from django.db.models.signals import post_init

    from oneclicktag.core.rows import _built_plainly, new_instances
    from tenants.models import AuditEvent
    from trackings.models import Tracking

    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    assert _built_plainly(Tracking)
    assert _built_plainly(AuditEvent)
    post_init.connect(receiver, sender=Tracking)
    try:
        assert not _built_plainly(Tracking)
        (built,) = new_instances(Tracking, [{"name": "Seen", "type": "button_click"}])
    finally:
        post_init.disconnect(receiver, sender=Tracking)
    assert seen == [built]


# JSON values that json.dumps and orjson could write differently: non-text keys, text past
# ASCII and the separators, a float's exponent, an integer beyond 64 bits (orjson refuses it:
# json.dumps writes it), scalars and empty containers.
_JSON_VALUES: list[Any] = [
    {"keys": {1: "one", 2.5: "two and a half", False: "no", None: "none"}},
    {"text": 'Café ✓ 日本 line\u2028end "quoted" \\ \t'},
    {"small": 1e-7, "large": 1.5e300, "negative": -0.0, "int": 2**63 - 1},
    {"beyond 64 bits": 2**70},
    [[], {}, [None, True, False]],
    "text",
    0,
]


@pytest.mark.parametrize("count", [1, 12])
def test_json_is_stored_as_bulk_create_stores_it(alice: Any, count: int) -> None:
    from oneclicktag.core.rows import insert
    from trackings.models import Tracking

    customer = make_customer(alice)

    def new(config: Any) -> Tracking:
        return Tracking(
            organization_id=alice.organization.pk,
            customer=customer,
            name="JSON",
            type="button_click",
            config=config,
        )

    for value in _JSON_VALUES:
        mine = [new(value) for _ in range(count)]
        theirs = [new(value) for _ in range(count)]
        insert(mine)
        Tracking.objects.bulk_create(theirs)
        stored = Tracking.objects.filter(pk__in=[t.pk for t in mine + theirs])
        assert {repr(t.config) for t in stored} == {
            repr(Tracking.objects.get(pk=theirs[0].pk).config)
        }


def test_json_that_django_cannot_write_is_an_error_still(alice: Any) -> None:
    import datetime

    from oneclicktag.core.rows import insert
    from trackings.models import Tracking

    customer = make_customer(alice)
    tracking = Tracking(
        organization_id=alice.organization.pk,
        customer=customer,
        name="JSON",
        type="button_click",
        config={"at": datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)},
    )
    with pytest.raises(TypeError, match="not JSON serializable"), transaction.atomic():
        insert([tracking])
