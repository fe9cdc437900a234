"""The Redis cache keeps one client per server instead of building one per call."""

from __future__ import annotations

from django.core.cache import caches

from oneclicktag.core.cache import ReusingRedisCache


def test_every_call_goes_through_one_client() -> None:
    cache = caches["default"]
    assert isinstance(cache, ReusingRedisCache)
    client = cache._cache.get_client(write=True)

    cache.set("reuse-check", {"n": 1}, 30)
    assert cache.get("reuse-check") == {"n": 1}
    cache.add("reuse-counter", 0, 30)
    assert cache.incr("reuse-counter") == 1

    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client
    cache.delete_many(["reuse-check", "reuse-counter"])
