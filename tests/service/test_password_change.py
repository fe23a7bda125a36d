"""パスワードの変更 and the admin's reset (service_layer.accounts, D-137) against the in-memory unit
of work: the rules of creation reused (validate_password), the two entries compared, the other
sessions ended and this one kept, the audit rows without a password."""
from __future__ import annotations

import pytest

from shikaku.domain.errors import DomainError
from shikaku.service_layer import accounts
from shikaku.service_layer.auth import Actor, Role, token_digest

ADMIN = Actor(Role.ADMIN, "admin")
SUZUKI = Actor(Role.CLERK, "suzuki")
PASSWORD = "correct horse battery"
NEW = "new horse battery staple"


@pytest.fixture
def signed_in(ctx, store):
    """suzuki signed in twice (this browser and another)."""
    accounts.add_user(ctx, ADMIN, "suzuki", "鈴木 一郎", Role.CLERK, PASSWORD)
    return [accounts.sign_in_staff(ctx, "suzuki", PASSWORD, None) for _ in range(2)]


def refused(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


def test_the_new_password_follows_the_rules_of_creation(ctx, store, signed_in):
    short = "x" * (accounts.MIN_PASSWORD - 1)
    creation = refused(accounts.add_user, ctx, ADMIN, "tanaka", "田中", Role.CLERK, short)
    change = refused(accounts.change_password, ctx, SUZUKI, signed_in[0].token, PASSWORD, short, short)
    assert (change.code, change.message, change.field) == (creation.code, creation.message, "new_password")
    assert accounts.change_password(ctx, SUZUKI, signed_in[0].token, PASSWORD, "x" * accounts.MIN_PASSWORD,
                                    "x" * accounts.MIN_PASSWORD) == 1  # the boundary: exactly the minimum


def test_mismatch_and_unchanged_are_refused(ctx, store, signed_in):
    hashed = store.users["suzuki"].password_hash
    assert refused(accounts.change_password, ctx, SUZUKI, None, PASSWORD, NEW, NEW + "!").code == "password_mismatch"
    assert refused(accounts.change_password, ctx, SUZUKI, None, PASSWORD, PASSWORD, PASSWORD).code == \
        "password_unchanged"
    assert store.users["suzuki"].password_hash == hashed


def test_wrong_current_counts_as_a_failed_sign_in(ctx, store, signed_in):
    wrong = refused(accounts.change_password, ctx, SUZUKI, None, "wrong wrong wrong", NEW, NEW)
    assert (wrong.code, wrong.field) == ("wrong_password", "current_password")
    assert store.users["suzuki"].failed_attempts == 1
    assert store.audit[-1]["action"] == "user.password.change.failed"


def test_a_change_keeps_this_session_and_ends_the_others(ctx, store, signed_in):
    this, other = signed_in
    assert accounts.change_password(ctx, SUZUKI, this.token, PASSWORD, NEW, NEW) == 1
    assert token_digest(this.token) in store.web_sessions and token_digest(other.token) not in store.web_sessions
    assert store.audit[-1] == dict(actor="suzuki", role="clerk", action="user.password.change", target="suzuki",
                                   detail={"ended_sessions": 1})
    assert accounts.sign_in_staff(ctx, "suzuki", NEW, None)


def test_the_admin_reset(ctx, store, signed_in):
    assert refused(accounts.reset_password, ctx, SUZUKI, "suzuki", NEW, NEW).code == "forbidden"
    assert refused(accounts.reset_password, ctx, ADMIN, "nobody", NEW, NEW).code == "user_not_found"
    assert accounts.reset_password(ctx, ADMIN, "suzuki", NEW, NEW) == 2
    assert not any(s.subject == "suzuki" for s in store.web_sessions.values())
    assert store.audit[-1]["action"] == "user.password.reset" and NEW not in str(store.audit)
