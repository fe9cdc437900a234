"""The GTM quota: one token bucket per Google Cloud project, shared by every worker process.

Google allows `GTM_QUOTA_PER_100S` calls in any sliding 100 s window and `GTM_QUOTA_PER_DAY` per day
(the day resets at midnight America/Los_Angeles), for all tenants together. A caller either gets
tokens now or `GoogleQuotaExceeded` with the seconds until they can be had: workers never sleep
here; the task reschedules itself with that countdown.

Counted as Google counts. A run that must not stop halfway (a deployment) reserves its whole
budget at once (`count`): it starts only when that many calls are free, so it never spends quota
on reads it would have to repeat after a refusal; what it did not spend goes back
(`gtm_quota_release`). Google counts a call when it arrives, so a token is stamped again when its
call is made and once more when the answer is back (`gtm_quota_spend`): the bucket's stamp is
never earlier than Google's, and the bucket never frees a place before Google's window does.

Fair by calls. A caller refused tokens waits in a queue with the number of calls it needs. The
queue is ordered by the calls each waiter's organization has in the window now (fewest first),
then by how long it has waited: an organization that used the quota lately goes behind one that
did not. Calls are held back for every waiter ahead: a request is granted only if what is free,
less the calls the waiters ahead of it need, still covers it. So a run needing five calls is not
starved by another tenant's stream of one-call requests (they wait while its five are not free),
and it is served within about a window whatever other tenants ask. Waiters that stop asking
expire after a window. A run already under way asks `priority` for calls past its reservation:
they finish work that would otherwise be repeated, so waiting turns do not hold them back.

A tenant's share. Reads for API requests (`read`: the plan preview, the GTM choice lists) of one
organization hold at most `GTM_QUOTA_READ_PERCENT` of the window (40: 10 of Google's 25); past
it they are refused until their own oldest read leaves the window, whatever is free. A tenant
polling every live-reading endpoint so leaves the rest to the deployments.

Waking. A waiter may name itself (`waiter`, a deployment's id): when tokens come back
(`gtm_quota_release`, at the end of every reserved run) the waiters that now fit, in queue
order, are handed to the wake registered by the trackings app, which starts their deployments at
once instead of at their countdown. integrations cannot import trackings, hence the registration.

With Redis (production, tests) every decision is one Lua script, atomic across processes.
Without Redis (embedded mode) the same algorithm runs on a database row locked with
select_for_update (SQLite serialises writers anyway).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
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

logger = logging.getLogger(__name__)

GOOGLE_QUOTA_TIMEZONE = ZoneInfo("America/Los_Angeles")
DEFAULT_WINDOW_SECONDS = 100.0


# The percent of the window one organization's reads for API requests may hold (settings
# GTM_QUOTA_READ_PERCENT; issue 13). Deployments are bounded by the fair queue.
DEFAULT_READ_PERCENT = 40


@dataclass(frozen=True)
class QuotaLimits:
    project: str
    per_window: int
    window_seconds: float
    per_day: int
    read_percent: int = DEFAULT_READ_PERCENT

    @property
    def reads_per_window(self) -> int:
        """Calls of requests' reads one organization may hold in the window."""
        return max(1, self.per_window * self.read_percent // 100)

    @property
    def waiter_ttl_seconds(self) -> float:
        # A refused caller comes back within one window at most (its retry_after); after that
        # it is presumed gone and stops holding calls back.
        return self.window_seconds + max(1.0, self.window_seconds / 10)


def quota_limits() -> QuotaLimits:
    return QuotaLimits(
        project=str(settings.GOOGLE_CLOUD_PROJECT),
        per_window=int(settings.GTM_QUOTA_PER_100S),
        # Tests shrink the window (and scale the limit with it); production keeps Google's 100 s.
        window_seconds=float(getattr(settings, "GTM_QUOTA_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)),
        per_day=int(settings.GTM_QUOTA_PER_DAY),
        read_percent=int(getattr(settings, "GTM_QUOTA_READ_PERCENT", DEFAULT_READ_PERCENT)),
    )


def quota_day(now: datetime | None = None) -> tuple[str, float]:
    """Google's quota day (Pacific) and the seconds until it resets."""
    local = (now or datetime.now(GOOGLE_QUOTA_TIMEZONE)).astimezone(GOOGLE_QUOTA_TIMEZONE)
    midnight = datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), GOOGLE_QUOTA_TIMEZONE
    )
    return local.date().isoformat(), max(1.0, (midnight - local).total_seconds())


_wake: Callable[[list[str]], object] | None = None


def register_gtm_quota_wake(wake: Callable[[list[str]], object]) -> None:
    """`wake(waiters)` starts the named waiters (deployment ids) whose calls are free now."""
    global _wake  # noqa: PLW0603 - one wake for the process, set once at app loading
    _wake = wake


def _waiter_key(organization_id: str, waiter: str | None) -> str:
    # A named waiter holds its own place; plain calls of one organization share one.
    return f"run:{waiter}" if waiter else f"org:{organization_id}"


def gtm_quota_acquire(
    *,
    organization_id: str,
    count: int = 1,
    waiter: str | None = None,
    priority: bool = False,
    read: bool = False,
) -> list[str]:
    """Take `count` GTM call tokens for `organization_id` (all or none), or raise
    `GoogleQuotaExceeded` at once with the seconds until that many can be had (and wait in the
    queue as `waiter`, or as the organization). Returns the tokens' ids, for
    `gtm_quota_spend` and `gtm_quota_release`. A `read` for an API request is held to the
    organization's share of the window."""
    limits = quota_limits()
    # More than a window holds could never be granted together.
    count = max(1, min(count, limits.per_window))
    day, seconds_to_reset = quota_day()
    request = _Request(
        organization_id=organization_id,
        count=count,
        key=_waiter_key(organization_id, waiter),
        wake=waiter or "",
        priority=priority,
        kind=READ if read else CALL,
    )
    if settings.REDIS_URL:
        granted, retry_after, reason, tokens = _acquire_redis(
            limits, request, day, seconds_to_reset
        )
    else:
        granted, retry_after, reason, tokens = _acquire_database(
            limits, request, day, seconds_to_reset
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
    """A token's call is being made (or its answer just came back): the bucket counts it from
    now. Google counts a call when it arrives; stamped at the reservation (up to a run's length
    earlier) or before the request left, it would leave the bucket's window before the call
    leaves Google's, and a run started at that moment would be refused by Google."""
    limits = quota_limits()
    if settings.REDIS_URL:
        _spend_redis(limits, token)
    else:
        _spend_database(limits, token)


def gtm_quota_release(tokens: list[str]) -> None:
    """Give back tokens taken but not spent on a call (the rest of a reservation), then wake the
    waiters whose calls are free now, in queue order. Called at the end of every reserved run,
    even with nothing to give back: time may have freed calls a waiter's countdown has not."""
    limits = quota_limits()
    day, _ = quota_day()
    if settings.REDIS_URL:
        woken = _release_redis(limits, day, tokens)
    else:
        woken = _release_database(limits, day, tokens)
    if woken and _wake is not None:
        try:
            _wake(woken)
        except Exception:
            # The waiters' own countdowns (and the sweep) still come; a failed wake only
            # loses the head start.
            logger.warning("Waking the next GTM quota waiters failed", exc_info=True)


# Token kinds: a read for an API request, held to the tenant's share; any other call.
READ = "r"
CALL = "c"


@dataclass(frozen=True)
class _Request:
    organization_id: str
    count: int
    key: str
    wake: str
    priority: bool
    kind: str


def _token_organization(token: str) -> str:
    # Tokens are "<organization>|<kind>|<nonce>|<n>": the window tells whose calls it holds,
    # and which were requests' reads (`READ`).
    return token.split("|", 1)[0] if "|" in token else ""


def _token_prefix(organization_id: str, kind: str) -> str:
    return f"{organization_id}|{kind}|"


# --- Redis ----------------------------------------------------------------------------------

# KEYS: 1 window (zset token -> stamp), 2 day count, 3 waiting (zset waiter -> last asked),
# 4 waiters (hash waiter -> "organization|count|since|wake").
_QUEUE_LUA = """
local function expire_waiters(now, waiter_ttl)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - waiter_ttl)
  if #gone > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - waiter_ttl)
    for _, key in ipairs(gone) do redis.call('HDEL', KEYS[4], key) end
  end
end

local function calls_by_organization()
  local counts = {}
  for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local org = string.match(token, '^([^|]*)|') or ''
    counts[org] = (counts[org] or 0) + 1
  end
  return counts
end

local function before(a, b)
  if a.calls ~= b.calls then return a.calls < b.calls end
  if a.since ~= b.since then return a.since < b.since end
  return a.key < b.key
end

-- The waiters, first to be served first.
local function queue(counts)
  local waiters = {}
  for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local raw = redis.call('HGET', KEYS[4], key)
    if raw then
      local org, count, since, wake = string.match(raw, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
      waiters[#waiters + 1] = {
        key = key, org = org, count = tonumber(count), since = tonumber(since), wake = wake,
        calls = counts[org] or 0,
      }
    end
  end
  table.sort(waiters, before)
  return waiters
end
"""

_ACQUIRE_LUA = (
    _QUEUE_LUA
    + """
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
local me = ARGV[9]
local wake = ARGV[10]
local priority = ARGV[11] == '1'
local kind = ARGV[12]
local share = tonumber(ARGV[13])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
expire_waiters(now, waiter_ttl)

local day_used = tonumber(redis.call('GET', KEYS[2]) or '0')
if day_used + count > day_limit then
  return {0, tostring(day_ttl), 'daily'}
end

local used = redis.call('ZCARD', KEYS[1])
local available = limit - used

-- A tenant's reads for API requests hold at most their share of the window (one request at
-- least); refused, they wait for their own reads to leave it, and hold nothing back for others
-- meanwhile.
if kind == 'r' and share < limit then
  local prefix = org .. '|r|'
  local own = {}
  for _, entry in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')) do
    own[#own + 1] = entry
  end
  local stamps = {}
  for i = 1, #own, 2 do
    if string.sub(own[i], 1, #prefix) == prefix then stamps[#stamps + 1] = tonumber(own[i + 1]) end
  end
  if #stamps > 0 and #stamps + count > share then
    table.sort(stamps)
    local retry = stamps[math.min(#stamps, #stamps + count - share)] + window - now
    if retry < 0.01 then retry = 0.01 end
    return {0, tostring(retry), 'share'}
  end
end

local mine = redis.call('HGET', KEYS[4], me)
local since = now
if mine then since = tonumber(string.match(mine, '^[^|]*|[^|]*|([^|]*)|')) end

-- Calls held back for the waiters ahead of this request.
local held = 0
if not priority and redis.call('ZCARD', KEYS[3]) > 0 then
  local counts = calls_by_organization()
  local self = {key = me, calls = counts[org] or 0, since = since}
  for _, other in ipairs(queue(counts)) do
    if other.key ~= me and before(other, self) then held = held + other.count end
  end
end

if available - held >= count then
  local granted = {1, '0', ''}
  for i = 1, count do
    local token = org .. '|' .. kind .. '|' .. nonce .. '|' .. i
    redis.call('ZADD', KEYS[1], now, token)
    granted[#granted + 1] = token
  end
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  redis.call('INCRBY', KEYS[2], count)
  redis.call('EXPIRE', KEYS[2], math.ceil(day_ttl) + 3600)
  redis.call('ZREM', KEYS[3], me)
  redis.call('HDEL', KEYS[4], me)
  return granted
end

redis.call('ZADD', KEYS[3], now, me)
redis.call('HSET', KEYS[4], me, org .. '|' .. count .. '|' .. since .. '|' .. wake)
local ttl = math.ceil(waiter_ttl * 1000) + 1000
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
-- When enough of the oldest calls have left the window for the waiters ahead and this one;
-- if they need more than the window holds now, their own calls must leave it first.
local retry = window
local nth = held + count - available
if nth <= used then
  local oldest = redis.call('ZRANGE', KEYS[1], nth - 1, nth - 1, 'WITHSCORES')
  retry = tonumber(oldest[2]) + window - now
end
if retry < 0.01 then retry = 0.01 end
return {0, tostring(retry), 'window'}
"""
)

# Re-added if it already left the window: the call is counted from now either way.
_SPEND_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
return 1
"""

_RELEASE_LUA = (
    _QUEUE_LUA
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local waiter_ttl = tonumber(ARGV[3])

-- Only tokens still in the window come back (older ones have left it on their own).
local released = 0
for i = 4, #ARGV do released = released + redis.call('ZREM', KEYS[1], ARGV[i]) end
if released > 0 then redis.call('DECRBY', KEYS[2], released) end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
expire_waiters(now, waiter_ttl)
local available = limit - redis.call('ZCARD', KEYS[1])
local woken = {}
local ahead = 0
for _, waiter in ipairs(queue(calls_by_organization())) do
  ahead = ahead + waiter.count
  if ahead > available then break end
  if waiter.wake ~= '' then
    woken[#woken + 1] = waiter.wake
    -- Woken, it has a whole turn to arrive before its place expires.
    redis.call('ZADD', KEYS[3], now, waiter.key)
  end
end
return woken
"""
)


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@cache
def _acquire_script(url: str) -> Any:
    return _redis_client(url).register_script(_ACQUIRE_LUA)


@cache
def _spend_script(url: str) -> Any:
    return _redis_client(url).register_script(_SPEND_LUA)


@cache
def _release_script(url: str) -> Any:
    return _redis_client(url).register_script(_RELEASE_LUA)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _redis_keys(limits: QuotaLimits, day: str) -> list[str]:
    # One hash tag: every key of a project lives in one cluster slot, as Lua requires.
    prefix = f"{{oct:gtmq:{limits.project}}}"
    return [f"{prefix}:window", f"{prefix}:day:{day}", f"{prefix}:waiting", f"{prefix}:waiters"]


def _spend_redis(limits: QuotaLimits, token: str) -> None:
    window_key = _redis_keys(limits, quota_day()[0])[0]
    _spend_script(str(settings.REDIS_URL))(keys=[window_key], args=[token, limits.window_seconds])


def _acquire_redis(
    limits: QuotaLimits, request: _Request, day: str, seconds_to_reset: float
) -> tuple[bool, float, str, list[str]]:
    args = [
        request.organization_id,
        limits.per_window,
        limits.window_seconds,
        limits.per_day,
        seconds_to_reset,
        limits.waiter_ttl_seconds,
        secrets.token_hex(6),
        request.count,
        request.key,
        request.wake,
        "1" if request.priority else "0",
        request.kind,
        limits.reads_per_window,
    ]
    granted, retry, reason, *tokens = _acquire_script(str(settings.REDIS_URL))(
        keys=_redis_keys(limits, day), args=args
    )
    return bool(int(granted)), float(retry), _text(reason), [_text(token) for token in tokens]


def _release_redis(limits: QuotaLimits, day: str, tokens: list[str]) -> list[str]:
    woken = _release_script(str(settings.REDIS_URL))(
        keys=_redis_keys(limits, day),
        args=[limits.per_window, limits.window_seconds, limits.waiter_ttl_seconds, *tokens],
    )
    return [_text(waiter) for waiter in woken]


# --- Database (embedded mode) ---------------------------------------------------------------
#
# The same algorithm on one row: `grants` is the window as [token, stamp] pairs, `waiting`
# maps a waiter's key to {organization, count, since, seen, wake}.


def _grants(raw: list[Any], now: float, window: float) -> list[list[Any]]:
    # Rows written before tokens named their organization hold bare stamps.
    pairs: list[list[Any]] = [
        [str(g[0]), float(g[1])] if isinstance(g, list) else [repr(g), float(g)] for g in raw
    ]
    return [g for g in pairs if g[1] > now - window]


def _waiting(raw: dict[str, Any], now: float, ttl: float) -> dict[str, dict[str, Any]]:
    return {
        key: value
        for key, value in raw.items()
        if isinstance(value, dict) and float(value["seen"]) > now - ttl
    }


def _queue(grants: list[list[Any]], waiting: dict[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(calls of its organization in the window, since, key, waiter): first served first."""
    counts: dict[str, int] = {}
    for token, _stamp in grants:
        org = _token_organization(str(token))
        counts[org] = counts.get(org, 0) + 1
    return sorted(
        (counts.get(w["organization"], 0), float(w["since"]), key, w) for key, w in waiting.items()
    )


def _own_read_stamps(grants: list[list[Any]], organization_id: str) -> list[float]:
    prefix = _token_prefix(organization_id, READ)
    return sorted(float(stamp) for token, stamp in grants if str(token).startswith(prefix))


def _acquire_database(
    limits: QuotaLimits, request: _Request, day: str, seconds_to_reset: float
) -> tuple[bool, float, str, list[str]]:
    from integrations.models import GtmQuotaBucket

    with transaction.atomic():
        GtmQuotaBucket.objects.get_or_create(project=limits.project)
        bucket = GtmQuotaBucket.objects.select_for_update().get(project=limits.project)
        now = time.time()
        grants = _grants(bucket.grants, now, limits.window_seconds)
        waiting = _waiting(bucket.waiting, now, limits.waiter_ttl_seconds)
        if bucket.day != day:
            bucket.day, bucket.day_count = day, 0
        result: tuple[bool, float, str, list[str]]
        if bucket.day_count + request.count > limits.per_day:
            result = (False, seconds_to_reset, "daily", [])
        elif (
            request.kind == READ
            and limits.reads_per_window < limits.per_window
            and (own := _own_read_stamps(grants, request.organization_id))
            and len(own) + request.count > limits.reads_per_window
        ):
            oldest = own[min(len(own), len(own) + request.count - limits.reads_per_window) - 1]
            result = (False, max(0.01, oldest + limits.window_seconds - now), "share", [])
        else:
            available = limits.per_window - len(grants)
            mine = waiting.get(request.key)
            since = float(mine["since"]) if mine else now
            held = 0
            if not request.priority and waiting:
                calls = sum(
                    1
                    for token, _ in grants
                    if _token_organization(token) == request.organization_id
                )
                me = (calls, since, request.key)
                held = sum(
                    int(w["count"])
                    for calls_, since_, key, w in _queue(grants, waiting)
                    if key != request.key and (calls_, since_, key) < me
                )
            if available - held >= request.count:
                nonce = secrets.token_hex(6)
                prefix = _token_prefix(request.organization_id, request.kind)
                tokens = [f"{prefix}{nonce}|{i}" for i in range(1, request.count + 1)]
                grants.extend([token, now] for token in tokens)
                bucket.day_count += request.count
                waiting.pop(request.key, None)
                result = (True, 0.0, "", tokens)
            else:
                waiting[request.key] = {
                    "organization": request.organization_id,
                    "count": request.count,
                    "since": since,
                    "seen": now,
                    "wake": request.wake,
                }
                retry = limits.window_seconds
                nth = held + request.count - available
                if nth <= len(grants):
                    stamps = sorted(float(stamp) for _, stamp in grants)
                    retry = stamps[nth - 1] + limits.window_seconds - now
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
        now = time.time()
        grants = [g for g in _grants(bucket.grants, now, limits.window_seconds) if g[0] != token]
        grants.append([token, now])
        bucket.grants = grants
        bucket.save(update_fields=["grants"])


def _release_database(limits: QuotaLimits, day: str, tokens: list[str]) -> list[str]:
    from integrations.models import GtmQuotaBucket

    with transaction.atomic():
        bucket = GtmQuotaBucket.objects.select_for_update().filter(project=limits.project).first()
        if bucket is None:
            return []
        now = time.time()
        returned = set(tokens)
        grants = _grants(bucket.grants, now, limits.window_seconds)
        kept = [g for g in grants if g[0] not in returned]
        if bucket.day == day:
            bucket.day_count = max(0, bucket.day_count - (len(grants) - len(kept)))
        waiting = _waiting(bucket.waiting, now, limits.waiter_ttl_seconds)
        available = limits.per_window - len(kept)
        woken: list[str] = []
        ahead = 0
        for *_, waiter in _queue(kept, waiting):
            ahead += int(waiter["count"])
            if ahead > available:
                break
            if waiter["wake"]:
                woken.append(str(waiter["wake"]))
                waiter["seen"] = now
        bucket.grants = kept
        bucket.waiting = waiting
        bucket.save()
    return woken
