"""The GTM quota bucket: sliding window, Pacific day, fair turns; Redis and database alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.google.errors import GoogleQuotaExceeded
from integrations.google.quota import (
    gtm_quota_acquire,
    gtm_quota_release,
    gtm_quota_spend,
    quota_day,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "database"])
def bucket(request: Any, settings: Any) -> str:
    if request.param == "database":
        settings.REDIS_URL = None
    return str(request.param)


def _limits(settings: Any, per_window: int, window: float, per_day: int = 10_000) -> None:
    settings.GTM_QUOTA_PER_100S = per_window
    settings.GTM_QUOTA_WINDOW_SECONDS = window
    settings.GTM_QUOTA_PER_DAY = per_day


def _refusal(organization: str) -> GoogleQuotaExceeded:
    with pytest.raises(GoogleQuotaExceeded) as refused:
        gtm_quota_acquire(organization_id=organization)
    return refused.value


def test_it_grants_up_to_the_limit_then_says_when_to_retry(bucket: str, settings: Any) -> None:
    _limits(settings, per_window=3, window=100)
    for _ in range(3):
        gtm_quota_acquire(organization_id="org-a")
    refusal = _refusal("org-a")
    assert 99 < refusal.retry_after_seconds <= 100
    assert refusal.daily is False


def test_a_token_returns_when_the_window_slides(bucket: str, settings: Any) -> None:
    _limits(settings, per_window=2, window=0.5)
    gtm_quota_acquire(organization_id="org-a")
    gtm_quota_acquire(organization_id="org-a")
    refusal = _refusal("org-a")
    assert refusal.retry_after_seconds <= 0.5
    time.sleep(refusal.retry_after_seconds + 0.05)
    gtm_quota_acquire(organization_id="org-a")


def test_the_daily_count_refuses_until_pacific_midnight(bucket: str, settings: Any) -> None:
    _limits(settings, per_window=100, window=100, per_day=2)
    gtm_quota_acquire(organization_id="org-a")
    gtm_quota_acquire(organization_id="org-b")
    refusal = _refusal("org-c")
    assert refusal.daily is True
    _, seconds_to_midnight = quota_day()
    assert abs(refusal.retry_after_seconds - seconds_to_midnight) < 5


def test_the_quota_day_is_the_day_in_los_angeles() -> None:
    # 07:59 UTC on 23 November is 23:59 on the 22nd in Los Angeles (PST, UTC-8).
    day, seconds = quota_day(datetime(2026, 11, 23, 7, 59, tzinfo=UTC))
    assert day == "2026-11-22"
    assert seconds == 60


def test_the_next_token_goes_to_the_organization_served_least_recently(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=2, window=1.0)
    gtm_quota_acquire(organization_id="backlog")
    time.sleep(0.4)
    gtm_quota_acquire(organization_id="backlog")
    waiting = _refusal("single")  # registers its turn
    time.sleep(waiting.retry_after_seconds + 0.05)
    # One token is free again; the tenant with the backlog asks first, but it is not its turn.
    assert _refusal("backlog").retry_after_seconds > 0
    gtm_quota_acquire(organization_id="single")
    # Once served, the single call no longer holds a turn: the backlog goes on.
    time.sleep(_refusal("backlog").retry_after_seconds + 0.05)
    gtm_quota_acquire(organization_id="backlog")


def test_a_reservation_is_all_or_nothing_and_says_when_it_will_fit(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=5, window=2.0)
    gtm_quota_acquire(organization_id="org-a")
    time.sleep(0.5)
    gtm_quota_acquire(organization_id="org-a", count=2)
    time.sleep(0.5)
    with pytest.raises(GoogleQuotaExceeded) as refused:
        gtm_quota_acquire(organization_id="org-a", count=4)
    # Two are free; two more must leave the window: the oldest (0.5 s older) and then one of the
    # pair, so the four fit when the pair's grant is 2 s old, not when the oldest is.
    assert 1.3 < refused.value.retry_after_seconds <= 1.5
    # The refusal took nothing: two single calls still fit, a third does not.
    gtm_quota_acquire(organization_id="org-a")
    gtm_quota_acquire(organization_id="org-a")
    _refusal("org-a")


def test_unspent_reserved_tokens_go_back(bucket: str, settings: Any) -> None:
    _limits(settings, per_window=3, window=100, per_day=4)
    tokens = gtm_quota_acquire(organization_id="org-a", count=3)
    assert len(tokens) == 3
    _refusal("org-a")
    gtm_quota_release(tokens[:2])
    gtm_quota_acquire(organization_id="org-a")
    gtm_quota_acquire(organization_id="org-a")
    # Full window again, and the day counts only the three tokens spent, not the two returned.
    assert _refusal("org-a").daily is False


def test_a_reservation_larger_than_the_window_takes_the_whole_window(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=3, window=100)
    assert len(gtm_quota_acquire(organization_id="org-a", count=8)) == 3
    _refusal("org-a")


def test_a_reserved_call_counts_from_when_it_is_made(bucket: str, settings: Any) -> None:
    # Google counts a call when it is made: a token reserved early and spent later must stay in
    # the window until the call leaves Google's, or the next run would be refused by Google.
    _limits(settings, per_window=2, window=2.0)
    spent_later, _never_spent = gtm_quota_acquire(organization_id="org-a", count=2)
    # After the grant: its stamp is no later (a loaded machine may take a while to grant).
    reserved_at = time.monotonic()
    time.sleep(1.0)
    spent_at = time.monotonic()
    gtm_quota_spend(spent_later)
    time.sleep(max(0.0, reserved_at + 2.1 - time.monotonic()))

    gtm_quota_acquire(organization_id="org-a")  # the unspent token's place left with the window
    asked_at = time.monotonic()
    refusal = _refusal("org-a")  # the call made a second later still counts
    # Counted from the reservation it would be a second less: half a second of slack tells the
    # two apart and leaves room for a loaded machine's slow round trips.
    assert abs(refusal.retry_after_seconds - (spent_at + 2.0 - asked_at)) < 0.5


@pytest.fixture
def woken(monkeypatch: Any) -> list[list[str]]:
    """What the bucket hands to the wake (the trackings app's, in production), by release."""
    calls: list[list[str]] = []
    monkeypatch.setattr("integrations.google.quota._wake", calls.append)
    return calls


def test_a_waiting_reservation_holds_calls_back_from_other_tenants_single_calls(
    bucket: str, settings: Any
) -> None:
    # Issue 13: fair turns counted organizations, so a run needing 7 free calls never got them
    # while another tenant's poller took each call the moment it was free.
    _limits(settings, per_window=8, window=100)
    poller = gtm_quota_acquire(organization_id="poller", count=4)
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="victim", count=5, waiter="deployment-1")
    # Four calls are free, but the victim's five come first: the poller gets none of them.
    for _ in range(10):
        _refusal("poller")
    gtm_quota_release(poller[:2])  # six free: one more than the victim needs
    gtm_quota_acquire(organization_id="poller")
    _refusal("poller")
    victims = gtm_quota_acquire(organization_id="victim", count=5, waiter="deployment-1")
    assert len(victims) == 5
    # Served, the victim holds nothing back any more.
    gtm_quota_release(victims)
    assert len(gtm_quota_acquire(organization_id="poller", count=5)) == 5


