"""Shared in-process state of the Google emulator: stores, control config, quota, faults, stats.

One `STATE` per emulator process. The HTTP half (GTM, GA4, OAuth) and the gRPC half (Ads) both
record their calls and draw their faults here so that `/_emulator/stats`, `/_emulator/config`
and `/_emulator/reset` cover every API in one place. Every method takes `lock` (re-entrant), so
request threads of both servers may call them concurrently; a handler that needs several steps to
be atomic holds `STATE.lock` itself.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

# Google's published Tag Manager API limits (GOOGLE.md): 0.25 queries/s and 10,000 a day.
DEFAULT_GTM_PER_100S = 25
DEFAULT_GTM_PER_DAY = 10_000
# A web container version may not exceed 200 KB (support.google.com/tagmanager/answer/2772488),
# as 200 * 1024 bytes.
GTM_CONTAINER_SIZE_LIMIT_BYTES = 200 * 1024
GTM_WINDOW_SECONDS = 100.0
# The daily quota resets at midnight Pacific time.
QUOTA_DAY_ZONE = ZoneInfo("America/Los_Angeles")
DEFAULT_ACCESS_TOKEN_TTL = 3600
FAULT_APIS = frozenset({"gtm", "ads", "ga4", "ga4data", "oauth"})
# GA4 Data API core tokens of a standard property (developers.google.com/analytics/devguides/
# reporting/data/v1/quotas): 200,000 a day and 40,000 an hour.
DEFAULT_GA4_TOKENS_PER_DAY = 200_000
DEFAULT_GA4_TOKENS_PER_HOUR = 40_000
FAULT_STATUSES = frozenset({400, 401, 403, 404, 409, 412, 429, 500, 502, 503, 504})
# A lost answer (`after`) is the front end failing once the backend has done the work: only
# server-side statuses are plausible there (a 4xx means the request itself was refused).
AFTER_FAULT_STATUSES = frozenset({500, 502, 503, 504})
# Faults with rate < 1 draw from this seeded generator, so a failing run can be replayed.
FAULT_RNG_SEED = 20261123


class ConfigError(ValueError):
    """A `/_emulator/config` body the emulator cannot apply; `field` names the offending key."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass
class Fault:
    api: str
    method: str
    status: int
    rate: float = 1.0
    count: int | None = None  # None: until reset; otherwise how many more times it fires
    # True: the call is carried out (a write lands) and only then answered with `status`: the
    # client sees an error although the change happened ("lost answer").
    after: bool = False

    def matches(self, api: str, method_id: str) -> bool:
        return self.api == api and self.method in ("*", method_id)


@dataclass(frozen=True)
class TokenInfo:
    """What the emulator knows about an access token it issued."""

    email: str
    sub: str
    scopes: frozenset[str]
    client_id: str
    expires_at: float  # time.time() seconds

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at

    @property
    def expires_in(self) -> int:
        return max(0, int(self.expires_at - time.time()))


@dataclass
class OAuthStore:
    """Tokens and pending authorization codes; the OAuth endpoints (oauth.py) fill it."""

    access_tokens: dict[str, TokenInfo] = field(default_factory=dict)
    # refresh token -> grant {"email", "sub", "scopes", "client_id", "access_tokens": set()}
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    # code -> {"client_id", "redirect_uri", "scopes", "challenge", "method", "email", "sub"}
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class EmulatorConfig:
    gtm_per_100s: int = DEFAULT_GTM_PER_100S
    gtm_per_day: int = DEFAULT_GTM_PER_DAY
    # How a quota refusal is answered: 403 as the Tag Manager limits page documents ("HTTP status
    # code 403 Forbidden"), or the 429 RESOURCE_EXHAUSTED Google's newer front ends answer.
    gtm_quota_status: int = 403
    latency_ms: int = 0
    access_token_ttl_seconds: int = DEFAULT_ACCESS_TOKEN_TTL
    # Redirect URIs accepted besides loopback ones and those the process was started with.
    oauth_redirect_uris: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    # Reports: how long a hit takes to show in reports; the GA4 Data API token quota.
    processing_delay_seconds: int = 0
    ga4_tokens_per_day: int = DEFAULT_GA4_TOKENS_PER_DAY
    ga4_tokens_per_hour: int = DEFAULT_GA4_TOKENS_PER_HOUR
    # Google's limit unless a benchmark raised it to measure a deployment bigger than Google
    # would take (README.md, "Known differences"); it can only be raised, never lowered.
    gtm_container_size_limit_bytes: int = GTM_CONTAINER_SIZE_LIMIT_BYTES

    def as_dict(self) -> dict[str, Any]:
        return {
            "gtm_quota": {
                "per_100s": self.gtm_per_100s,
                "per_day": self.gtm_per_day,
                "status": self.gtm_quota_status,
            },
            "latency_ms": self.latency_ms,
            "gtm_container_size_limit_bytes": self.gtm_container_size_limit_bytes,
            "oauth": {
                "access_token_ttl_seconds": self.access_token_ttl_seconds,
                "redirect_uris": list(self.oauth_redirect_uris),
            },
            "faults": [
                {"api": f.api, "method": f.method, "status": f.status, "rate": f.rate}
                | ({} if f.count is None else {"count": f.count})
                | ({"after": True} if f.after else {})
                for f in self.faults
            ],
            "reports": {
                "processing_delay_seconds": self.processing_delay_seconds,
                "ga4_tokens_per_day": self.ga4_tokens_per_day,
                "ga4_tokens_per_hour": self.ga4_tokens_per_hour,
            },
        }


