"""The GTM quota: one token bucket per Google Cloud project, shared by every worker process.

Google allows `GTM_QUOTA_PER_100S` calls in any sliding 100 s window and `GTM_QUOTA_PER_DAY` per day
(the day resets at midnight America/Los_Angeles), for all tenants together. A caller either gets a
token now or `GoogleQuotaExceeded` with the seconds until one can be had: workers never sleep here;
the task reschedules itself with that countdown.

A run that must not stop halfway (a deployment) reserves its whole budget at once
(`count`): it starts only when that many calls are free, so it never spends quota on reads it
would have to repeat after a refusal; what it did not spend goes back (`gtm_quota_release`).
A reserved token is stamped again when its call is made (`gtm_quota_spend`), because that is
when Google counts it.

Fair turns: an organization refused a token registers as waiting. When tokens are scarce, a token
goes to the waiting organization served least recently, so a tenant with a large backlog cannot
starve another tenant's single call. Waiters that stop asking expire after a window.

With Redis (production, tests) the whole decision is one Lua script, atomic across processes.
Without Redis (embedded mode) the same algorithm runs on a database row locked with
select_for_update (SQLite serialises writers anyway).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import transaction

from integrations.google.errors import GoogleQuotaExceeded
from oneclicktag.core.metrics import QUOTA_WAIT_SECONDS, QUOTA_WAITS

GOOGLE_QUOTA_TIMEZONE = ZoneInfo("America/Los_Angeles")
DEFAULT_WINDOW_SECONDS = 100.0


@dataclass(frozen=True)
class QuotaLimits:
    project: str
    per_window: int
    window_seconds: float
    per_day: int

    @property
    def waiter_ttl_seconds(self) -> float:
        # A refused caller comes back within one window at most (its retry_after); after that
        # it is presumed gone and stops holding a turn.
        return self.window_seconds + max(1.0, self.window_seconds / 10)


def quota_limits() -> QuotaLimits:
    return QuotaLimits(
        project=str(settings.GOOGLE_CLOUD_PROJECT),
        per_window=int(settings.GTM_QUOTA_PER_100S),
        # Tests shrink the window (and scale the limit with it); production keeps Google's 100 s.
        window_seconds=float(getattr(settings, "GTM_QUOTA_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)),
        per_day=int(settings.GTM_QUOTA_PER_DAY),
    )


def quota_day(now: datetime | None = None) -> tuple[str, float]:
    """Google's quota day (Pacific) and the seconds until it resets."""
    local = (now or datetime.now(GOOGLE_QUOTA_TIMEZONE)).astimezone(GOOGLE_QUOTA_TIMEZONE)
    midnight = datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), GOOGLE_QUOTA_TIMEZONE
    )
    return local.date().isoformat(), max(1.0, (midnight - local).total_seconds())


def gtm_quota_acquire(*, organization_id: str, count: int = 1) -> list[str]:
    """Take `count` GTM call tokens for `organization_id` (all or none), or raise
    `GoogleQuotaExceeded` at once with the seconds until that many can be had. Returns the
    tokens' ids, for `gtm_quota_release`."""
    limits = quota_limits()
    # More than a window holds could never be granted together.
    count = max(1, min(count, limits.per_window))
    day, seconds_to_reset = quota_day()
    if settings.REDIS_URL:
        granted, retry_after, reason, tokens = _acquire_redis(
            limits, organization_id, count, day, seconds_to_reset
        )
    else:
        granted, retry_after, reason, tokens = _acquire_database(
            limits, organization_id, count, day, seconds_to_reset
        )
    if granted:
        return tokens
    daily = reason == "daily"
    QUOTA_WAITS.labels(api="gtm", scope="daily" if daily else "window").inc()
    QUOTA_WAIT_SECONDS.labels(api="gtm").observe(retry_after)
    raise GoogleQuotaExceeded(
        "The daily Tag Manager quota is used up."
        if daily
        else "The Tag Manager quota is busy; try again shortly.",
        retry_after_seconds=retry_after,
        api="gtm",
        daily=daily,
    )


