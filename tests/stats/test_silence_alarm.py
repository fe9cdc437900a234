"""The silence alarm: a robust baseline, one `tracking.silent` per episode, recovery, learning,
the likely cause, and the `volume_status` filter."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from stats.services import customer_volumes_judge, volume_judge
from tenants.models import AuditEvent, Membership
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import make_tracking
from tests.fixtures.webhooks import make_endpoint
from trackings.models import Deployment, DeploymentKind, DeploymentStatus, TrackingStatus
from webhooks.models import WebhookDelivery

from .stats_support import days_ago, seed_ga4


def silent_events(tracking: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            organization_id=tracking.organization_id,
            action="tracking.silent",
            object_id=str(tracking.pk),
        )
    )


def judge_days(customer: Any, first: int, last: int) -> list[str]:
    """Judge each day from `first` days ago to `last` days ago, in order, like nightly runs."""
    statuses: list[str] = []
    for n in range(first, last - 1, -1):
        judged = customer_volumes_judge(customer=customer, day=days_ago(n))
        statuses.extend(judged.values())
    return statuses


@pytest.fixture
def live(alice: Any) -> Any:
    customer = make_customer(alice)
    return make_tracking(customer, ga4_event_name="purchase", status=TrackingStatus.LIVE)


def test_a_drop_to_zero_raises_exactly_one_silent_event_and_clears_on_recovery(
    alice: Any, bob: Any, live: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, _ = make_endpoint(
        alice, "https://hooks.example.com/oct", ["tracking.silent", "tracking.volume_recovered"]
    )
    make_endpoint(bob, "https://hooks.example.com/bob", ["tracking.silent"])
    admin = alice.user_for("admin")
    alice.user_for("member")
    # 40 days of 20 ± a little, then three silent days, then traffic again.
    history = {days_ago(n): 18 + n % 5 for n in range(40, 4, -1)}
    history |= {days_ago(4): 0, days_ago(3): 0, days_ago(2): 0, days_ago(1): 21}
    seed_ga4(live, history)

    with django_capture_on_commit_callbacks(execute=True):
        statuses = judge_days(live.customer, first=10, last=1)

    assert statuses == ["normal"] * 6 + ["silent"] * 3 + ["normal"]
    events = silent_events(live)
    assert len(events) == 1
    payload = events[0].after or {}
    assert payload["silent_since"] == days_ago(4).isoformat()
    assert payload["baseline"] == "20.00"
    live.volume.refresh_from_db()
    assert (live.volume.status, live.volume.silent_since) == ("normal", None)
    recovered = AuditEvent.objects.filter(action="tracking.volume_recovered")
    assert recovered.count() == 1
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("created_at")
    assert [d.event for d in deliveries] == ["tracking.silent", "tracking.volume_recovered"]
    assert deliveries[0].payload["data"]["tracking"]["id"] == str(live.pk)
    assert not WebhookDelivery.objects.filter(organization=bob.organization).exists()
    # One message per owner or admin (nobody learns who else is one); the member gets none.
    assert sorted(to for m in mailoutbox for to in m.to) == sorted([alice.owner.email, admin.email])
    assert all(len(m.to) == 1 and live.name in m.subject for m in mailoutbox)


def test_an_admin_who_opted_out_of_alerts_gets_no_silence_email(
    alice: Any, live: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = alice.user_for("admin")
    Membership.objects.filter(organization=alice.organization, user=alice.owner).update(
        email_alerts=False
    )
    seed_ga4(live, {days_ago(n): 30 for n in range(30, 1, -1)} | {days_ago(1): 0})

    with django_capture_on_commit_callbacks(execute=True):
        customer_volumes_judge(customer=live.customer, day=days_ago(1))

    assert len(silent_events(live)) == 1, "the alarm itself still fires"
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_judging_the_same_silent_day_again_does_not_fire_twice(alice: Any, live: Any) -> None:
    seed_ga4(live, {days_ago(n): 30 for n in range(30, 1, -1)} | {days_ago(1): 0})

    customer_volumes_judge(customer=live.customer, day=days_ago(1))
    customer_volumes_judge(customer=live.customer, day=days_ago(1))
    customer_volumes_judge(customer=live.customer, day=days_ago(2))  # an old, late retry

    assert len(silent_events(live)) == 1
    live.volume.refresh_from_db()
    assert live.volume.status == "silent"


def test_three_days_of_history_stay_learning(alice: Any, live: Any) -> None:
    seed_ga4(live, {days_ago(3): 40, days_ago(2): 35, days_ago(1): 0})

    assert judge_days(live.customer, first=3, last=1) == ["learning"] * 3
    assert silent_events(live) == []


def test_a_deployment_right_before_the_silence_is_named_as_its_likely_cause(
    alice: Any, live: Any
) -> None:
    seed_ga4(live, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})
    finished = timezone.make_aware(datetime.combine(days_ago(2), time(22, 15)))
    deployment = Deployment.objects.create(
        organization_id=live.organization_id,
        customer=live.customer,
        kind=DeploymentKind.DEPLOY,
        status=DeploymentStatus.SUCCEEDED,
        gtm_version_id="17",
        finished_at=finished,
    )
    Deployment.objects.create(  # an older one is not the cause
        organization_id=live.organization_id,
        customer=live.customer,
        kind=DeploymentKind.DEPLOY,
        status=DeploymentStatus.SUCCEEDED,
        gtm_version_id="16",
        finished_at=finished - timedelta(days=5),
    )

    customer_volumes_judge(customer=live.customer, day=days_ago(1))

    cause = (silent_events(live)[0].after or {})["likely_cause"]
    assert cause["deployment"] == str(deployment.pk)
    assert cause["gtm_version_id"] == "17"


def test_a_drop_below_the_fraction_is_low_and_small_volumes_are_not_judged() -> None:
    from decimal import Decimal

    usual = [Decimal(20)] * 28
    assert volume_judge(history=usual, count=Decimal(5)).status == "low"
    assert volume_judge(history=usual, count=Decimal(7)).status == "normal"
    # One odd day in the history barely moves a median.
    spiky = [*usual[:-1], Decimal(5000)]
    assert volume_judge(history=spiky, count=Decimal(0)).baseline == Decimal("20.00")
    quiet = [Decimal(2)] * 28
    assert volume_judge(history=quiet, count=Decimal(0)).status == "normal"


def test_trackings_that_are_not_live_are_not_judged(alice: Any) -> None:
    customer = make_customer(alice)
    pending = make_tracking(customer, ga4_event_name="purchase")
    seed_ga4(pending, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})

    assert customer_volumes_judge(customer=customer, day=days_ago(1)) == {}


def test_the_list_shows_and_filters_volume_status_and_stays_within_the_tenant(
    alice: Any, bob: Any, live: Any
) -> None:
    seed_ga4(live, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})
    quiet = make_tracking(live.customer, ga4_event_name="sign_up", status=TrackingStatus.LIVE)
    customer_volumes_judge(customer=live.customer, day=days_ago(1))
    bobs = make_tracking(make_customer(bob), ga4_event_name="purchase", status=TrackingStatus.LIVE)
    seed_ga4(bobs, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})
    customer_volumes_judge(customer=bobs.customer, day=days_ago(1))

    silent = alice.client.get("/api/v1/trackings/", {"volume_status": "silent"}).json()
    learning = alice.client.get("/api/v1/trackings/", {"volume_status": "learning"}).json()
    detail = alice.client.get(f"/api/v1/trackings/{live.pk}/").json()
    bad = alice.client.get("/api/v1/trackings/", {"volume_status": "asleep"})

    assert [t["id"] for t in silent["results"]] == [str(live.pk)]
    assert [t["id"] for t in learning["results"]] == [str(quiet.pk)]
    assert detail["volume_status"] == "silent"
    assert bad.status_code == 400
    assert "volume_status" in bad.json()["error"]["fields"]