def test_a_stream_of_single_calls_cannot_starve_a_reservation_as_the_window_slides(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=5, window=1.0)
    for _ in range(5):
        gtm_quota_acquire(organization_id="poller")
        time.sleep(0.05)
    with pytest.raises(GoogleQuotaExceeded) as refused:
        gtm_quota_acquire(organization_id="victim", count=3, waiter="deployment-1")
    retry_at = time.monotonic() + refused.value.retry_after_seconds
    # The poller asks every 10 ms; the calls leaving the window are the victim's.
    granted_to_poller = 0
    while time.monotonic() < retry_at + 0.05:
        try:
            gtm_quota_acquire(organization_id="poller")
            granted_to_poller += 1
        except GoogleQuotaExceeded:
            pass
        time.sleep(0.01)
    assert len(gtm_quota_acquire(organization_id="victim", count=3, waiter="deployment-1")) == 3
    # Only what the victim did not need went to the poller meanwhile (5 - 3 as the window slid).
    assert granted_to_poller <= 2


def test_waiters_are_served_fewest_calls_in_the_window_first(
    bucket: str, settings: Any, woken: list[list[str]]
) -> None:
    _limits(settings, per_window=6, window=100)
    heavy = gtm_quota_acquire(organization_id="heavy", count=3)
    light = gtm_quota_acquire(organization_id="light", count=1)
    filler = gtm_quota_acquire(organization_id="filler", count=2)
    # The heavy tenant asks first, the light one later; both need three.
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="heavy", count=3, waiter="heavy-run")
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="light", count=3, waiter="light-run")

    gtm_quota_release(filler + light)  # three free
    assert woken == [["light-run"]], "the tenant with fewer calls in the window goes first"
    # The heavy tenant cannot take them meanwhile, though it asked first.
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="heavy", count=3, waiter="heavy-run")
    gtm_quota_acquire(organization_id="light", count=3, waiter="light-run")
    gtm_quota_release(heavy)
    assert woken[-1] == ["heavy-run"]
    gtm_quota_acquire(organization_id="heavy", count=3, waiter="heavy-run")


