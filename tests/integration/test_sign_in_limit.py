"""Sign-in attempts limited per client address (issue 7, item 3; D-78): failed sign-ins of the
staff and the member portal take from one bucket per address; past the burst, 429 with a
Japanese page and Retry-After before any password is checked; independent of the per-account
lock-outs. Time is an injected clock; the buckets are the server's (`RateLimits`)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from shikaku.adapters.rate_limit import RateLimits, TokenBuckets
from shikaku.entrypoints.api.app import create_server
from shikaku.service_layer import accounts, audit_trail
from shikaku.service_layer.auth import Actor, Role
from tests.helpers import Clock

PASSWORD = "correct horse battery"
BURST = 3
STAFF = "/staff/sign-in"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(ctx, admin, clock):
    """A server allowing one failed sign-in a minute per address, three in a row; the clerk
    `tanaka` exists."""
    accounts.add_user(ctx, admin, "tanaka", "田中 一郎", Role.CLERK, PASSWORD)
    return create_server(ctx, RateLimits(sign_in=TokenBuckets(rate=1 / 60, burst=BURST, clock=clock)))


def attempt(app, address: str, path: str = STAFF, headers: dict | None = None, **fields):
    """A sign-in post from `address`, with the sign-in form's double-submit token."""
    browser = TestClient(app, client=(address, 50000), raise_server_exceptions=False)
    browser.cookies.set("shikaku_form", "form-token")
    return browser.post(path, data={**fields, "csrf_token": "form-token"}, headers=headers,
                        follow_redirects=False)


def staff(app, address: str, password: str, username: str = "tanaka"):
    return attempt(app, address, username=username, password=password)


def test_failures_past_the_burst_are_refused_per_address_until_time_passes(ctx, app, clock):
    assert [staff(app, "192.0.2.1", "wrong", f"nobody{n}").status_code for n in range(BURST)] == [401] * BURST
    refused = staff(app, "192.0.2.1", PASSWORD)  # the right password: refused before it is checked
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "ログインを一時的に制限しています" in refused.text and "shikaku_session" not in refused.cookies
    portal = attempt(app, "192.0.2.1", "/portal/sign-in", card_id="NOCARD", pin="0000")
    assert portal.status_code == 429  # the member portal shares the address's budget
    assert staff(app, "192.0.2.2", PASSWORD).status_code == 303  # another address signs in
    clock.now += 59
    assert staff(app, "192.0.2.1", PASSWORD).status_code == 429
    clock.now += 1  # one attempt back
    assert staff(app, "192.0.2.1", PASSWORD).status_code == 303
    signed_in = audit_trail.read(ctx, Actor(Role.AUDITOR, "t"), action="sign_in")[0]
    assert [row["remote"] for row in signed_in] == ["192.0.2.1", "192.0.2.2"]  # refusals never got there


def test_successful_sign_ins_take_nothing(app):
    assert all(staff(app, "192.0.2.1", PASSWORD).status_code == 303 for _ in range(BURST * 3))


def test_the_per_account_lock_out_works_across_addresses(app):
    answers = [staff(app, f"192.0.2.{n}", "wrong").status_code
               for n in range(accounts.STAFF_MAX_FAILURES)]
    assert answers == [401] * (accounts.STAFF_MAX_FAILURES - 1) + [423]  # no address hit its limit
    assert staff(app, "192.0.2.99", PASSWORD).status_code == 423


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app):
    """As `shikaku serve` runs it: uvicorn takes X-Forwarded-For only from FORWARDED_ALLOW_IPS
    (default 127.0.0.1 and ::1, the reverse proxy on the same host)."""
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")
    for _ in range(BURST):
        attempt(proxied, "127.0.0.1", headers={"X-Forwarded-For": "198.51.100.1"}, username="x", password="y")
    via_proxy = {"X-Forwarded-For": "198.51.100.1"}
    assert attempt(proxied, "127.0.0.1", headers=via_proxy, username="tanaka", password=PASSWORD).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.2"}
    assert attempt(proxied, "127.0.0.1", headers=other, username="tanaka", password=PASSWORD).status_code == 303
    spoofed = attempt(proxied, "203.0.113.5", headers=via_proxy, username="tanaka", password=PASSWORD)
    assert spoofed.status_code == 303  # an untrusted peer cannot pick its address
