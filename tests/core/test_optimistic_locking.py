"""Two writers who read the same version: exactly one wins, the other gets StaleVersion."""

import threading

import pytest
from django.db import connection

from oneclicktag.core.exceptions import StaleVersion
from tenants.actors import Actor
from tenants.models import Organization
from tenants.services import organization_update


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_renames_of_the_same_version_cannot_both_win() -> None:
    from tests.fixtures.tenants import _make_tenant

    tenant = _make_tenant("lock")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def rename(name: str) -> None:
        organization = Organization.objects.get(pk=tenant.organization.pk)
        barrier.wait()
        try:
            organization_update(
                organization=organization,
                actor=Actor(user=tenant.owner),
                expected_version=1,
                name=name,
            )
            outcomes.append(f"won:{name}")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=rename, args=(name,)) for name in ("Left", "Right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["stale", "won"]
    winner = next(o.split(":")[1] for o in outcomes if o.startswith("won"))
    organization = Organization.objects.get(pk=tenant.organization.pk)
    assert (organization.name, organization.version) == (winner, 2)


def test_a_stale_version_raises_before_anything_is_written(alice) -> None:
    organization = Organization.objects.get(pk=alice.organization.pk)
    Organization.objects.filter(pk=organization.pk).update(version=5)
    with pytest.raises(StaleVersion):
        organization_update(
            organization=organization,
            actor=Actor(user=alice.owner),
            expected_version=1,
            name="Never",
        )
    assert Organization.objects.get(pk=organization.pk).name == "Alice Agency"
