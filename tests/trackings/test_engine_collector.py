"""A deployment holds Python's cyclic collector off while it runs (trackings/engine/collector.py)
and gives it back as it found it, however runs nest or overlap."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from trackings.engine.collector import collector_held


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_it_is_off_during_a_run_and_on_again_after(collector_on: None) -> None:
    with collector_held():
        assert not gc.isenabled()
        with collector_held():
            assert not gc.isenabled()
        # The inner run ended; the outer one still runs.
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_stays_off_after_a_run_when_it_was_off_before(collector_on: None) -> None:
    gc.disable()
    with collector_held():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_runs_on_threads_turn_it_on_only_when_the_last_one_ends(
    collector_on: None,
) -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_held():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector_held():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen == [False]
    assert gc.isenabled()
