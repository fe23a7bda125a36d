"""パスワードの変更 (issue 14, item 8; D-137) through the real pages and database: a wrong
current password is refused (and counts towards the lock-out), a weak or mistyped new one is
refused with the rules of creation, a change ends the user's other sessions and keeps this one,
and an admin's reset ends every session of that user. Audited, never with a password."""
from __future__ import annotations

import json

from shikaku.service_layer import accounts, audit_trail
from shikaku.service_layer.accounts import STAFF_MAX_FAILURES
from shikaku.service_layer.auth import Actor, Role
from tests.helpers import STAFF_PASSWORD, csrf_token, sign_in_staff

NEW = "atarashii-pass-2026"


def _change(client, csrf: str, current: str, new: str, again: str | None = None):
    return client.post("/staff/password", data={"current_password": current, "new_password": new,
                                                 "new_password_again": new if again is None else again,
                                                 "csrf_token": csrf}, follow_redirects=False)


def _audited(ctx, action: str) -> list[dict]:
    return audit_trail.read(ctx, Actor(Role.ADMIN, "t"), action=action)[0]


def _other_session(ctx):
    return accounts.sign_in_staff(ctx, "web-clerk", STAFF_PASSWORD, None)


def test_the_form(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    page = client.get("/staff/password")
    assert page.status_code == 200
    for name in ("current_password", "new_password", "new_password_again"):
        assert f'name="{name}" type="password"' in page.text
    assert "10文字以上" in page.text and "/staff/users/password" not in page.text  # no reset for a clerk


def test_wrong_current_password_is_refused(client, ctx):
    csrf = sign_in_staff(client, ctx, "clerk")
    other = _other_session(ctx)
    refused = _change(client, csrf, "not-the-password", NEW)
    assert refused.status_code == 422 and "現在のパスワードが正しくありません" in refused.text
    assert NEW not in refused.text and "not-the-password" not in refused.text  # never sent back
    assert accounts.session(ctx, other.token, None) is not None  # nothing changed
    [failed] = _audited(ctx, "user.password.change.failed")
    assert failed["target"] == "web-clerk" and failed["detail"] == {"failures": 1}
    accounts.sign_in_staff(ctx, "web-clerk", STAFF_PASSWORD, None)  # the old password still works


def test_weak_or_mistyped_new_password_is_refused(client, ctx):
    csrf = sign_in_staff(client, ctx, "clerk")
    weak = _change(client, csrf, STAFF_PASSWORD, "short")
    assert weak.status_code == 422 and "パスワードは10文字以上にしてください" in weak.text
    assert 'id="e-new_password"' in weak.text
    mistyped = _change(client, csrf, STAFF_PASSWORD, NEW, NEW + "x")
    assert mistyped.status_code == 422 and "一致しません" in mistyped.text
    same = _change(client, csrf, STAFF_PASSWORD, STAFF_PASSWORD)
    assert same.status_code == 422 and "現在と異なるもの" in same.text
    assert _audited(ctx, "user.password.change") == []


def test_a_change_ends_the_other_sessions(client, ctx):
    csrf = sign_in_staff(client, ctx, "clerk")
    others = [_other_session(ctx), _other_session(ctx)]
    done = _change(client, csrf, STAFF_PASSWORD, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/staff/"
    assert all(accounts.session(ctx, o.token, None) is None for o in others)
    assert client.get("/staff/", follow_redirects=False).status_code == 200  # this browser stays in
    accounts.sign_in_staff(ctx, "web-clerk", NEW, None)
    try:
        accounts.sign_in_staff(ctx, "web-clerk", STAFF_PASSWORD, None)
        raise AssertionError("the old password still signs in")
    except accounts.DomainError as exc:
        assert exc.code == "sign_in_failed"
    [changed] = _audited(ctx, "user.password.change")
    assert (changed["actor"], changed["target"], changed["detail"]) == ("web-clerk", "web-clerk", {"ended_sessions": 2})
    assert NEW not in json.dumps(_audited(ctx, "user.password.change"), default=str)


def test_guessing_the_current_password_locks_and_signs_out(client, ctx):
    csrf = sign_in_staff(client, ctx, "clerk")
    for _ in range(STAFF_MAX_FAILURES - 1):
        assert _change(client, csrf, "guess-guess-guess", NEW).status_code == 422
    locked = _change(client, csrf, "guess-guess-guess", NEW)
    assert locked.status_code == 422 and "アカウントをロックしました" in locked.text
    assert client.get("/staff/", follow_redirects=False).status_code == 303  # signed out
    try:
        accounts.sign_in_staff(ctx, "web-clerk", STAFF_PASSWORD, None)
        raise AssertionError("not locked")
    except accounts.DomainError as exc:
        assert exc.code == "account_locked"


def test_an_admin_resets_another_users_password(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    clerk_sessions = [_other_session(ctx)]
    admin_csrf = sign_in_staff(client, ctx, "admin")
    page = client.get("/staff/users/password")
    assert page.status_code == 200 and 'name="username"' in page.text
    unknown = client.post("/staff/users/password", data={"username": "nobody", "new_password": NEW,
                                                          "new_password_again": NEW, "csrf_token": admin_csrf})
    assert unknown.status_code == 422 and "登録されていません" in unknown.text
    weak = client.post("/staff/users/password", data={"username": "web-clerk", "new_password": "short",
                                                       "new_password_again": "short", "csrf_token": admin_csrf})
    assert weak.status_code == 422 and "10文字以上" in weak.text
    done = client.post("/staff/users/password", data={"username": "web-clerk", "new_password": NEW,
                                                       "new_password_again": NEW, "csrf_token": admin_csrf},
                       follow_redirects=False)
    assert done.status_code == 303
    assert all(accounts.session(ctx, s.token, None) is None for s in clerk_sessions)
    accounts.sign_in_staff(ctx, "web-clerk", NEW, None)
    [reset] = _audited(ctx, "user.password.reset")
    assert (reset["actor"], reset["target"]) == ("web-admin", "web-clerk") and reset["detail"]["ended_sessions"] >= 1


def test_a_clerk_may_not_reset(client, ctx):
    csrf = sign_in_staff(client, ctx, "clerk")
    assert client.get("/staff/users/password").status_code == 403
    assert client.post("/staff/users/password", data={"username": "web-clerk", "new_password": NEW,
                                                      "new_password_again": NEW, "csrf_token": csrf}).status_code == 403
    assert csrf_token(client.get("/staff/password").text)
