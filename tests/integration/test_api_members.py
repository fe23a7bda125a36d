"""The member registry through the HTTP API (API.md "Members"), on a real database."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from shikaku.adapters.db.schema import audit_log, members
from tests.builders import dependent_body, enrol, enrol_dependent, insured_body, my_number, symbol

PROBLEM = "application/problem+json"


def problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == code, r.text
    return r.json()


def test_numbers_are_assigned_per_symbol_and_never_reused(client):
    sym = symbol()
    first, second = enrol(client, symbol=sym), enrol(client, symbol=sym)
    assert (first["number"], second["number"]) == ("1", "2")
    given = enrol(client, symbol=sym, number="10")
    assert given["number"] == "10"
    assert enrol(client, symbol=sym)["number"] == "11"
    problem(client.post("/api/v1/members", json=insured_body(symbol=sym, number="2")), 409,
            "number_in_use")


def test_branches_are_never_reused_after_a_dependent_leaves(client):
    insured = enrol(client)
    first = enrol_dependent(client, insured)
    client.post(f"/api/v1/members/{first['id']}/disqualification",
                json={"disqualified_on": "2024-04-01", "registered_on": "2024-04-02",
                      "reason": "dependent_ineligible"})
    later = enrol_dependent(client, insured, qualified_on="2025-01-01", registered_on="2025-01-06")
    assert (first["branch"], later["branch"]) == ("01", "02")


def test_disqualifying_the_insured_takes_the_family(client):
    insured = enrol(client)
    child = enrol_dependent(client, insured, birth_date="2015-01-01", qualified_on="2020-04-01")
    r = client.post(f"/api/v1/members/{insured['id']}/disqualification",
                    json={"disqualified_on": "2026-04-01", "registered_on": "2026-04-02",
                          "reason": "retirement"})
    assert r.status_code == 200 and r.json()["disqualified_on"] == "2026-04-01"
    before = client.get(f"/api/v1/members/{child['id']}?as_of=2026-03-31").json()
    after = client.get(f"/api/v1/members/{child['id']}?as_of=2026-04-01").json()
    assert before["eligible"] is True and after["eligible"] is False
    assert after["disqualified_on"] == "2026-04-01" and after["loss_reason"] == "insured_lost"
    problem(client.post(f"/api/v1/members/{insured['id']}/disqualification",
                        json={"disqualified_on": "2026-05-01", "reason": "retirement"}),
            409, "already_disqualified")


def test_amendment_is_dated_and_changes_ratio_and_limit_from_its_day(client):
    member = enrol(client, birth_date="1954-06-15", standard_monthly_remuneration=240000)
    r = client.patch(f"/api/v1/members/{member['id']}",
                     json={"standard_monthly_remuneration": 410000, "effective_on": "2026-09-01",
                           "registered_on": "2026-09-03"})
    assert r.status_code == 200, r.text
    august = client.get(f"/api/v1/members/{member['id']}?as_of=2026-08-31").json()
    september = client.get(f"/api/v1/members/{member['id']}?as_of=2026-09-01").json()
    assert (august["copay_ratio"], august["limit_category_code"]) == (20, "B04")
    assert (september["copay_ratio"], september["limit_category_code"]) == (30, "B03")


def test_name_change_keeps_the_old_name_before_its_day(client):
    member = enrol(client)
    client.patch(f"/api/v1/members/{member['id']}",
                 json={"name": "改姓 太郎", "name_kana": "ｶｲｾｲ ﾀﾛｳ", "effective_on": "2026-05-01"})
    assert client.get(f"/api/v1/members/{member['id']}?as_of=2026-04-30").json()["name"] == "試験 太郎"
    after = client.get(f"/api/v1/members/{member['id']}?as_of=2026-05-01").json()
    assert (after["name"], after["name_kana"]) == ("改姓 太郎", "カイセイ タロウ")


def test_dependent_cannot_carry_remuneration(client):
    insured = enrol(client)
    r = client.post("/api/v1/members", json=dependent_body(insured["id"], standard_monthly_remuneration=300000))
    assert problem(r, 422, "not_for_dependent")["errors"][0]["field"] == "standard_monthly_remuneration"


def test_unknown_insured_and_unknown_member(client):
    problem(client.post("/api/v1/members", json=dependent_body("999999")), 422, "unknown_insured")
    problem(client.get("/api/v1/members/999999"), 404, "member_not_found")
    problem(client.get("/api/v1/members/not-a-number"), 404, "member_not_found")


def test_remuneration_must_be_a_grade(client):
    r = client.post("/api/v1/members", json=insured_body(standard_monthly_remuneration=300001))
    problem(r, 422, "invalid_remuneration")


def test_kana_is_normalised_and_checked(client):
    member = enrol(client, name_kana="しけん　たろう")
    assert member["name_kana"] == "シケン タロウ"
    problem(client.post("/api/v1/members", json=insured_body(name_kana="Shiken Taro")), 422,
            "invalid_kana")


def test_enrolment_at_75_is_refused(client):
    r = client.post("/api/v1/members", json=insured_body(birth_date="1950-04-01",
                                                          qualified_on="2025-04-01"))
    problem(r, 422, "late_elderly")


def test_my_number_registered_later_publishes_from_its_day(client):
    member = enrol(client, my_number=None)
    assert member["has_my_number"] is False and member["online_available_from"] is None
    r = client.put(f"/api/v1/members/{member['id']}/my-number",
                   json={"my_number": my_number(), "registered_on": "2025-06-05"})
    assert r.status_code == 200 and r.json()["online_available_from"] == "2025-06-09"


def test_duplicate_my_number_is_allowed_after_the_holder_left(client):
    mn = my_number()
    first = enrol(client, my_number=mn)
    client.post(f"/api/v1/members/{first['id']}/disqualification",
                json={"disqualified_on": "2024-04-01", "registered_on": "2024-04-01",
                      "reason": "retirement"})
    problem(client.post("/api/v1/members", json=insured_body(my_number=mn, qualified_on="2024-03-01")),
            409, "duplicate_my_number")
    again = enrol(client, my_number=mn, qualified_on="2024-04-01", registered_on="2024-04-02")
    assert again["my_number_masked"] == "********" + mn[-4:]


def test_list_is_paged_in_a_stable_order(client):
    sym = symbol()
    ids = [enrol(client, symbol=sym)["id"] for _ in range(5)]
    page1 = client.get(f"/api/v1/members?symbol={sym}&limit=2").json()
    page2 = client.get(f"/api/v1/members?symbol={sym}&limit=2&offset=2").json()
    assert page1["total"] == 5
    assert [m["id"] for m in page1["items"] + page2["items"]] == ids[:4]


def test_legacy_card(client):
    member = enrol(client)
    r = client.post(f"/api/v1/members/{member['id']}/legacy-cards",
                    json={"issued_on": "2024-12-01", "expires_on": "2026-03-31"})
    assert r.status_code == 201 and r.json()["valid_until"] == "2025-12-01"
    problem(client.post(f"/api/v1/members/{member['id']}/legacy-cards",
                        json={"issued_on": "2024-12-02"}), 422, "legacy_card_discontinued")


def test_every_write_is_audited_without_the_my_number(client, ctx):
    mn = my_number()
    member = enrol(client, my_number=mn)
    client.patch(f"/api/v1/members/{member['id']}", json={"name": "監査 太郎", "effective_on": "2026-01-01"})
    with ctx.connection() as conn:
        rows = list(conn.execute(select(audit_log).where(audit_log.c.target == member["id"])))
    assert [r.action for r in rows] == ["member.enrol", "member.amend"]
    assert all(r.actor == "admin-token" and r.remote for r in rows)
    assert mn not in json.dumps([r.detail for r in rows])


def test_my_number_is_stored_encrypted_and_hashed(client, ctx):
    mn = my_number()
    member = enrol(client, my_number=mn)
    with ctx.connection() as conn:
        row = conn.execute(select(members).where(members.c.id == int(member["id"]))).one()
    assert mn.encode() not in row.my_number_cipher and mn not in row.my_number_hash
    assert ctx.vault.open(row.my_number_cipher) == mn
    assert row.my_number_hash == ctx.vault.lookup_hash(mn)


@pytest.mark.parametrize("body", [
    {}, [], {"relationship": "insured"}, {"relationship": "cousin"},
    {**insured_body(), "birth_date": "1990-13-01"}, {**insured_body(), "sex": "x"},
    {**insured_body(), "name": ""}, {**insured_body(), "name": "あ" * 101},
    {**insured_body(), "standard_monthly_remuneration": "many"},
    {**insured_body(), "unexpected": 1}, {**insured_body(), "symbol": "12a"},
])
def test_bad_input_is_422_problem_json(client, body):
    r = client.post("/api/v1/members", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM) and r.json()["code"]


def test_bad_my_number_is_never_echoed(client):
    bad = my_number()[:11] + "x"
    r = client.post("/api/v1/members", json=insured_body(my_number=bad))
    assert problem(r, 422, "invalid_my_number")["errors"][0]["field"] == "my_number"
    assert bad not in r.text


def test_broken_json_is_a_problem_not_a_500(client):
    r = client.post("/api/v1/members", content=b'{"relationship": ',
                    headers={"Content-Type": "application/json"})
    problem(r, 422, "invalid_json")
