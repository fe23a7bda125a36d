"""Sign-in refusals tell a guesser nothing (issue 12, items 8 and 11; D-94): every refused
sign-in, staff or portal, is audited with the caller's address (and a name that signs in nobody
as `anonymous`, never as a role); sign-outs too; and a name or card id that signs in nobody is
answered exactly as a real one with a wrong password or PIN — the same statuses and messages at
the same attempts, the lock-out and its duration included — whichever server process answers."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from shikaku.adapters.db.schema import audit_log, sign_in_misses, users
from shikaku.domain.errors import DomainError
from shikaku.entrypoints.bootstrap import build_context
from shikaku.service_layer import accounts, myna
from shikaku.service_layer.auth import Role
from tests.builders import my_number

PASSWORD = "correct horse battery"
PIN = "2580"
FROM = "203.0.113.7"


@pytest.fixture
def clerk(ctx, admin):
    accounts.add_user(ctx, admin, "tanaka", "田中 一郎", Role.CLERK, PASSWORD)
    return "tanaka"


@pytest.fixture
def card(ctx, admin):
    return myna.add_card(ctx, admin, my_number(), "PINCARDAAAA", date(2031, 1, 1), PIN)["card_id"]


class Clock:
    """accounts' clock, moved on by the test."""

    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        monkeypatch.setattr(accounts, "_now", lambda: datetime.now(timezone.utc) + self.offset)


def answer(call) -> tuple[str, int, str]:
    try:
        call()
    except DomainError as exc:
        return exc.code, exc.status, exc.message
    return "signed_in", 200, ""


def last_audit(ctx):
    with ctx.connection() as conn:
        return conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()


# ---------------------------------------------------------------- item 8: the audit rows

def test_every_refused_sign_in_is_audited_with_the_address(ctx, admin, clerk, card):
    accounts.add_user(ctx, admin, "gone-user", "退職 太郎", Role.CLERK, PASSWORD)
    with ctx.connection(write=True) as conn:
        conn.execute(update(users).where(users.c.username == "gone-user")
                     .values(disabled_at=datetime.now(timezone.utc)))
    myna.add_card(ctx, admin, my_number(), "NOPINCARD01", date(2031, 1, 1))
    staff = lambda name, password=PASSWORD: lambda: accounts.sign_in_staff(ctx, name, password, FROM)  # noqa: E731
    member = lambda card_id, pin=PIN: lambda: accounts.sign_in_member(ctx, card_id, pin, FROM)  # noqa: E731
    attempts = [
        ("unknown user", staff("nobody"), "sign_in.refused", "anonymous", "nobody"),
        ("disabled user", staff("gone-user"), "sign_in.refused", "anonymous", "gone-user"),
        ("wrong password", staff(clerk, "wrong-password"), "sign_in.failed", "clerk", clerk),
        ("unknown card", member("NOSUCHCARD"), "portal.sign_in.refused", "anonymous", "NOSUCHCARD"),
        ("card without a PIN", member("NOPINCARD01"), "portal.sign_in.refused", "anonymous", "NOPINCARD01"),
        ("wrong PIN", member(card, "0000"), "portal.sign_in.failed", "member", card),
    ]
    for _ in range(accounts.STAFF_MAX_FAILURES - 2):  # the list's wrong password is the next miss
        answer(staff(clerk, "wrong-password"))
    attempts += [("locking password", staff(clerk, "wrong-password"), "sign_in.failed", "clerk", clerk),
                 ("locked account", staff(clerk), "sign_in.locked", "clerk", clerk)]
    answer(member(card, "0000"))  # with the list's wrong PIN, two misses before the locking one
    attempts += [("locking PIN", member(card, "0000"), "portal.sign_in.failed", "member", card),
                 ("locked PIN", member(card), "portal.sign_in.locked", "member", card)]
    for what, attempt, action, role, actor in attempts:
        code, status, _ = answer(attempt)
        assert status in (401, 423), what
        row = last_audit(ctx)
        assert (row.action, row.role, row.actor, row.remote) == (action, role, actor, FROM), what


def test_a_typed_my_number_is_audited_masked_as_anonymous(ctx):
    number = my_number()
    answer(lambda: accounts.sign_in_staff(ctx, number, PASSWORD, FROM))
    row = last_audit(ctx)
    assert row.role == "anonymous" and number not in row.actor and row.actor.endswith(number[-4:])
    with ctx.connection() as conn:
        stored = [tuple(r) for r in conn.execute(select(sign_in_misses))]
    assert stored and not any(number in str(value) for r in stored for value in r)


