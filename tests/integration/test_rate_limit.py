"""Facility rate limits (issue 7, item 3): a token bucket per facility; over it 429
`rate_limited` with Retry-After, on the verification fast path and on every other route. The
buckets are the server's (`RateLimits`), not the service context's (issue 13, item 7)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shikaku.adapters.rate_limit import RateLimits, TokenBuckets
from shikaku.entrypoints.api.app import create_server
from tests.builders import facility
from tests.conftest import ADMIN_TOKEN, INSURER_NUMBER
from tests.helpers import Clock

QUERY = {"service_date": "2026-06-01", "method": "card_info", "insurer_number": INSURER_NUMBER,
         "symbol": "1", "number": "1", "branch": "00", "birth_date": "1980-05-10"}


def limited(ctx, **buckets: TokenBuckets) -> TestClient:
    """A client of a server of its own over `ctx` whose rate limits are `buckets` (the others from
    the environment), signed in with the admin token (which the `client` fixture configures)."""
    server = TestClient(create_server(ctx, RateLimits(**buckets)), raise_server_exceptions=False)
    server.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return server


def test_bucket_allows_the_burst_then_the_rate():
    clock = Clock()
    buckets = TokenBuckets(rate=2, burst=3, clock=clock)
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("b")  # another facility has its own bucket
    clock.now += 0.5  # one token back
    assert [buckets.allow("a") for _ in range(2)] == [True, False]
    clock.now += 60  # never more than the burst
    assert sum(buckets.allow("a") for _ in range(10)) == 3
    assert buckets.retry_after == 1


@pytest.mark.parametrize(("rate", "burst", "allowed"), [("off", "", None), ("0", "", None),
                                                        ("", "", (200, 400)), ("5", "7", (5, 7))])
def test_configuration(monkeypatch, rate, burst, allowed):
    monkeypatch.setenv("SHIKAKU_FACILITY_RATE", rate)
    monkeypatch.setenv("SHIKAKU_FACILITY_BURST", burst)
    buckets = TokenBuckets.from_env()
    if allowed is None:
        assert all(buckets.allow("a") for _ in range(10_000))
    else:
        assert (buckets.rate, buckets.burst) == allowed


def test_over_the_limit_is_429_with_retry_after(client, ctx):
    clock = Clock()
    first, second = facility(client, "1310112345"), facility(client, "1310112352")
    with limited(ctx, facility=TokenBuckets(rate=1, burst=2, clock=clock)) as server:
        assert [server.post("/api/v1/verifications", json=QUERY, headers=first).status_code
                for _ in range(2)] == [200, 200]
        refused = server.post("/api/v1/verifications", json=QUERY, headers=first)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited"
        other_route = server.get("/api/v1/insurer", headers=first)  # the same bucket behind FastAPI
        assert other_route.status_code == 429 and other_route.json()["code"] == "rate_limited"
        assert other_route.headers["retry-after"] == "1"
        assert server.post("/api/v1/verifications", json=QUERY, headers=second).status_code == 200
        assert all(server.get("/api/v1/insurer").status_code == 200 for _ in range(5))  # staff: no limit
        clock.now += 1
        assert server.post("/api/v1/verifications", json=QUERY, headers=first).status_code == 200