def _positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(name, f"must be an integer >= {minimum}")
    return value


def _parse_fault(raw: Any, index: int) -> Fault:
    prefix = f"faults[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(prefix, "must be an object")
    unknown = set(raw) - {"api", "method", "status", "rate", "count", "after"}
    if unknown:
        raise ConfigError(f"{prefix}.{sorted(unknown)[0]}", "unknown field")
    api = raw.get("api")
    if api not in FAULT_APIS:
        raise ConfigError(f"{prefix}.api", f"must be one of {sorted(FAULT_APIS)}")
    method = raw.get("method", "*")
    if not isinstance(method, str) or not method:
        raise ConfigError(f"{prefix}.method", "must be a method id or '*'")
    status = raw.get("status")
    if status not in FAULT_STATUSES:
        raise ConfigError(f"{prefix}.status", f"must be one of {sorted(FAULT_STATUSES)}")
    rate = raw.get("rate", 1)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ConfigError(f"{prefix}.rate", "must be a number between 0 and 1")
    count = raw.get("count")
    if count is not None:
        count = _positive_int(count, f"{prefix}.count")
    after = raw.get("after", False)
    if not isinstance(after, bool):
        raise ConfigError(f"{prefix}.after", "must be true or false")
    if after and api == "oauth":
        raise ConfigError(f"{prefix}.after", "is not supported for oauth")
    if after and status not in AFTER_FAULT_STATUSES:
        raise ConfigError(f"{prefix}.status", f"must be one of {sorted(AFTER_FAULT_STATUSES)}")
    return Fault(api=api, method=method, status=status, rate=float(rate), count=count, after=after)