def test_a_release_wakes_the_waiters_whose_calls_are_free_in_queue_order(
    bucket: str, settings: Any, woken: list[list[str]]
) -> None:
    _limits(settings, per_window=6, window=100)
    running = gtm_quota_acquire(organization_id="org-a", count=6)
    for name in ("org-b", "org-c", "org-d"):
        with pytest.raises(GoogleQuotaExceeded):
            gtm_quota_acquire(organization_id=name, count=3, waiter=f"{name}-run")

    gtm_quota_release([])  # a run that spent its whole reservation: nothing free, nobody woken
    assert woken == []
    gtm_quota_release(running[:4])  # four back: the first waiter's three fit, not the second's
    assert woken == [["org-b-run"]]
    gtm_quota_release(running[4:])  # six free: the first two waiters, in their order
    assert woken[-1] == ["org-b-run", "org-c-run"]


def test_a_run_under_way_passes_waiting_turns_for_its_extra_calls(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=4, window=100)
    gtm_quota_acquire(organization_id="org-a", count=2)
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="org-b", count=3, waiter="org-b-run")
    _refusal("org-a")  # a plain call waits behind the reservation
    # A call past a running deployment's reservation finishes work that would be repeated.
    gtm_quota_acquire(organization_id="org-a", priority=True)
    gtm_quota_acquire(organization_id="org-a", priority=True)
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="org-a", priority=True)  # the window still holds


def test_a_waiter_that_stops_asking_stops_holding_calls_back(bucket: str, settings: Any) -> None:
    _limits(settings, per_window=4, window=0.5)
    gtm_quota_acquire(organization_id="org-a", count=2)
    with pytest.raises(GoogleQuotaExceeded):
        gtm_quota_acquire(organization_id="gone", count=3, waiter="gone-run")
    _refusal("org-a")
    time.sleep(0.5 + 1.0 + 0.1)  # the window and the waiter's grace (at least a second)
    assert len(gtm_quota_acquire(organization_id="org-a", count=4)) == 4


def test_a_tenants_reads_hold_at_most_their_share_of_the_window(bucket: str, settings: Any) -> None:
    # Issue 13: a viewer polling every live-reading endpoint could hold the whole window.
    _limits(settings, per_window=10, window=100)
    settings.GTM_QUOTA_READ_PERCENT = 40
    gtm_quota_acquire(organization_id="poller", count=3, read=True)
    gtm_quota_acquire(organization_id="poller", read=True)
    with pytest.raises(GoogleQuotaExceeded) as refused:  # four of ten, though six are free
        gtm_quota_acquire(organization_id="poller", read=True)
    assert 99 < refused.value.retry_after_seconds <= 100
    # The rest is everybody else's: another tenant's reads, any tenant's deployments and other
    # calls (choosing a container).
    assert len(gtm_quota_acquire(organization_id="other", count=3, read=True)) == 3
    assert len(gtm_quota_acquire(organization_id="poller", count=2, waiter="poller-run")) == 2
    gtm_quota_acquire(organization_id="poller")


def test_a_tenants_share_comes_back_as_its_reads_leave_the_window(
    bucket: str, settings: Any
) -> None:
    _limits(settings, per_window=5, window=0.5)
    settings.GTM_QUOTA_READ_PERCENT = 40
    gtm_quota_acquire(organization_id="poller", count=2, read=True)
    with pytest.raises(GoogleQuotaExceeded) as refused:
        gtm_quota_acquire(organization_id="poller", read=True)
    time.sleep(refused.value.retry_after_seconds + 0.05)
    assert len(gtm_quota_acquire(organization_id="poller", count=2, read=True)) == 2
