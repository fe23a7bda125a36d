"""The accounts use cases (service_layer.accounts) against the in-memory unit of work: staff
accounts and their lock-out, the misses of names that sign in nobody (D-94), members' PINs and
their reset, sessions."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from shikaku.domain.errors import DomainError
from shikaku.service_layer import accounts, members, myna, society
from shikaku.service_layer.auth import Actor, Role
from tests.conftest import INSURER_NUMBER
from tests.service.test_members import MY_NUMBER, insured

ADMIN = Actor(Role.ADMIN, "admin")
PASSWORD = "correct horse battery"
CARD = "CARD-0001"


def refused(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


@pytest.fixture
def clerk_account(ctx, store):
    accounts.add_user(ctx, ADMIN, "suzuki", "鈴木 一郎", Role.CLERK, PASSWORD)
    return store.users["suzuki"]


def test_add_user_stores_an_argon2_hash_and_refuses_a_second(ctx, store, clerk_account):
    assert (clerk_account.display_name, clerk_account.role, clerk_account.failed_attempts) == ("鈴木 一郎", "clerk", 0)
    assert clerk_account.password_hash.startswith("$argon2") and PASSWORD not in clerk_account.password_hash
    assert store.audit[-1] == dict(actor="admin", role="admin", action="user.add", target="suzuki",
                                   detail={"role": "clerk"})
    audited = len(store.audit)
    assert refused(accounts.add_user, ctx, ADMIN, "suzuki", "別人", Role.CLERK, PASSWORD).code == "user_exists"
    assert store.users["suzuki"] == clerk_account and len(store.audit) == audited


def test_a_member_role_is_no_staff_account(ctx, store):
    assert refused(accounts.add_user, ctx, ADMIN, "member1", "", Role.MEMBER, PASSWORD).code == "invalid_role"
    assert store.users == {} and store.audit == []


def test_the_fifth_miss_locks_the_account_until_unlocked(ctx, store, clerk_account):
    for miss in range(1, 5):
        assert refused(accounts.sign_in_staff, ctx, "suzuki", "wrong password", "10.0.0.1").code == "sign_in_failed"
        assert store.users["suzuki"].failed_attempts == miss  # kept although the attempt was refused
    locked = refused(accounts.sign_in_staff, ctx, "suzuki", "wrong password", "10.0.0.1")
    assert (locked.code, locked.status) == ("account_locked", 423)
    user = store.users["suzuki"]
    assert user.failed_attempts == 0 and user.locked_until > datetime.now(timezone.utc) + timedelta(minutes=14)
    assert refused(accounts.sign_in_staff, ctx, "suzuki", PASSWORD, None).code == "account_locked"
    assert [a["action"] for a in store.audit[-6:]] == ["sign_in.failed"] * 5 + ["sign_in.locked"]
    assert store.web_sessions == {}
    accounts.unlock_user(ctx, ADMIN, "suzuki")
    assert store.audit[-1]["action"] == "user.unlock"
    opened = accounts.sign_in_staff(ctx, "suzuki", PASSWORD, None)
    assert (opened.actor.role, opened.display_name) == (Role.CLERK, "鈴木 一郎")


def test_unlocking_nobody_is_404(ctx, store):
    assert refused(accounts.unlock_user, ctx, ADMIN, "nobody").status == 404
    assert store.audit == []


def test_a_name_of_nobody_is_counted_and_locked_alike(ctx, store):
    for _ in range(4):
        assert refused(accounts.sign_in_staff, ctx, "nobody", "whatever12", None).code == "sign_in_failed"
    assert refused(accounts.sign_in_staff, ctx, "nobody", "whatever12", None).code == "account_locked"
    [(name_hash, (failures, locked_until, _))] = store.sign_in_misses.items()
    assert "nobody" not in name_hash and failures == 0 and locked_until > datetime.now(timezone.utc)
    assert [(a["action"], a["role"]) for a in store.audit] == [("sign_in.refused", "anonymous")] * 5
    assert store.users == {}


def test_a_session_lives_until_signed_out(ctx, store, clerk_account):
    opened = accounts.sign_in_staff(ctx, "suzuki", PASSWORD, "10.0.0.1")
    [stored] = store.web_sessions.values()
    assert opened.token not in stored.token_hash and stored.csrf_token == opened.csrf_token
    assert accounts.session(ctx, opened.token, None).actor.subject == "suzuki"
    accounts.sign_out(ctx, opened.token, "10.0.0.1")
    assert store.web_sessions == {} and accounts.session(ctx, opened.token, None) is None
    assert [a["action"] for a in store.audit[-2:]] == ["sign_in", "sign_out"]


@pytest.fixture
def member(ctx, clerk):
    found = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    myna.add_card(ctx, ADMIN, MY_NUMBER, CARD, date(2031, 3, 31), pin="2580")
    return found


def test_the_third_pin_miss_locks_the_card(ctx, store, member):
    assert "あと2回" in refused(accounts.sign_in_member, ctx, CARD, "0000", None).message
    assert store.card_pins[CARD].pin_failures == 1
    refused(accounts.sign_in_member, ctx, CARD, "0000", None)
    assert refused(accounts.sign_in_member, ctx, CARD, "0000", None).code == "pin_locked"
    assert refused(accounts.sign_in_member, ctx, CARD, "2580", None).code == "pin_locked"
    assert store.card_pins[CARD].pin_failures == 3 and store.web_sessions == {}
    assert accounts.portal_pin(ctx, ADMIN, member.id) == accounts.PortalPin(CARD, locked=True)


class Letters:
    """Stands for the PDF renderer: keeps the letters it was asked for."""

    def __init__(self):
        self.made = []

    def pin_reset_letter(self, doc, delivery=None) -> bytes:
        self.made.append(doc)
        return b"%PDF letter"


def test_a_pin_reset_unlocks_the_card_ends_its_sessions_and_mails_the_pin(ctx, store, member):
    society.initialise(ctx, INSURER_NUMBER, "試験健康保険組合")
    opened = accounts.sign_in_member(ctx, CARD, "2580", None)
    for _ in range(3):
        refused(accounts.sign_in_member, ctx, CARD, "0000", None)
    ctx.renderer = Letters()
    assert accounts.reset_portal_pin(ctx, ADMIN, member.id) == b"%PDF letter"
    [letter] = ctx.renderer.made
    assert (letter.card_hint, letter.holder.name, letter.holder.insurer_number) == ("0001", "山田 太郎", INSURER_NUMBER)
    assert store.card_pins[CARD].pin_failures == 0 and letter.pin != "2580"
    assert accounts.session(ctx, opened.token, None) is None
    assert store.audit[-1] == dict(actor="admin", role="admin", action="portal.pin_reset", target=CARD,
                                   detail={"member": member.id})
    assert letter.pin not in str(store.audit)
    assert accounts.sign_in_member(ctx, CARD, letter.pin, None).actor == Actor(Role.MEMBER, CARD, None)


def test_no_pin_reset_without_a_pin_card(ctx, store, clerk):
    found = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    myna.add_card(ctx, ADMIN, MY_NUMBER, CARD, date(2031, 3, 31))
    before = (dict(store.card_pins), len(store.audit))
    assert refused(accounts.reset_portal_pin, ctx, ADMIN, found.id).code == "portal_pin_not_set"
    assert (store.card_pins, len(store.audit)) == before
    assert refused(accounts.reset_portal_pin, ctx, ADMIN, "999").status == 404


def test_set_card_pin_needs_a_card(ctx, store):
    assert refused(accounts.set_card_pin, ctx, ADMIN, "NO-SUCH-CARD", "1357").code == "card_not_found"
    assert store.card_pins == {} and store.audit == []
