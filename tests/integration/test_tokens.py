"""API tokens (issue 7, item 3): listing without secrets, revocation by id (API, CLI, staff page)
and by whoever holds the token, effective at once here and within the cache time elsewhere."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from shikaku.adapters.db.schema import api_tokens
from shikaku.domain.errors import DomainError
from shikaku.service_layer import accounts, audit_trail, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import bearer
from tests.conftest import INSURER_NUMBER

FACILITY_CODE = "1310112345"
QUERY = {"service_date": "2026-06-01", "method": "card_info", "insurer_number": INSURER_NUMBER,
         "symbol": "1", "number": "1", "branch": "00", "birth_date": "1980-05-10"}
PASSWORD = "matrix-password"


def _code(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def _audited(ctx, action: str) -> list[dict]:
    return audit_trail.read(ctx, Actor(Role.AUDITOR, "t"), action=action)[0]


# ------------------------------------------------------------------ the use cases


def test_list_shows_what_was_issued_and_never_a_secret(ctx, admin):
    issued = society.issue_token(ctx, admin, Role.CLERK, "tanaka")
    society.add_facility(ctx, admin, FACILITY_CODE, "試験医院")
    items, total = society.list_tokens(ctx, admin)
    assert total == 2 and [item["subject"] for item in items] == [FACILITY_CODE, "tanaka"]  # newest first
    assert items[1] == {"id": issued["id"], "role": "clerk", "subject": "tanaka",
                        "created_at": items[1]["created_at"], "revoked_at": None}
    assert items[1]["created_at"].tzinfo is not None
    with ctx.connection() as conn:
        stored_hash = conn.execute(select(api_tokens.c.token_hash).where(api_tokens.c.id == issued["id"])).scalar()
    assert issued["token"] not in repr(items) and stored_hash not in repr(items)
    assert society.list_tokens(ctx, admin, limit=1, offset=1)[0][0]["id"] == issued["id"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CLERK, Role.AUDITOR, Role.FACILITY, Role.MEMBER])
def test_only_the_admin_lists_and_revokes(ctx, admin, role):
    issued = society.issue_token(ctx, admin, Role.CLERK, "tanaka")
    someone = Actor(role, "someone")
    assert _code(lambda: society.list_tokens(ctx, someone)) == "forbidden"
    assert _code(lambda: society.revoke_token_id(ctx, someone, str(issued["id"]))) == "forbidden"
    assert society.authenticate(ctx, issued["token"], None) is not None


def test_revoke_by_id_once_then_409_unknown_404(ctx, admin):
    issued = society.issue_token(ctx, admin, Role.CLERK, "tanaka")
    society.revoke_token_id(ctx, admin, str(issued["id"]))
    assert society.authenticate(ctx, issued["token"], None) is None
    assert society.list_tokens(ctx, admin)[0][0]["revoked_at"] is not None
    assert _code(lambda: society.revoke_token_id(ctx, admin, str(issued["id"]))) == "token_already_revoked"
    assert _code(lambda: society.revoke_token(ctx, admin, issued["token"])) == "token_already_revoked"
    for unknown in (str(issued["id"] + 1), "abc", "²", "9" * 30):
        assert _code(lambda: society.revoke_token_id(ctx, admin, unknown)) == "token_not_found"
    assert _code(lambda: society.revoke_token(ctx, admin, "no-such-token")) == "token_not_found"
    [row] = _audited(ctx, "token.revoke")
    assert (row["actor"], row["target"], row["detail"]) == (admin.subject, str(issued["id"]), {"role": "clerk"})


def test_revocation_is_immediate_here_and_within_the_cache_time_elsewhere(ctx, admin, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(society, "time", SimpleNamespace(monotonic=lambda: now[0]))
    elsewhere, here = (society.issue_token(ctx, admin, Role.CLERK, name) for name in ("elsewhere", "here"))
    for issued in (elsewhere, here):
        assert society.authenticate(ctx, issued["token"], None).subject == issued["subject"]  # now cached
    with ctx.connection(write=True) as conn:  # another process revokes: this process still has it cached
        conn.execute(update(api_tokens).where(api_tokens.c.id == elsewhere["id"])
                     .values(revoked_at=api_tokens.c.created_at))
    now[0] += society.TOKEN_CACHE_SECONDS - 0.1
    assert society.authenticate(ctx, elsewhere["token"], None) is not None
    now[0] += 0.2
    assert society.authenticate(ctx, elsewhere["token"], None) is None
    society.revoke_token_id(ctx, admin, str(here["id"]))  # this process: at once, cache or not
    assert society.authenticate(ctx, here["token"], None) is None


def test_the_holder_revokes_its_own_token_and_learns_nothing_else(ctx, admin):
    society.add_facility(ctx, admin, FACILITY_CODE, "試験医院")
    issued = society.issue_token(ctx, admin, Role.FACILITY, FACILITY_CODE)
    assert society.authenticate(ctx, issued["token"], None) is not None
    assert society.revoke_own_token(ctx, issued["token"], "192.0.2.7") is None
    assert society.authenticate(ctx, issued["token"], None) is None
    assert society.revoke_own_token(ctx, issued["token"], "192.0.2.7") is None  # again: silently
    assert society.revoke_own_token(ctx, "never-issued", "192.0.2.7") is None
    [row] = _audited(ctx, "token.revoke.self")  # the real revocation only, as its holder
    assert (row["actor"], row["role"], row["target"], row["remote"]) == \
        (FACILITY_CODE, "facility", str(issued["id"]), "192.0.2.7")


# ------------------------------------------------------------------ the API


def test_api_lists_and_revokes_for_the_admin_only(client):
    issued = client.post("/api/v1/tokens", json={"role": "clerk", "subject": "tanaka"})
    assert issued.status_code == 201 and set(issued.json()) == {"id", "role", "subject", "token"}
    clerk = bearer(issued.json()["token"])
    listed = client.get("/api/v1/tokens")
    assert listed.status_code == 200 and listed.json()["total"] == 1
    [item] = listed.json()["items"]
    assert set(item) == {"id", "role", "subject", "created_at", "revoked_at"} and item["id"] == issued.json()["id"]
    assert issued.json()["token"] not in listed.text
    assert client.get("/api/v1/tokens", headers=clerk).status_code == 403
    assert client.get("/api/v1/tokens", headers={"Authorization": ""}).status_code == 401
    path = f"/api/v1/tokens/{item['id']}"
    assert client.delete(path, headers=clerk).json()["code"] == "forbidden"
    assert client.delete(path, headers={"Authorization": ""}).status_code == 401
    revoked = client.delete(path)
    assert revoked.status_code == 204 and revoked.content == b""
    answer = client.get("/api/v1/insurer", headers=clerk)
    assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    again = client.delete(path)
    assert again.status_code == 409 and again.json()["code"] == "token_already_revoked"
    unknown = client.delete("/api/v1/tokens/999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == "token_not_found"
    assert client.get("/api/v1/tokens").json()["items"][0]["revoked_at"] is not None


def test_a_revoked_facility_token_is_refused_on_the_verification_fast_path(client):
    facility = client.post("/api/v1/facilities", json={"code": FACILITY_CODE, "name": "試験医院"})
    assert facility.status_code == 201 and {"code", "name", "token", "token_id"} <= set(facility.json())
    headers = bearer(facility.json()["token"])
    assert client.post("/api/v1/verifications", json=QUERY, headers=headers).status_code == 200  # cached now
    assert client.delete(f"/api/v1/tokens/{facility.json()['token_id']}").status_code == 204
    refused = client.post("/api/v1/verifications", json=QUERY, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"


def test_self_revocation_answers_the_same_whether_or_not_the_token_existed(client):
    facility = client.post("/api/v1/facilities", json={"code": FACILITY_CODE, "name": "試験医院"}).json()
    headers = bearer(facility["token"])
    assert client.post("/api/v1/verifications", json=QUERY, headers=headers).status_code == 200
    answers = [client.post("/api/v1/tokens/revoke", json={"token": token}, headers={"Authorization": ""})
               for token in (facility["token"], facility["token"], "never-issued")]
    assert [(a.status_code, a.json()) for a in answers] == [(200, {})] * 3
    assert client.post("/api/v1/verifications", json=QUERY, headers=headers).status_code == 401
    assert client.post("/api/v1/tokens/revoke", json={}).status_code == 422


# ------------------------------------------------------------------ the CLI


def test_cli_lists_and_revokes_by_id(ctx, db_url, admin):
    from shikaku.entrypoints.cli import app

    runner = CliRunner()
    added = runner.invoke(app, ["token", "add", "--role", "auditor", "--subject", "kansa", "--db", db_url])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    token_id = int(re.search(r"ID (\d+)", added.stderr).group(1))
    assert society.authenticate(ctx, token, None).subject == "kansa"
    listed = runner.invoke(app, ["token", "list", "--db", db_url])
    assert listed.exit_code == 0 and "kansa" in listed.output and token not in listed.output
    assert runner.invoke(app, ["token", "revoke", "--id", str(token_id), "--db", db_url]).exit_code == 0
    assert society.authenticate(ctx, token, None) is None
    again = runner.invoke(app, ["token", "revoke", "--id", str(token_id), "--db", db_url])
    assert again.exit_code == 2 and "token_already_revoked" in again.output
    for wrong in ([], [token, "--id", str(token_id)]):  # one of the two, not none or both
        assert runner.invoke(app, ["token", "revoke", *wrong, "--db", db_url]).exit_code == 2


# ------------------------------------------------------------------ the staff page


@pytest.fixture
def staff(ctx, admin, client):
    """Signs a staff member of the role in: the client with its session and CSRF token."""
    def sign_in(role: Role):
        accounts.add_user(ctx, admin, f"web-{role.value}", role.value, role, PASSWORD)
        opened = accounts.sign_in_staff(ctx, f"web-{role.value}", PASSWORD, None)
        client.cookies.set("shikaku_session", opened.token)
        return opened.csrf_token
    return sign_in


def test_the_tokens_page_issues_shows_once_and_revokes(ctx, client, staff):
    csrf = staff(Role.ADMIN)
    assert 'href="/staff/tokens"' in client.get("/staff/").text
    issued = client.post("/staff/tokens", data={"csrf_token": csrf, "role": "clerk", "subject": "tanaka"})
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    token = re.search(r'id="issued-token">([^<]+)<', issued.text).group(1)
    assert society.authenticate(ctx, token, None).subject == "tanaka"
    listing = client.get("/staff/tokens")
    assert listing.status_code == 200 and "tanaka" in listing.text and token not in listing.text
    token_id = society.list_tokens(ctx, Actor(Role.ADMIN, "t"))[0][0]["id"]
    refused = client.post(f"/staff/tokens/{token_id}/revoke", data={})  # no CSRF token
    assert refused.status_code == 403 and society.authenticate(ctx, token, None) is not None
    revoked = client.post(f"/staff/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/staff/tokens"
    assert society.authenticate(ctx, token, None) is None
    assert "失効させました" in client.get("/staff/tokens").text


def test_the_tokens_page_registers_a_facility_and_explains_refusals(ctx, client, staff):
    csrf = staff(Role.ADMIN)
    added = client.post("/staff/facilities", data={"csrf_token": csrf, "code": FACILITY_CODE, "name": "試験医院"})
    assert added.status_code == 201 and "試験医院" in added.text
    token = re.search(r'id="issued-token">([^<]+)<', added.text).group(1)
    assert society.authenticate(ctx, token, None).role is Role.FACILITY
    stray = client.post("/staff/tokens", data={"csrf_token": csrf, "role": "facility", "subject": "not-a-clinic"})
    assert stray.status_code == 422 and "登録済みの医療機関コード" in stray.text
    empty = client.post("/staff/tokens", data={"csrf_token": csrf, "role": "clerk", "subject": ""})
    assert empty.status_code == 422 and 'id="issued-token"' not in empty.text


def test_other_staff_neither_see_nor_reach_the_tokens_page(client, staff):
    csrf = staff(Role.SUPERVISOR)
    assert 'href="/staff/tokens"' not in client.get("/staff/").text
    assert client.get("/staff/tokens").status_code == 403
    refused = client.post("/staff/tokens", data={"csrf_token": csrf, "role": "admin", "subject": "me"})
    assert refused.status_code == 403
