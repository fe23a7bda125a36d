"""Per-key token buckets in process memory (issue 7, item 3): the facility rate limit, the
sign-in limit and the failed-credential limit per client address; and `RateLimits`, the three
buckets of one server process, which the entry points hold (issue 13, item 7).

Facilities: `SHIKAKU_FACILITY_RATE` (requests per second per facility and server process; 0 or
`off` disables it; default 200) and `SHIKAKU_FACILITY_BURST` (default twice the rate). Sign-ins:
`SHIKAKU_SIGN_IN_RATE` (failed sign-ins per minute per client address; default 10) and
`SHIKAKU_SIGN_IN_BURST` (default twice the rate). Each worker process keeps its own buckets, so
`--workers N` allows up to N times the rate."""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

RATE_ENV, BURST_ENV = "SHIKAKU_FACILITY_RATE", "SHIKAKU_FACILITY_BURST"
DEFAULT_RATE = 200.0
SIGN_IN_RATE_ENV, SIGN_IN_BURST_ENV = "SHIKAKU_SIGN_IN_RATE", "SHIKAKU_SIGN_IN_BURST"
DEFAULT_SIGN_IN_RATE = 10.0  # per minute
CREDENTIAL_RATE_ENV, CREDENTIAL_BURST_ENV = "SHIKAKU_CREDENTIAL_FAILURE_RATE", "SHIKAKU_CREDENTIAL_FAILURE_BURST"
DEFAULT_CREDENTIAL_RATE = 30.0  # invalid bearer tokens per minute per client address
MAX_KEYS = 100_000  # buckets kept before the full ones are forgotten (client addresses are many)


class TokenBuckets:
    """One bucket per key holding up to `burst` tokens, refilled at `rate` per second; a request
    takes one. A few float operations per call: cheap enough for the verification hot path
    (lock-free: concurrent threads may at worst let a request or two more through)."""

    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic,
                 max_keys: int = MAX_KEYS):
        self.rate, self.burst, self._clock, self.max_keys = rate, burst or 2 * rate, clock, max_keys
        self.retry_after = math.ceil(1 / rate) if rate > 0 else 0  # seconds until a token is back
        self._buckets: dict[str, list[float]] = {}  # key → [tokens, last refill]
        self._sweep_at = max_keys

    @classmethod
    def from_env(cls, rate_env: str = RATE_ENV, burst_env: str = BURST_ENV,
                 default: float = DEFAULT_RATE, period: float = 1.0) -> TokenBuckets:
        """Rate and burst from the environment, the rate counted per `period` seconds."""
        raw = os.environ.get(rate_env, "").strip().lower()
        rate = 0.0 if raw == "off" else float(raw or default)
        burst = float(os.environ.get(burst_env) or 0) or 2 * rate
        return cls(rate / period, burst)

    @classmethod
    def for_sign_in(cls) -> TokenBuckets:
        return cls.from_env(SIGN_IN_RATE_ENV, SIGN_IN_BURST_ENV, DEFAULT_SIGN_IN_RATE, 60.0)

    @classmethod
    def for_credential_failures(cls) -> TokenBuckets:
        return cls.from_env(CREDENTIAL_RATE_ENV, CREDENTIAL_BURST_ENV, DEFAULT_CREDENTIAL_RATE, 60.0)

    def allow(self, key: str) -> bool:
        """Takes a token if one is left."""
        if self.rate <= 0:
            return True
        bucket = self._refilled(key)
        if bucket[0] < 1:
            return False
        bucket[0] -= 1
        return True

    def take(self, key: str, count: float) -> None:
        """Takes `count` tokens whatever is left: a request that stands for many (a batch of
        verifications) is served once admitted and then owes the rest, so the key waits until
        the bucket has refilled past the debt."""
        if self.rate > 0 and count > 0:
            self._refilled(key)[0] -= count

    def wait(self, key: str) -> int:
        """Whole seconds until `allow` would take a token again (Retry-After)."""
        if self.rate <= 0:
            return 0
        return max(self.retry_after, math.ceil((1 - self._refilled(key)[0]) / self.rate))

    def exhausted(self, key: str) -> bool:
        """Whether `allow` would refuse now; takes nothing (a refusal is counted afterwards). A
        key never seen has a full bucket: no bucket is made for it (a look for every request)."""
        return self.rate > 0 and key in self._buckets and self._refilled(key)[0] < 1

    def _refilled(self, key: str) -> list[float]:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._forget_full(now)
            bucket = self._buckets[key] = [self.burst, now]
        else:
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """Drops the buckets that have refilled (a new one starts full): memory stays bounded by
        the keys active lately, and the next sweep waits until their number has doubled."""
        self._buckets = {key: bucket for key, bucket in self._buckets.items()
                         if bucket[0] + (now - bucket[1]) * self.rate < self.burst}
        self._sweep_at = max(self.max_keys, 2 * len(self._buckets))


@dataclass
class RateLimits:
    """The rate limits (流量制限) of one server process, kept by its entry points and configured
    from the environment unless given: requests per 医療機関等, failed sign-ins and invalid bearer
    tokens per client address."""

    facility: TokenBuckets = field(default_factory=TokenBuckets.from_env)
    sign_in: TokenBuckets = field(default_factory=TokenBuckets.for_sign_in)
    credential_failures: TokenBuckets = field(default_factory=TokenBuckets.for_credential_failures)