def test_sign_out_is_audited_with_the_address(ctx, clerk, client):
    opened = accounts.sign_in_staff(ctx, clerk, PASSWORD, FROM)
    accounts.sign_out(ctx, opened.token, "198.51.100.4")
    assert (last_audit(ctx).action, last_audit(ctx).remote) == ("sign_out", "198.51.100.4")
    client.cookies.clear()  # through the page: the client's address (the test client's is "testclient")
    form = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    assert client.post("/staff/sign-in", data={"username": clerk, "password": PASSWORD, "csrf_token": token},
                       follow_redirects=False).status_code == 303
    page = client.get("/staff/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    assert client.post("/staff/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    row = last_audit(ctx)
    assert (row.action, row.actor, row.remote) == ("sign_out", clerk, "testclient")


# ---------------------------------------------------------------- item 11: the same answers

def staff_sequence(ctx, clock, name: str) -> list[tuple[str, int, str]]:
    """Wrong passwords past the lock-out, a minute into it, after it, and past a second one."""
    seen = [answer(lambda: accounts.sign_in_staff(ctx, name, "wrong-password", FROM))
            for _ in range(accounts.STAFF_MAX_FAILURES + 2)]
    clock.offset += timedelta(minutes=7)
    seen.append(answer(lambda: accounts.sign_in_staff(ctx, name, "wrong-password", FROM)))
    clock.offset += accounts.STAFF_LOCK
    seen += [answer(lambda: accounts.sign_in_staff(ctx, name, "wrong-password", FROM))
             for _ in range(accounts.STAFF_MAX_FAILURES + 1)]
    return seen


def test_an_unknown_user_name_is_answered_as_a_real_one(ctx, admin, clerk, monkeypatch):
    clock = Clock(monkeypatch)
    real = staff_sequence(ctx, clock, clerk)
    codes = [code for code, _, _ in real]
    assert codes == ["sign_in_failed"] * 4 + ["account_locked"] * 4 + ["sign_in_failed"] * 4 + ["account_locked"] * 2
    assert "約15分後" in real[4][2] and "約8分後" in real[7][2]
    for name in ("no-such-user", my_number(), "Tanaka"):
        clock.offset = timedelta(0)
        assert staff_sequence(ctx, clock, name) == real, name
    accounts.add_user(ctx, admin, "gone-user", "退職 太郎", Role.CLERK, PASSWORD)
    with ctx.connection(write=True) as conn:
        conn.execute(update(users).where(users.c.username == "gone-user")
                     .values(disabled_at=datetime.now(timezone.utc)))
    clock.offset = timedelta(0)
    assert staff_sequence(ctx, clock, "gone-user") == real


def test_a_success_resets_the_count_and_a_guess_between_processes_counts_once(ctx, db_url, clerk):
    other = build_context(db_url)  # a second server process: its own engine, the same database
    try:
        for name in (clerk, "no-such-user"):
            seen = [answer(lambda: accounts.sign_in_staff(ctx if i % 2 else other, name, "wrong", FROM))
                    for i in range(accounts.STAFF_MAX_FAILURES)]
            assert [code for code, _, _ in seen] == ["sign_in_failed"] * 4 + ["account_locked"], name
    finally:
        other.engine.dispose()
    assert answer(lambda: accounts.sign_in_staff(ctx, clerk, PASSWORD, FROM))[0] == "account_locked"


def portal_sequence(ctx, card_id: str) -> list[tuple[str, int, str]]:
    return [answer(lambda: accounts.sign_in_member(ctx, card_id, "0000", FROM)) for _ in range(5)]


def test_an_unknown_card_id_is_answered_as_a_real_one(ctx, admin, card):
    real = portal_sequence(ctx, card)
    assert [code for code, _, _ in real] == ["sign_in_failed"] * 2 + ["pin_locked"] * 3
    assert "あと2回" in real[0][2] and "あと1回" in real[1][2]
    myna.add_card(ctx, admin, my_number(), "NOPINCARD01", date(2031, 1, 1))
    for card_id in ("NOSUCHCARD", "NOPINCARD01", my_number()):
        assert portal_sequence(ctx, card_id) == real, card_id
    assert answer(lambda: accounts.sign_in_member(ctx, card, PIN, FROM))[0] == "pin_locked"


def _page(html: str, typed: str) -> str:
    """A sign-in page as the guesser compares it: without its CSRF token and the name typed."""
    html = re.sub(r'value="[A-Za-z0-9_-]{20,}"', 'value=""', html)
    return html.replace(typed, "TYPED")


def _post(client, path: str, fields: dict) -> tuple[int, str]:
    client.cookies.clear()
    client.cookies.set("shikaku_form", "form-token")
    answer = client.post(path, data={**fields, "csrf_token": "form-token"}, follow_redirects=False)
    return answer.status_code, answer.text


def test_the_pages_answer_alike(ctx, client, clerk, card, monkeypatch):
    monkeypatch.setenv("SHIKAKU_SIGN_IN_RATE", "off")
    sequences = {}
    for name in (clerk, "nobody-here"):
        sequences[name] = [(status, _page(text, name)) for status, text in (
            _post(client, "/staff/sign-in", {"username": name, "password": "wrong-password"})
            for _ in range(accounts.STAFF_MAX_FAILURES + 1))]
    assert [status for status, _ in sequences[clerk]] == [401] * 4 + [423] * 2
    assert sequences[clerk] == sequences["nobody-here"]
    cards = {}
    for card_id in (card, "NOSUCHCARD"):
        cards[card_id] = [(status, _page(text, card_id)) for status, text in (
            _post(client, "/portal/sign-in", {"card_id": card_id, "pin": "0000"}) for _ in range(4))]
    assert [status for status, _ in cards[card]] == [401, 401, 423, 423]
    assert cards[card] == cards["NOSUCHCARD"]
