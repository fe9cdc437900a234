"""Django's Redis cache, with one Redis client per server instead of one per cache call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` on every operation; building
one fills its response-callback table (about 170 entries), which cost more CPU than the round
trip on the hot API paths (the cached API-key lookup and the throttle count, two per request).
A `redis.Redis` holds no per-call state and takes its connections from the pool, so one per
pool serves every call (redis-py documents the client as thread-safe).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers, which django-stubs does not declare.
        base: Any = self
        index = base._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in base._pools:
                base._pools[index] = base._pool_class.from_url(
                    base._servers[index], **base._pool_options
                )
            client = self._clients[index] = base._client(connection_pool=base._pools[index])
        return client


class ReusingRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` on `ReusingRedisCacheClient`."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