class EmulatorState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._factories: dict[str, Callable[[], Any]] = {}
        self._carry_overs: dict[str, Callable[[Any, Any], None]] = {}
        self._stores: dict[str, Any] = {}
        self._changed = threading.Event()
        self.config = EmulatorConfig()
        self._calls: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        # Calls the GTM quota refused (a witness for benchmarks: Google's own count of refusals).
        self._quota_refusals: Counter[str] = Counter()
        self._gtm_window: deque[float] = deque()
        self._gtm_day: tuple[dt.date, int] = (self._quota_day(), 0)
        self._rng = random.Random(FAULT_RNG_SEED)
        self.register_store("oauth", OAuthStore)

    # --- stores -----------------------------------------------------------------------------
    def register_store(
        self,
        name: str,
        factory: Callable[[], Any],
        *,
        carry_over: Callable[[Any, Any], None] | None = None,
    ) -> None:
        """Register (or re-register) a store; `reset()` rebuilds it from `factory`, then calls
        `carry_over(old, new)`, which moves the id counters on so that no id handed out before
        the reset is handed out again (the product may still hold it)."""
        with self.lock:
            self._factories[name] = factory
            if carry_over is not None:
                self._carry_overs[name] = carry_over
            self._stores[name] = factory()

    def store(self, name: str) -> Any:
        with self.lock:
            return self._stores[name]

    def stores(self) -> dict[str, Any]:
        """Every store by name (the caller holds `lock` while it reads them)."""
        with self.lock:
            return dict(self._stores)

    def restore(self, stores: dict[str, Any]) -> list[str]:
        """Replace the registered stores by saved ones (persistence.py); answers their names.
        A saved store nobody registered is dropped; a registered one not saved keeps its seed."""
        with self.lock:
            kept = [name for name in stores if name in self._factories]
            for name in kept:
                self._stores[name] = stores[name]
            return kept

    # --- change notification (the state file's writer waits on it) --------------------------
    def changed(self) -> None:
        self._changed.set()

    def wait_for_change(self) -> None:
        self._changed.wait()
        self._changed.clear()

    def reset(self) -> None:
        """Back to the seed: fresh stores, default config, no calls counted, quota refilled;
        id counters keep counting (no id is reused)."""
        with self.lock:
            for name, factory in self._factories.items():
                old, new = self._stores.get(name), factory()
                carry = self._carry_overs.get(name)
                if old is not None and carry is not None:
                    carry(old, new)
                self._stores[name] = new
            self.config = EmulatorConfig()
            self._calls.clear()
            self._errors.clear()
            self._quota_refusals.clear()
            self._gtm_window.clear()
            self._gtm_day = (self._quota_day(), 0)
            self._rng = random.Random(FAULT_RNG_SEED)
        self.changed()

    # --- control ----------------------------------------------------------------------------
    def configure(self, body: Any) -> dict[str, Any]:
        """Apply a `/_emulator/config` body (all or nothing) and answer the resulting config."""
        if not isinstance(body, dict):
            raise ConfigError("body", "must be a JSON object")
        unknown = set(body) - {
            "gtm_quota",
            "faults",
            "latency_ms",
            "oauth",
            "reports",
            "gtm_container_size_limit_bytes",
        }
        if unknown:
            raise ConfigError(sorted(unknown)[0], "unknown field")
        with self.lock:
            new = EmulatorConfig(
                gtm_per_100s=self.config.gtm_per_100s,
                gtm_per_day=self.config.gtm_per_day,
                gtm_quota_status=self.config.gtm_quota_status,
                latency_ms=self.config.latency_ms,
                access_token_ttl_seconds=self.config.access_token_ttl_seconds,
                oauth_redirect_uris=list(self.config.oauth_redirect_uris),
                faults=list(self.config.faults),
                processing_delay_seconds=self.config.processing_delay_seconds,
                ga4_tokens_per_day=self.config.ga4_tokens_per_day,
                ga4_tokens_per_hour=self.config.ga4_tokens_per_hour,
                gtm_container_size_limit_bytes=self.config.gtm_container_size_limit_bytes,
            )
            if "gtm_quota" in body:
                quota = body["gtm_quota"]
                if not isinstance(quota, dict) or set(quota) - {"per_100s", "per_day", "status"}:
                    raise ConfigError("gtm_quota", "must be {per_100s, per_day, status}")
                if "status" in quota:
                    if quota["status"] not in (403, 429):
                        raise ConfigError("gtm_quota.status", "must be 403 or 429")
                    new.gtm_quota_status = quota["status"]
                if "per_100s" in quota:
                    new.gtm_per_100s = _positive_int(quota["per_100s"], "gtm_quota.per_100s")
                if "per_day" in quota:
                    new.gtm_per_day = _positive_int(quota["per_day"], "gtm_quota.per_day")
            if "latency_ms" in body:
                new.latency_ms = _positive_int(body["latency_ms"], "latency_ms", minimum=0)
            if "gtm_container_size_limit_bytes" in body:
                new.gtm_container_size_limit_bytes = _positive_int(
                    body["gtm_container_size_limit_bytes"],
                    "gtm_container_size_limit_bytes",
                    minimum=GTM_CONTAINER_SIZE_LIMIT_BYTES,
                )
            if "oauth" in body:
                oauth = body["oauth"]
                if not isinstance(oauth, dict) or set(oauth) - {
                    "access_token_ttl_seconds",
                    "redirect_uris",
                }:
                    raise ConfigError("oauth", "must be {access_token_ttl_seconds, redirect_uris}")
                if "access_token_ttl_seconds" in oauth:
                    new.access_token_ttl_seconds = _positive_int(
                        oauth["access_token_ttl_seconds"], "oauth.access_token_ttl_seconds"
                    )
                if "redirect_uris" in oauth:
                    uris = oauth["redirect_uris"]
                    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
                        raise ConfigError("oauth.redirect_uris", "must be a list of URLs")
                    new.oauth_redirect_uris = list(uris)
            if "reports" in body:
                self._configure_reports(new, body["reports"])
            if "faults" in body:
                if not isinstance(body["faults"], list):
                    raise ConfigError("faults", "must be a list")
                # A new fault list replaces the old one: `{"faults": []}` clears them.
                new.faults = [_parse_fault(raw, i) for i, raw in enumerate(body["faults"])]
                self._rng = random.Random(FAULT_RNG_SEED)
            self.config = new
            return new.as_dict()

    @staticmethod
    def _configure_reports(new: EmulatorConfig, reports: Any) -> None:
        allowed = {"processing_delay_seconds", "ga4_tokens_per_day", "ga4_tokens_per_hour"}
        if not isinstance(reports, dict) or set(reports) - allowed:
            raise ConfigError("reports", f"must be an object with keys among {sorted(allowed)}")
        if "processing_delay_seconds" in reports:
            new.processing_delay_seconds = _positive_int(
                reports["processing_delay_seconds"], "reports.processing_delay_seconds", minimum=0
            )
        if "ga4_tokens_per_day" in reports:
            new.ga4_tokens_per_day = _positive_int(
                reports["ga4_tokens_per_day"], "reports.ga4_tokens_per_day"
            )
        if "ga4_tokens_per_hour" in reports:
            new.ga4_tokens_per_hour = _positive_int(
                reports["ga4_tokens_per_hour"], "reports.ga4_tokens_per_hour"
            )

    # --- accounting -------------------------------------------------------------------------
    def record_call(self, method_id: str, error: bool) -> None:
        with self.lock:
            self._calls[method_id] += 1
            if error:
                self._errors[method_id] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        with self.lock:
            return {
                "calls": dict(self._calls),
                "errors": dict(self._errors),
                "quota_refusals": dict(self._quota_refusals),
            }

    def take_fault(self, api: str, method_id: str) -> Fault | None:
        """The configured fault this call must fail with, if any (consumes one of its `count`)."""
        with self.lock:
            for fault in self.config.faults:
                if not fault.matches(api, method_id) or fault.count == 0:
                    continue
                if fault.rate < 1 and self._rng.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                return fault
            return None

    def apply_latency(self) -> None:
        with self.lock:
            delay = self.config.latency_ms / 1000
        if delay:
            time.sleep(delay)  # outside the lock: other requests keep flowing meanwhile

    # --- GTM quota --------------------------------------------------------------------------
    @staticmethod
    def _quota_day() -> dt.date:
        return dt.datetime.now(QUOTA_DAY_ZONE).date()

    def gtm_quota_check(self) -> bool:
        """Count one GTM call against the quota; False (and nothing counted) when over it."""
        with self.lock:
            now = time.monotonic()
            while self._gtm_window and now - self._gtm_window[0] >= GTM_WINDOW_SECONDS:
                self._gtm_window.popleft()
            day, used_today = self._gtm_day
            if day != self._quota_day():
                day, used_today = self._quota_day(), 0
            if (
                len(self._gtm_window) >= self.config.gtm_per_100s
                or used_today >= self.config.gtm_per_day
            ):
                self._gtm_day = (day, used_today)
                self._quota_refusals["gtm"] += 1
                return False
            self._gtm_window.append(now)
            self._gtm_day = (day, used_today + 1)
            return True

    def gtm_quota_retry_after(self) -> int:
        """Whole seconds until the sliding window admits another call (at least 1)."""
        with self.lock:
            if self._gtm_day[1] >= self.config.gtm_per_day:
                tomorrow = dt.datetime.combine(
                    self._quota_day() + dt.timedelta(days=1), dt.time(), QUOTA_DAY_ZONE
                )
                return max(1, int((tomorrow - dt.datetime.now(QUOTA_DAY_ZONE)).total_seconds()))
            if len(self._gtm_window) < self.config.gtm_per_100s:
                return 1
            oldest = self._gtm_window[-self.config.gtm_per_100s]
            return max(1, int(GTM_WINDOW_SECONDS - (time.monotonic() - oldest)) + 1)

    # --- OAuth ------------------------------------------------------------------------------
    def oauth_token_info(self, access_token: str) -> TokenInfo | None:
        with self.lock:
            oauth: OAuthStore = self._stores["oauth"]
            return oauth.access_tokens.get(access_token)


STATE = EmulatorState()
