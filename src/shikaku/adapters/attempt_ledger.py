"""Which values were tried lately under each key, in process memory: for the birth-date guessing
rule (DOMAIN.md §10), the birth dates each facility tried for each 記号・番号.

A few dictionary operations per attempt, cheap enough for the verification hot path. Memory is
bounded: past `max_keys` keys, those whose attempts are all older than the window are forgotten,
then those with a single value tried (one value is no guess in progress)."""
from __future__ import annotations

import threading
import time
from typing import Hashable

MAX_KEYS = 200_000


class AttemptLedger:
    def __init__(self, window_seconds: float, clock=time.time, max_keys: int = MAX_KEYS):
        self.window, self.clock, self.max_keys = window_seconds, clock, max_keys
        self._tried: dict[Hashable, dict[Hashable, float]] = {}
        self._lock = threading.Lock()

    def attempt(self, key: Hashable, value: Hashable, now: float | None = None) -> tuple[int, float]:
        """Records that `value` was tried under `key` at `now` (default: the clock's now): (how
        many different values were tried under the key within the window, this one included;
        now)."""
        now = self.clock() if now is None else now
        since = now - self.window
        with self._lock:
            tried = self._tried.get(key)
            if tried is None:
                if len(self._tried) >= self.max_keys:
                    self._sweep(now)
                tried = self._tried[key] = {}
            tried[value] = now
            within = len(tried) if len(tried) == 1 else sum(1 for moment in tried.values() if moment > since)
        return within, now

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._tried.pop(key, None)

    def _sweep(self, now: float) -> None:
        since = now - self.window
        kept = {key: tried for key, tried in self._tried.items() if max(tried.values()) > since}
        if len(kept) >= self.max_keys // 2:
            kept = {key: tried for key, tried in kept.items() if len(tried) > 1}
        self._tried = kept
