"""Rate limits on the shared cache (Redis outside embedded mode).

Authenticated callers are limited per API key or per user; failed authentication is limited
per client address, much more strictly, so guessing keys or tokens is slow.

Counting is one atomic increment per request in a fixed window (DRF's own throttles read a
list, append and write it back: eight clients together passed 1,600 requests against 1,200 a
minute, issue 13). The client address is REMOTE_ADDR, or with `NUM_PROXIES` set the address the
last of those trusted proxies put in X-Forwarded-For (DRF's rule); a header sent by the client
itself is never believed. When the cache is down a throttle lets the request through and logs a
warning: a limit that fails closed would take the whole API down with Redis.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from oneclicktag.core.credentials import credential_id
from oneclicktag.core.infrastructure import CACHE_ERRORS

if TYPE_CHECKING:
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


# INCR, and EXPIRE when that increment made the key: one EVALSHA a request (redis-py loads
# the script again if the server forgot it). No client of its own: each call names one.
_COUNT = Script(
    None,  # type: ignore[arg-type]
    b"local n = redis.call('INCR', KEYS[1]) "
    b"if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    b"return n",
)


class WindowRateThrottle(SimpleRateThrottle):
    """`num_requests` per `duration`-second window, counted with the cache's atomic incr."""

    duration: int
    num_requests: int

    def _window(self) -> tuple[int, float]:
        now = self.timer()
        start = int(now // self.duration) * self.duration
        return start, start + self.duration - now

    def _window_key(self, key: str) -> tuple[str, float]:
        start, remaining = self._window()
        return f"{key}:{start}", remaining

    def count(self, key: str) -> int | None:
        """Count one more in the current window; the new count, or None without a cache."""
        window_key, _ = self._window_key(key)
        try:
            # DRF's throttles hold Django's `cache` proxy; the backend is caches["default"].
            backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
            if isinstance(backend, RedisCache):
                return self._count_in_redis(backend, window_key)
            self.cache.add(window_key, 0, timeout=self.duration + 1)
            try:
                return int(self.cache.incr(window_key))
            except ValueError:
                # The key expired between add and incr (the window just turned).
                self.cache.add(window_key, 1, timeout=self.duration + 1)
                return 1
        except CACHE_ERRORS as exc:
            logger.warning(
                "Throttle cache unavailable; not limiting",
                extra={"scope": self.scope, "error": type(exc).__name__},
            )
            return None

    def _count_in_redis(self, cache: RedisCache, window_key: str) -> int:
        """The same add-then-increment as one Redis command (the cache API's add and incr take
        three round trips): a script runs alone, so the expiry is never left unset. Django's
        Redis cache stores integers as they are, so `current` reads this count back."""
        key = cache.make_and_validate_key(window_key)
        client = cache._cache.get_client(key, write=True)
        return int(_COUNT(keys=[key], args=[self.duration + 1], client=client))

    def current(self, key: str) -> int | None:
        window_key, _ = self._window_key(key)
        try:
            return int(self.cache.get(window_key) or 0)
        except CACHE_ERRORS as exc:
            logger.warning(
                "Throttle cache unavailable; not limiting",
                extra={"scope": self.scope, "error": type(exc).__name__},
            )
            return None

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Counted already, with the authentication's own cache read (`get_counting`)?
        window_key, _ = self._window_key(self.key)
        counted = getattr(request, "rate_counts", {}).get(window_key)
        if counted is None:
            counted = self.count(self.key)
        return counted is None or counted <= self.num_requests

    def get_counting(self, request: Request, cache_key: str, ident: str) -> Any:
        """`cache.get(cache_key)`, and this request counted for `ident` (what `get_cache_key`
        will name it), in one Redis round trip; the count waits on the request for
        `allow_request`. Without Redis, or when the pipeline fails: the plain get, and the
        throttle counts later as usual."""
        backend = caches[DEFAULT_CACHE_ALIAS]
        if self.rate is None or not isinstance(backend, RedisCache):
            return default_cache.get(cache_key)
        window_key, _ = self._window_key(self.cache_format % {"scope": self.scope, "ident": ident})
        read, counted = (
            backend.make_and_validate_key(cache_key),
            backend.make_and_validate_key(window_key),
        )
        # Django's client and serializer, which django-stubs does not declare.
        cache_client: Any = backend._cache
        client = cache_client.get_client(read, write=True)
        try:
            pipe = client.pipeline(transaction=False)
            pipe.get(read)
            # INCR, and an expiry for the key that INCR just made (NX: none set yet), as
            # _COUNT does in a script; sent together, Redis runs them in order.
            pipe.incr(counted)
            pipe.expire(counted, self.duration + 1, nx=True)
            value, count, _ = pipe.execute()
        except CACHE_ERRORS as exc:
            logger.warning(
                "Throttle cache unavailable; not limiting",
                extra={"scope": self.scope, "error": type(exc).__name__},
            )
            return None
        request._request.rate_counts = {window_key: int(count)}  # type: ignore[attr-defined]
        return None if value is None else cache_client._serializer.loads(value)

    def wait(self) -> float | None:
        return max(1.0, self._window()[1])


class UserOrKeyRateThrottle(WindowRateThrottle):
    scope = "user"

    @staticmethod
    def api_key_ident(prefix: str, secret_hash: str) -> str:
        """An API key's name for its count: known from the request's header before the key
        is looked up (so authentication counts it with its cache read), and with part of the
        secret's hash, so a request with someone's prefix and a wrong secret is not counted
        against their key."""
        return f"key:{prefix}:{secret_hash[:16]}"

    def get_cache_key(self, request: Request, view: APIView | None) -> str | None:
        # The credential row (an API key) authentication put in `request.auth`.
        api_key: Any = request.auth if credential_id(request) is not None else None
        if api_key is not None:
            ident = self.api_key_ident(api_key.prefix, api_key.secret_hash)
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthFailureThrottle(WindowRateThrottle):
    """Counted by the authentication classes on every rejected credential. Only a credential
    that does not verify is ever refused for it: a guesser at someone's address (or behind the
    same proxy) must not lock that person's valid tokens and keys out."""

    scope = "auth_failure"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request: Request) -> float | None:
        """Seconds until this address may try again, or None when it is not blocked.
        Does not count a new failure."""
        key = self.get_cache_key(request, None)
        if key is None or self.rate is None:
            return None
        failures = self.current(key)
        if failures is None or failures < self.num_requests:
            return None
        return max(1.0, self._window()[1])

    def record_failure(self, request: Request) -> None:
        key = self.get_cache_key(request, None)
        if key is not None and self.rate is not None:
            self.count(key)