def gtm_quota_spend(token: str) -> None:
    """A reserved token's call is being made now. Google counts a call when it is made, so the
    bucket moves the token to now: stamped at the reservation (up to a run's length earlier),
    it would leave the bucket's window before the call leaves Google's, and a run scheduled
    for that moment would be refused by Google."""
    limits = quota_limits()
    if settings.REDIS_URL:
        _spend_redis(limits, token)
    else:
        _spend_database(limits, token)


def gtm_quota_release(tokens: list[str]) -> None:
    """Give back tokens taken but not spent on a call (the rest of a reservation)."""
    if not tokens:
        return
    limits = quota_limits()
    day, _ = quota_day()
    if settings.REDIS_URL:
        _release_redis(limits, day, tokens)
    else:
        _release_database(limits, day, tokens)


# --- Redis ----------------------------------------------------------------------------------

_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local org = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local day_limit = tonumber(ARGV[4])
local day_ttl = tonumber(ARGV[5])
local waiter_ttl = tonumber(ARGV[6])
local nonce = ARGV[7]
local count = tonumber(ARGV[8])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - waiter_ttl)

local day_used = tonumber(redis.call('GET', KEYS[2]) or '0')
if day_used + count > day_limit then
  return {0, tostring(day_ttl), 'daily'}
end

local available = limit - redis.call('ZCARD', KEYS[1])
local ahead = 0
if available > 0 then
  local mine = tonumber(redis.call('HGET', KEYS[3], org) or '0')
  local waiters = redis.call('ZRANGE', KEYS[4], 0, -1)
  for _, other in ipairs(waiters) do
    if other ~= org then
      local theirs = tonumber(redis.call('HGET', KEYS[3], other) or '0')
      if theirs < mine or (theirs == mine and other < org) then
        ahead = ahead + 1
      end
    end
  end
end

