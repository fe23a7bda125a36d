"""The findings of the outside security test (issue 12) that live at the edge: the reception
oracle (item 3), unbounded bodies (6), the staff search by 個人番号 (7), the trace of refused
calls (8), the security headers (10) and the smaller ones (11). Each test failed before its fix."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from bench.server import Server, free_port
from shikaku.adapters.db.schema import audit_log
from shikaku.adapters.rate_limit import TokenBuckets
from shikaku.service_layer.admission import DenialTrace
from tests.builders import facility, insured_body, my_number
from tests.conftest import ADMIN_TOKEN, INSURER_NUMBER
from tests.helpers import csrf_token, eventually, sign_in_staff
from tests.integration.test_rate_limit import limited

DAY = "2026-06-01"


def audit_rows(ctx, *actions: str) -> list:
    with ctx.engine.connect() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action.in_(actions))
                                 .order_by(audit_log.c.id)))


# ------------------------------------------------------------------ item 3: reception

def test_reception_tells_a_facility_nothing_the_registry_knows(client):
    """A member without a My Number is not online; a facility guessing birth dates at the desk
    got `eligible_in_registry` true or false (and the certificate's face from the registry)."""
    member = client.post("/api/v1/members", json=insured_body(my_number=None)).json()
    cert = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                       json={"reason": "not_registered", "applied_on": "2026-05-01"})
    assert cert.status_code == 201, cert.text
    clinic = facility(client)

    def desk(headers, birth_date):
        return client.post("/api/v1/reception-assessments", headers=headers, json={
            "service_date": DAY, "facility": {"online_verification": False},
            "presented": ["eligibility_certificate"], "insurer_number": INSURER_NUMBER,
            "symbol": member["symbol"], "number": member["number"], "branch": member["branch"],
            "birth_date": birth_date}).json()

    right, wrong = desk(clinic, member["birth_date"]), desk(clinic, "1950-01-01")
    assert right == wrong  # the answer does not depend on the guess
    assert right["eligible_in_registry"] is None
    assert desk({}, member["birth_date"])["eligible_in_registry"] is True  # staff (admin token)
    assert desk({}, "1950-01-01")["eligible_in_registry"] is False


def test_a_facility_desk_reads_the_certificate_face_it_was_shown(client):
    clinic = facility(client)

    def desk(**face):
        return client.post("/api/v1/reception-assessments", headers=clinic, json={
            "service_date": DAY, "facility": {"online_verification": False},
            "presented": ["eligibility_certificate"], **face}).json()

    assert desk()["insured_treatment"] is True  # checked on its face by the desk
    assert desk(certificate_expires_on="2029-11-30")["insured_treatment"] is True
    expired = desk(certificate_expires_on="2026-05-31")
    assert expired["insured_treatment"] is False and expired["code"] == "certificate_not_valid"


# ------------------------------------------------------------------ item 6: bodies

