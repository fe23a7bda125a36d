"""Staff accounts and member sign-in: argon2 hashes, lock-out boundaries, sessions, the CLI."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from shikaku.adapters.db.schema import myna_cards, users, web_sessions
from shikaku.domain.errors import DomainError
from shikaku.service_layer import accounts, myna
from shikaku.service_layer.auth import Actor, Role
from tests.builders import my_number

PASSWORD = "correct horse battery"


@pytest.fixture
def clerk(ctx, admin):
    accounts.add_user(ctx, admin, "tanaka", "田中 一郎", Role.CLERK, PASSWORD)
    return "tanaka"


def _refused_code(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_password_is_stored_as_argon2_and_checked(ctx, clerk):
    with ctx.connection() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    opened = accounts.sign_in_staff(ctx, clerk, PASSWORD, "127.0.0.1")
    assert opened.actor == Actor(Role.CLERK, clerk, "127.0.0.1") and opened.display_name == "田中 一郎"
    assert accounts.session(ctx, opened.token, None).actor.role is Role.CLERK
    with ctx.connection() as conn:  # only the token's hash is stored
        assert conn.execute(select(web_sessions.c.token_hash)).scalar_one() != opened.token


def test_staff_lock_out_after_five_failures_in_a_row(ctx, clerk):
    for _ in range(accounts.STAFF_MAX_FAILURES - 1):
        assert _refused_code(lambda: accounts.sign_in_staff(ctx, clerk, "wrong", None)) == "sign_in_failed"
    accounts.sign_in_staff(ctx, clerk, PASSWORD, None)  # the fourth miss is not yet a lock; success resets
    for _ in range(accounts.STAFF_MAX_FAILURES - 1):
        accounts_refusal = _refused_code(lambda: accounts.sign_in_staff(ctx, clerk, "wrong", None))
        assert accounts_refusal == "sign_in_failed"
    assert _refused_code(lambda: accounts.sign_in_staff(ctx, clerk, "wrong", None)) == "account_locked"
    assert _refused_code(lambda: accounts.sign_in_staff(ctx, clerk, PASSWORD, None)) == "account_locked"
    with ctx.connection(write=True) as conn:  # the lock has run out
        conn.execute(update(users).values(locked_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    assert accounts.sign_in_staff(ctx, clerk, PASSWORD, None).actor.subject == clerk


def test_unlock_by_admin_and_unknown_users(ctx, admin, clerk):
    for _ in range(accounts.STAFF_MAX_FAILURES):
        with pytest.raises(DomainError):
            accounts.sign_in_staff(ctx, clerk, "wrong", None)
    accounts.unlock_user(ctx, admin, clerk)
    accounts.sign_in_staff(ctx, clerk, PASSWORD, None)
    assert _refused_code(lambda: accounts.sign_in_staff(ctx, "nobody", PASSWORD, None)) == "sign_in_failed"
    assert _refused_code(lambda: accounts.unlock_user(ctx, Actor(Role.CLERK, clerk), clerk)) == "forbidden"


@pytest.mark.parametrize("username, password, code", [
    ("Ab", PASSWORD, "invalid_username"), ("ok-name", "short", "weak_password")])
def test_add_user_validates(ctx, admin, username, password, code):
    assert _refused_code(lambda: accounts.add_user(ctx, admin, username, "", Role.CLERK, password)) == code


def test_add_user_refuses_member_role_duplicates_and_non_admins(ctx, admin, clerk):
    assert _refused_code(lambda: accounts.add_user(ctx, admin, "x-member", "", Role.MEMBER, PASSWORD)) \
        == "invalid_role"
    assert _refused_code(lambda: accounts.add_user(ctx, admin, clerk, "", Role.CLERK, PASSWORD)) == "user_exists"
    assert _refused_code(lambda: accounts.add_user(ctx, Actor(Role.SUPERVISOR, "s"), "new-one", "",
                                                   Role.CLERK, PASSWORD)) == "forbidden"


@pytest.fixture
def card(ctx, admin):
    return myna.add_card(ctx, admin, my_number(), "PINCARD0001", date(2031, 1, 1), "2580")["card_id"]


def test_member_pin_locks_on_the_third_miss(ctx, card):
    assert _refused_code(lambda: accounts.sign_in_member(ctx, card, "0000", None)) == "sign_in_failed"
    accounts.sign_in_member(ctx, card, "2580", None)  # a success resets the count
    for _ in range(accounts.PIN_MAX_FAILURES - 1):
        assert _refused_code(lambda: accounts.sign_in_member(ctx, card, "0000", None)) == "sign_in_failed"
    assert _refused_code(lambda: accounts.sign_in_member(ctx, card, "0000", None)) == "pin_locked"
    assert _refused_code(lambda: accounts.sign_in_member(ctx, card, "2580", None)) == "pin_locked"


def test_pin_reset_unlocks_and_pins_are_hashed(ctx, admin, card):
    for _ in range(accounts.PIN_MAX_FAILURES):
        with pytest.raises(DomainError):
            accounts.sign_in_member(ctx, card, "0000", None)
    accounts.set_card_pin(ctx, admin, card, "1357")
    assert accounts.sign_in_member(ctx, card, "1357", None).actor == Actor(Role.MEMBER, card, None)
    with ctx.connection() as conn:
        assert conn.execute(select(myna_cards.c.pin_hash)).scalar_one().startswith("$argon2id$")
    assert _refused_code(lambda: accounts.set_card_pin(ctx, admin, card, "12a4")) == "invalid_pin"


def test_card_without_pin_cannot_sign_in(ctx, admin):
    myna.add_card(ctx, admin, my_number(), "NOPINCARD01", date(2031, 1, 1))
    assert _refused_code(lambda: accounts.sign_in_member(ctx, "NOPINCARD01", "0000", None)) == "sign_in_failed"


def test_sessions_expire_and_sign_out_ends_them(ctx, clerk):
    opened = accounts.sign_in_staff(ctx, clerk, PASSWORD, None)
    accounts.sign_out(ctx, opened.token)
    assert accounts.session(ctx, opened.token, None) is None
    again = accounts.sign_in_staff(ctx, clerk, PASSWORD, None)
    with ctx.connection(write=True) as conn:
        conn.execute(update(web_sessions).values(expires_at=datetime.now(timezone.utc)))
    assert accounts.session(ctx, again.token, None) is None
    assert accounts.session(ctx, "forged", None) is None


def test_disabled_user_loses_the_session(ctx, clerk):
    opened = accounts.sign_in_staff(ctx, clerk, PASSWORD, None)
    with ctx.connection(write=True) as conn:
        conn.execute(update(users).values(disabled_at=datetime.now(timezone.utc)))
    assert accounts.session(ctx, opened.token, None) is None
    assert _refused_code(lambda: accounts.sign_in_staff(ctx, clerk, PASSWORD, None)) == "sign_in_failed"


def test_cli_user_add_and_unlock(ctx, db_url):
    from shikaku.entrypoints.cli import app

    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "suzuki", "--role", "supervisor", "--name", "鈴木",
                                "--db", db_url], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert accounts.sign_in_staff(ctx, "suzuki", PASSWORD, None).actor.role is Role.SUPERVISOR
    weak = runner.invoke(app, ["user", "add", "sato", "--role", "clerk", "--db", db_url],
                         env={"SHIKAKU_NEW_PASSWORD": "short"})
    assert weak.exit_code == 2 and "weak_password" in weak.output
    assert runner.invoke(app, ["user", "unlock", "suzuki", "--db", db_url]).exit_code == 0
    assert runner.invoke(app, ["user", "unlock", "nobody", "--db", db_url]).exit_code == 2


def test_cli_token_revoke(ctx, db_url, admin):
    from shikaku.entrypoints.cli import app
    from shikaku.service_layer import society

    token = society.issue_token(ctx, admin, Role.CLERK, "revoke-me")["token"]
    assert society.authenticate(ctx, token, None).subject == "revoke-me"
    runner = CliRunner()
    # "--" ends the options: a token may begin with "-" (URL-safe base64)
    assert runner.invoke(app, ["token", "revoke", "--db", db_url, "--", token]).exit_code == 0
    assert society.authenticate(ctx, token, None) is None
    again = runner.invoke(app, ["token", "revoke", "--db", db_url, "--", token])
    assert again.exit_code == 2 and "token_already_revoked" in again.output