if available - ahead >= count then
  local granted = {1, '0', ''}
  for i = 1, count do
    local token = tostring(now) .. ':' .. nonce .. ':' .. i
    redis.call('ZADD', KEYS[1], now, token)
    granted[#granted + 1] = token
  end
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  redis.call('INCRBY', KEYS[2], count)
  redis.call('EXPIRE', KEYS[2], math.ceil(day_ttl) + 3600)
  redis.call('HSET', KEYS[3], org, tostring(now))
  redis.call('EXPIRE', KEYS[3], 172800)
  redis.call('ZREM', KEYS[4], org)
  return granted
end

redis.call('ZADD', KEYS[4], now, org)
redis.call('PEXPIRE', KEYS[4], math.ceil(waiter_ttl * 1000) + 1000)
local retry = window / limit
if available < count then
  -- When enough of the oldest grants have left the window.
  local nth = count - available - 1
  nth = redis.call('ZRANGE', KEYS[1], nth, nth, 'WITHSCORES')
  retry = tonumber(nth[2]) + window - now
end
if retry < 0.01 then retry = 0.01 end
return {0, tostring(retry), 'window'}
"""


# Re-added if it already left the window: the call is counted from now either way.
_SPEND_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
return 1
"""


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@cache
def _acquire_script(url: str) -> Any:
    return _redis_client(url).register_script(_ACQUIRE_LUA)


@cache
def _spend_script(url: str) -> Any:
    return _redis_client(url).register_script(_SPEND_LUA)


def _spend_redis(limits: QuotaLimits, token: str) -> None:
    window_key = _redis_keys(limits, quota_day()[0])[0]
    _spend_script(str(settings.REDIS_URL))(keys=[window_key], args=[token, limits.window_seconds])


def _redis_keys(limits: QuotaLimits, day: str) -> list[str]:
    # One hash tag: every key of a project lives in one cluster slot, as Lua requires.
    prefix = f"{{oct:gtmq:{limits.project}}}"
    return [f"{prefix}:window", f"{prefix}:day:{day}", f"{prefix}:served", f"{prefix}:waiting"]


def _acquire_redis(
    limits: QuotaLimits, organization_id: str, count: int, day: str, seconds_to_reset: float
) -> tuple[bool, float, str, list[str]]:
    keys = _redis_keys(limits, day)
    args = [
        organization_id,
        limits.per_window,
        limits.window_seconds,
        limits.per_day,
        seconds_to_reset,
        limits.waiter_ttl_seconds,
        secrets.token_hex(6),
        count,
    ]
    granted, retry, reason, *tokens = _acquire_script(str(settings.REDIS_URL))(keys=keys, args=args)
    return (
        bool(int(granted)),
        float(retry),
        reason.decode() if isinstance(reason, bytes) else str(reason),
        [token.decode() if isinstance(token, bytes) else str(token) for token in tokens],
    )


def _release_redis(limits: QuotaLimits, day: str, tokens: list[str]) -> None:
    window_key, day_key, *_ = _redis_keys(limits, day)
    client = _redis_client(str(settings.REDIS_URL))
    # Only tokens still in the window come back (older ones have left it on their own).
    released = int(client.zrem(window_key, *tokens))
    if released:
        client.decrby(day_key, released)


# --- Database (embedded mode) ---------------------------------------------------------------


def _acquire_database(
    limits: QuotaLimits, organization_id: str, count: int, day: str, seconds_to_reset: float
) -> tuple[bool, float, str, list[str]]:
    from integrations.models import GtmQuotaBucket

    with transaction.atomic():
        GtmQuotaBucket.objects.get_or_create(project=limits.project)
        bucket = GtmQuotaBucket.objects.select_for_update().get(project=limits.project)
        now = time.time()
        grants = [t for t in bucket.grants if t > now - limits.window_seconds]
        waiting = {
            org: seen
            for org, seen in bucket.waiting.items()
            if seen > now - limits.waiter_ttl_seconds
        }
        if bucket.day != day:
            bucket.day, bucket.day_count = day, 0
        result: tuple[bool, float, str, list[str]]
        if bucket.day_count + count > limits.per_day:
            result = (False, seconds_to_reset, "daily", [])
        else:
            available = limits.per_window - len(grants)
            mine = float(bucket.served.get(organization_id, 0))
            ahead = 0
            if available > 0:
                for other in waiting:
                    theirs = float(bucket.served.get(other, 0))
                    if other != organization_id and (
                        theirs < mine or (theirs == mine and other < organization_id)
                    ):
                        ahead += 1
            if available - ahead >= count:
                grants.extend([now] * count)
                bucket.day_count += count
                bucket.served[organization_id] = now
                waiting.pop(organization_id, None)
                result = (True, 0.0, "", [repr(now)] * count)
            else:
                waiting[organization_id] = now
                retry = limits.window_seconds / limits.per_window
                if available < count:
                    # When enough of the oldest grants have left the window.
                    retry = sorted(grants)[count - available - 1] + limits.window_seconds - now
                result = (False, max(0.01, retry), "window", [])
        bucket.grants = grants
        bucket.waiting = waiting
        bucket.save()
    return result


def _spend_database(limits: QuotaLimits, token: str) -> None:
    from integrations.models import GtmQuotaBucket

    with transaction.atomic():
        bucket = GtmQuotaBucket.objects.select_for_update().filter(project=limits.project).first()
        if bucket is None:
            return
        grants = list(bucket.grants)
        # A token is its grant's time; the grant moves to now (spent tokens are never released).
        if float(token) in grants:
            grants.remove(float(token))
        grants.append(time.time())
        bucket.grants = grants
        bucket.save(update_fields=["grants"])


def _release_database(limits: QuotaLimits, day: str, tokens: list[str]) -> None:
    from integrations.models import GtmQuotaBucket

    with transaction.atomic():
        bucket = GtmQuotaBucket.objects.select_for_update().filter(project=limits.project).first()
        if bucket is None:
            return
        grants = list(bucket.grants)
        released = 0
        for token in tokens:
            # A token is its grant's time; only grants still in the window come back.
            if float(token) in grants:
                grants.remove(float(token))
                released += 1
        bucket.grants = grants
        if bucket.day == day:
            bucket.day_count = max(0, bucket.day_count - released)
        bucket.save()