def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client):
    r = client.post("/api/v1/members", content=b"{}", headers={
        "Authorization": "", "Content-Length": str(100 * 1024 * 1024), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_a_streamed_body_over_the_limit_is_413(client):
    chunks = (b'{"name": "' + b"x" * 65536 for _ in range(40))  # 2.5 MB, no Content-Length
    r = client.post("/api/v1/members", content=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    batch = client.post("/api/v1/verification-batches", content=(b" " * 65536 for _ in range(200)),
                        headers=facility(client))
    assert batch.status_code == 413  # 13 MB: over even the batch's limit


def _raw_request(port: int, head: str, body: bytes) -> int:
    """Sends the head and a little of the body; the status of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head.encode() + body)
        answer = s.recv(4096).decode("latin-1")
    return int(answer.split()[1])


def test_a_real_server_answers_a_huge_unauthenticated_post_without_reading_it(ctx, db_url):
    """The finding: an unauthenticated 100 MB POST was read whole before the 401 (server memory
    179 → 288 MB). Now: declared, 413 at once; streamed without a length, 401 at once."""
    server = Server(db_url, free_port(), env={"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN}).start()
    try:
        before = server.memory_mb()
        status = _raw_request(server.port, "POST /api/v1/members HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n", b"{" * 65536)
        assert status == 413
        status = _raw_request(server.port, "POST /api/v1/members HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                              b"10000\r\n" + b"{" * 65536 + b"\r\n")
        assert status == 401
        assert server.memory_mb() - before < 20
    finally:
        server.stop()


# ------------------------------------------------------------------ item 7: search by 個人番号

def test_a_my_number_is_never_searched_through_the_url(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    number = my_number()
    page = client.get("/staff/", params={"name": number})
    assert number not in page.text and number[-4:] in page.text  # shown masked, with the way to search
    assert "個人番号で検索" in page.text
    assert audit_rows(ctx, "member.search.my_number") == []


def test_the_search_by_my_number_is_a_post_audited_and_masked(client, ctx):
    number = my_number()
    member = client.post("/api/v1/members", json=insured_body(my_number=number)).json()
    token = sign_in_staff(client, ctx, "clerk")
    page = client.post("/staff/search/my-number", data={"my_number": number, "csrf_token": token})
    assert page.status_code == 200
    assert f'/staff/members/{member["id"]}' in page.text
    assert number not in page.text and "********" + number[-4:] in page.text
    [row] = audit_rows(ctx, "member.search.my_number")
    assert row.detail == {"my_number": "********" + number[-4:], "found": [member["id"]]}
    assert number not in str(row._mapping)
    bad = client.post("/staff/search/my-number", data={"my_number": "123456789012", "csrf_token": token})
    assert bad.status_code == 422 and "123456789012" not in bad.text


# ------------------------------------------------------------------ item 8: refusals are traced

def test_denied_calls_are_recorded_with_their_address(client, ctx):
    clinic = facility(client)
    client.get("/api/v1/members", headers={"Authorization": ""})
    client.get("/api/v1/members", headers={"Authorization": "Bearer made-up"})
    client.post("/api/v1/members", json={"zzz": 1}, headers=clinic)
    client.post("/api/v1/verifications", json={}, headers={"Authorization": ""})  # the fast path
    rows = audit_rows(ctx, "access.denied", "access.forbidden")
    assert [(r.action, r.role, r.target, r.remote, r.detail["status"]) for r in rows] == [
        ("access.denied", "anonymous", "GET /api/v1/members", "testclient", 401),
        ("access.denied", "anonymous", "GET /api/v1/members", "testclient", 401),
        ("access.forbidden", "facility", "POST /api/v1/members", "testclient", 403),
        ("access.denied", "anonymous", "POST /api/v1/verifications", "testclient", 401)]
    listed = client.get("/api/v1/audit-log", params={"refusals": "true"}).json()
    assert listed["total"] == 4


def test_a_my_number_in_a_refused_path_is_masked(client, ctx):
    number = my_number()
    client.get(f"/api/v1/members/{number}", headers={"Authorization": ""})
    [row] = audit_rows(ctx, "access.denied")
    assert number not in row.target and row.target.endswith("********" + number[-4:])


def test_a_flood_of_refusals_is_summarised(client, ctx, monkeypatch):
    monkeypatch.setattr(ctx, "denial_trace", DenialTrace(TokenBuckets(rate=1 / 60, burst=3),
                                                         TokenBuckets(rate=10, burst=100)))
    for _ in range(50):
        client.get("/api/v1/insurer", headers={"Authorization": ""})
    rows = audit_rows(ctx, "access.denied")
    assert len(rows) == 3  # the burst; the other 47 are counted, not written
    ctx.denial_trace.per_address._buckets["testclient"][0] = 1  # a minute later
    client.get("/api/v1/insurer", headers={"Authorization": ""})
    assert audit_rows(ctx, "access.denied")[-1].detail == {"status": 401, "suppressed": 47}


def test_web_403s_are_recorded_too(client, ctx):
    sign_in_staff(client, ctx, "auditor")
    assert client.get("/staff/members/new").status_code == 403
    [row] = audit_rows(ctx, "access.forbidden")
    assert (row.actor, row.role, row.target) == ("web-auditor", "auditor", "GET /staff/members/new")


# ------------------------------------------------------------------ item 10: headers

def test_every_answer_carries_the_security_headers(client, ctx):
    api = client.get("/api/v1/insurer")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in api.headers["content-security-policy"]
    assert api.headers["cache-control"] == "no-store"
    verification = client.post("/api/v1/verifications", json={}, headers=facility(client))
    assert verification.headers["cache-control"] == "no-store"
    sign_in_staff(client, ctx, "clerk")
    page = client.get("/staff/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "javascript:" not in client.get("/staff/members/999999").text
    for answer in (api, verification, page, client.get("/staff/dashboard")):
        for name in ("cache-control", "content-security-policy", "x-frame-options"):
            assert len(answer.headers.get_list(name)) == 1, name  # set by the edge alone
    static = client.get("/static/app.css")
    assert static.headers["x-content-type-options"] == "nosniff" and "no-store" not in static.headers.get(
        "cache-control", "")


def test_the_flash_cookie_is_secure_over_https(ctx, monkeypatch):
    from fastapi.testclient import TestClient

    from shikaku.entrypoints.api.app import create_server

    with TestClient(create_server(ctx), base_url="https://testserver") as secure:
        form = secure.get("/staff/sign-in")
        from shikaku.service_layer import accounts
        from shikaku.service_layer.auth import Actor, Role
        accounts.add_user(ctx, Actor(Role.ADMIN, "t"), "web-https", "試験", Role.CLERK, "web-test-password")
        done = secure.post("/staff/sign-in", follow_redirects=False, data={
            "username": "web-https", "password": "web-test-password", "csrf_token": csrf_token(form.text)})
        cookies = done.headers.get_list("set-cookie")
        flash = next(c for c in cookies if c.startswith("shikaku_flash="))
        assert "Secure" in flash and "HttpOnly" in flash


# ------------------------------------------------------------------ item 11: smaller ones

def test_revoking_the_configured_admin_token_says_what_is_true(client):
    r = client.post("/api/v1/tokens/revoke", json={"token": ADMIN_TOKEN}, headers={"Authorization": ""})
    assert r.status_code == 409 and r.json()["code"] == "token_not_revocable"
    assert client.get("/api/v1/insurer").status_code == 200  # it still works, as the answer said


def test_invalid_bearer_tokens_are_throttled_per_address(client, ctx):
    with limited(ctx, credential_failures=TokenBuckets(rate=1 / 60, burst=5)) as server:
        codes = [server.get("/api/v1/insurer", headers={"Authorization": f"Bearer wrong-{i}"}).status_code
                 for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
        refused = server.get("/api/v1/insurer", headers={"Authorization": "Bearer wrong"})
        assert refused.json()["code"] == "too_many_failures" and int(refused.headers["retry-after"]) > 0
        assert server.get("/api/v1/insurer").status_code == 200  # a valid token is never held back
    assert [r.detail["status"] for r in audit_rows(ctx, "access.denied", "access.throttled")] == \
        [401] * 5 + [429] * 4  # the refusals are traced, the throttled ones too


def test_a_throttled_sign_in_is_traced(ctx):
    with limited(ctx, sign_in=TokenBuckets(rate=1 / 60, burst=1)) as browser:
        form = browser.get("/staff/sign-in")
        for _ in range(3):
            browser.post("/staff/sign-in", data={"username": "nobody", "password": "wrong-password",
                                                 "csrf_token": csrf_token(form.text)})
    rows = audit_rows(ctx, "sign_in.throttled")
    assert len(rows) == 2  # the first miss empties the bucket; the next two are held back
    row = rows[0]
    assert (row.role, row.target, row.remote, row.detail["status"]) == \
        ("anonymous", "POST /staff/sign-in", "testclient", 429)


def test_the_access_log_of_an_unknown_member_is_404(client):
    for member_id in ("0", "999999", "-1", "x"):
        assert client.get(f"/api/v1/members/{member_id}/access-log").status_code == 404


@pytest.mark.parametrize("trusted", [False, True])
def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(ctx, db_url, trusted):
    """A loopback client chose its own X-Forwarded-For: it escaped the sign-in limit and picked
    its audit address. Now the header counts only from `--trusted-proxy` addresses."""
    env = {"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN, "SHIKAKU_TRUSTED_PROXIES": "127.0.0.1" if trusted else ""}
    server = Server(db_url, free_port(), env=env).start()
    try:
        _raw_request(server.port, "GET /api/v1/insurer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "X-Forwarded-For: 203.0.113.9\r\n\r\n", b"")
        rows = eventually(lambda: audit_rows(ctx, "access.denied"), "the server's access.denied row")
        assert rows[-1].remote == ("203.0.113.9" if trusted else "127.0.0.1")
    finally:
        server.stop()
