"""同一人物の可能性 and one-time submissions (issue 14, item 3): the API's 409 `possible_duplicate`
with its candidates and 201 once confirmed; `Idempotency-Key` replay and misuse; the staff
enrolment form asking before it enrols, and a form sent twice making one member."""
from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import func, select

from shikaku.adapters.db.member_search import same_reading_query
from shikaku.adapters.db.schema import members as members_table
from tests.builders import insured_body, symbol
from tests.helpers import sign_in_staff

KANA, BORN = "ドウイツ ジンブツ", "1971-03-03"


def _person(**fields) -> dict:
    return insured_body(**{"name": "同一 人物", "name_kana": KANA, "birth_date": BORN, "my_number": None,
                           **fields})


def _count(ctx, kana: str) -> int:
    with ctx.connection() as conn:
        return conn.execute(select(func.count()).select_from(members_table)
                            .where(members_table.c.name_kana == kana)).scalar()


def test_api_answers_409_with_candidates_unless_confirmed(client):
    first = client.post("/api/v1/members", json=_person(name_kana="ドウイツ エイピー"))
    assert first.status_code == 201 and first.json()["possible_duplicates"] == []
    asked = client.post("/api/v1/members", json={**_person(name_kana="ﾄﾞｳｲﾂｴｲﾋﾟｰ"), "confirm_duplicates": False})
    assert asked.status_code == 409 and asked.json()["code"] == "possible_duplicate", asked.text
    assert [c["id"] for c in asked.json()["candidates"]] == [first.json()["id"]]
    # the default (API.md): 201 with the ids
    confirmed = client.post("/api/v1/members", json=_person(name_kana="ドウイツエイピー"))
    assert confirmed.status_code == 201 and confirmed.json()["possible_duplicates"] == [first.json()["id"]]


def test_idempotency_key_replays_the_first_answer(client, ctx):
    body, key = _person(name_kana="サイソウ イチ"), {"Idempotency-Key": uuid.uuid4().hex}
    first = client.post("/api/v1/members", json=body, headers=key)
    again = client.post("/api/v1/members", json=dict(reversed(list(body.items()))), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotency-Replayed"] == "true"
    assert _count(ctx, "サイソウ イチ") == 1


def test_idempotency_key_reused_for_another_body_is_422(client, ctx):
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert client.post("/api/v1/members", json=_person(name_kana="サイソウ ニ"), headers=key).status_code == 201
    other = client.post("/api/v1/members", json=_person(name_kana="サイソウ サン"), headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert _count(ctx, "サイソウ サン") == 0


def test_a_refused_post_stores_no_key(client, ctx):
    key = {"Idempotency-Key": uuid.uuid4().hex}
    bad = client.post("/api/v1/members", json=_person(name_kana="サイソウ ヨン", qualified_on="1970-01-01"),
                      headers=key)
    assert bad.status_code == 422
    assert client.post("/api/v1/members", json=_person(name_kana="サイソウ ヨン"), headers=key).status_code == 201


def _form(client, path: str) -> dict:
    html = client.get(path).text
    return {name: re.search(rf'name="{name}" value="([^"]+)"', html)[1] for name in ("csrf_token", "form_token")}


def _enrolment(kana: str, mark: str) -> dict:
    return {"name": "二重 送信", "name_kana": kana, "birth_date": BORN, "sex": "female", "symbol": mark,
            "qualified_on": "2026-04-01", "standard_monthly_remuneration": "300,000"}


def test_web_form_sent_twice_makes_one_member(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    tokens, typed = _form(client, "/staff/members/new"), _enrolment("ニジュウ ソウシン", symbol())
    first = client.post("/staff/members/new", data={**typed, **tokens}, follow_redirects=False)
    again = client.post("/staff/members/new", data={**typed, **tokens}, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert _count(ctx, "ニジュウ ソウシン") == 1


def test_web_form_asks_before_enrolling_the_same_person(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    typed = _enrolment("ドウイツ ウェブ", symbol())
    assert client.post("/staff/members/new", data={**typed, **_form(client, "/staff/members/new")},
                       follow_redirects=False).status_code == 303
    tokens = _form(client, "/staff/members/new")
    asked = client.post("/staff/members/new", data={**typed, **tokens, "name_kana": "どういつ　うぇぶ"})
    assert asked.status_code == 422
    assert "同一人物の可能性があります" in asked.text and "別人であることを確認しました" in asked.text
    assert 'name="form_token" value="%s"' % tokens["form_token"] in asked.text  # the same submission
    assert _count(ctx, "ドウイツ ウェブ") == 1
    done = client.post("/staff/members/new", data={**typed, **tokens, "confirm_duplicates": "on"},
                       follow_redirects=False)
    assert done.status_code == 303 and _count(ctx, "ドウイツ ウェブ") == 2


def test_a_reading_stored_with_two_spaces_is_found_without_them(client):
    """The look-up compares the フリガナ without any space (D-165), however it was spaced."""
    first = client.post("/api/v1/members", json=_person(name_kana="ス ミス ジョン"))
    assert first.status_code == 201, first.text
    asked = client.post("/api/v1/members", json={**_person(name_kana="スミスジョン"), "confirm_duplicates": False})
    assert asked.status_code == 409
    assert [c["id"] for c in asked.json()["candidates"]] == [first.json()["id"]]


def test_the_look_up_goes_through_the_expression_index(ctx):
    """The candidates are found by the index on (フリガナ without spaces, 生年月日), not a scan
    (on PostgreSQL with sequential scans off: a table this small would be read whole)."""
    query = same_reading_query([("ドウイツジンブツ", date(1971, 3, 3)), ("スミスジョン", date(1971, 3, 3))])
    with ctx.connection() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(str(row) for row in conn.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN ") + sql))
    assert "ix_members_kana_key" in plan, plan
