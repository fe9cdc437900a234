"""`all_objects` means every row for UPDATEs as for SELECTs.

The installed django-safedelete narrows a bulk `update()` through an all-rows manager to live
rows unless visibility is forced; before the fix, writes to removed trackings through
`Tracking.all_objects` (a failed deployment's error on trackings being removed, the Ads ids of
removed trackings, bringing trackings back with their customer) silently changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import make_tracking
from trackings.models import Tracking

pytestmark = pytest.mark.django_db


def test_all_objects_updates_deleted_rows_and_objects_never_does(alice: Any) -> None:
    customer = make_customer(alice)
    tracking = make_tracking(customer)
    Tracking.objects.filter(pk=tracking.pk).delete()
    assert not Tracking.objects.filter(pk=tracking.pk).exists()

    assert Tracking.objects.filter(pk=tracking.pk).update(last_error="hidden") == 0
    assert Tracking.all_objects.filter(pk=tracking.pk).update(last_error="written") == 1
    assert Tracking.deleted_objects.filter(pk=tracking.pk).update(name="Removed one") == 1
    row = Tracking.all_objects.get(pk=tracking.pk)
    assert (row.last_error, row.name) == ("written", "Removed one")
    # Still deleted: only the named fields changed.
    assert Tracking.deleted_objects.filter(pk=tracking.pk).exists()


def test_the_tenant_scope_still_applies_to_every_row(alice: Any, bob: Any) -> None:
    alices, bobs = make_customer(alice), make_customer(bob)
    Customer.objects.filter(pk__in=[alices.pk, bobs.pk]).delete()
    updated = Customer.all_objects.for_organization(alice.organization).update(name="Renamed")
    assert updated == 1
    assert Customer.all_objects.get(pk=bobs.pk).name != "Renamed"
    # Live rows only through `objects`, deleted only through `deleted_objects`.
    assert Customer.objects.for_organization(alice.organization).update(name="x") == 0
    assert Customer.deleted_objects.filter(pk=bobs.pk).update(name="Gone") == 1
