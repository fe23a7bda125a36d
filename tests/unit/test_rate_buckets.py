"""Token buckets as the sign-in limit uses them: looking without taking, a rate per minute from
the environment, and memory bounded however many client addresses come by."""
from __future__ import annotations

import pytest

from shikaku.adapters.rate_limit import TokenBuckets
from tests.helpers import Clock


def test_exhausted_looks_without_taking():
    buckets = TokenBuckets(rate=1, burst=2, clock=Clock())
    assert not any(buckets.exhausted("a") for _ in range(10))
    assert buckets.allow("a") and buckets.allow("a")
    assert buckets.exhausted("a") and not buckets.allow("a")
    assert not buckets.exhausted("b")


@pytest.mark.parametrize(("rate", "burst", "expected"), [
    ("", "", (10 / 60, 20)), ("6", "", (6 / 60, 12)), ("30", "5", (30 / 60, 5)), ("off", "", None), ("0", "9", None)])
def test_sign_in_limit_is_configured_per_minute(monkeypatch, rate, burst, expected):
    monkeypatch.setenv("SHIKAKU_SIGN_IN_RATE", rate)
    monkeypatch.setenv("SHIKAKU_SIGN_IN_BURST", burst)
    buckets = TokenBuckets.for_sign_in()
    if expected is None:
        assert all(buckets.allow("a") for _ in range(1000)) and not buckets.exhausted("a")
    else:
        assert (buckets.rate, buckets.burst) == pytest.approx(expected)


def test_default_sign_in_limit_refills_one_attempt_every_six_seconds(monkeypatch):
    monkeypatch.delenv("SHIKAKU_SIGN_IN_RATE", raising=False)
    monkeypatch.delenv("SHIKAKU_SIGN_IN_BURST", raising=False)
    configured = TokenBuckets.for_sign_in()
    clock = Clock()
    buckets = TokenBuckets(configured.rate, configured.burst, clock)
    assert sum(buckets.allow("a") for _ in range(50)) == 20
    assert buckets.retry_after == 6
    clock.now += 6
    assert [buckets.allow("a") for _ in range(2)] == [True, False]


def test_full_buckets_are_forgotten_when_keys_pile_up():
    clock = Clock()
    buckets = TokenBuckets(rate=1, burst=2, clock=clock, max_keys=5)
    for n in range(4):
        buckets.allow(f"idle-{n}")
    buckets.allow("busy")
    buckets.allow("busy")
    assert buckets.exhausted("busy")
    clock.now += 1.5  # the idle ones are full again, "busy" is not
    buckets.allow("new")
    assert set(buckets._buckets) == {"busy", "new"}  # memory: only the buckets still in use
    assert [buckets.allow("busy") for _ in range(2)] == [True, False]  # "busy" kept its count
