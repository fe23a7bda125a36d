"""Per-key token buckets in process memory: the facility rate limit (issue 7, item 3).

Configured by `SHIKAKU_FACILITY_RATE` (requests per second per facility and server process;
0 or `off` disables it; default 200) and `SHIKAKU_FACILITY_BURST` (default twice the rate).
Each worker process keeps its own buckets, so `--workers N` allows up to N times the rate."""
from __future__ import annotations

import math
import os
import time

RATE_ENV, BURST_ENV = "SHIKAKU_FACILITY_RATE", "SHIKAKU_FACILITY_BURST"
DEFAULT_RATE = 200.0


class TokenBuckets:
    """One bucket per key holding up to `burst` tokens, refilled at `rate` per second; a request
    takes one. A few float operations per call: cheap enough for the verification hot path
    (lock-free: concurrent threads may at worst let a request or two more through)."""

    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic):
        self.rate, self.burst, self._clock = rate, burst or 2 * rate, clock
        self.retry_after = math.ceil(1 / rate) if rate > 0 else 0  # seconds until a token is back
        self._buckets: dict[str, list[float]] = {}  # key → [tokens, last refill]

    @classmethod
    def from_env(cls) -> TokenBuckets:
        raw = os.environ.get(RATE_ENV, "").strip().lower()
        rate = 0.0 if raw == "off" else float(raw or DEFAULT_RATE)
        return cls(rate, float(os.environ.get(BURST_ENV) or 0) or None)

    def allow(self, key: str) -> bool:
        if self.rate <= 0:
            return True
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        bucket[0] = tokens - 1 if tokens >= 1 else tokens
        return tokens >= 1
