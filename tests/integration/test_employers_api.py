"""The 事業所 master on the API (API.md, Employers) and the enrolment check it brings (D-111):
an unknown or withdrawn 記号 is refused through the API and through an employer's file."""
from __future__ import annotations

import io

from shikaku.service_layer import exchange
from shikaku.service_layer.auth import Actor, Role
from tests.builders import insured_body, insured_row, notification_csv

ADMIN = Actor(Role.ADMIN, "test-admin")


def _add(client, symbol="1000", name="さくら産業株式会社", **fields):
    return client.post("/api/v1/employers", json={"symbol": symbol, "name": name, **fields})


def test_register_and_duplicate(client):
    created = _add(client, applied_on="2000-04-01", postcode="1000005", phone="03-1234-5678")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["symbol"], body["postcode"], body["applied_on"], body["in_force"]) == \
        ("1000", "100-0005", "2000-04-01", True)
    again = _add(client, name="別会社")
    assert again.status_code == 409 and again.json()["code"] == "employer_exists"


def test_bad_body_is_problem_json(client):
    for body in ({"symbol": "1000"}, {"symbol": "abc", "name": "試験"}, {"symbol": "1", "name": "試験", "phone": "1"}):
        response = client.post("/api/v1/employers", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] in ("name", "symbol", "phone")


def test_list_search_paging_get_and_patch(client):
    for n in range(7):
        assert _add(client, str(2000 + n), f"会社{n}").status_code == 201
    _add(client, "3000", "別の商事")
    page = client.get("/api/v1/employers", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 8 and [e["symbol"] for e in page["items"]] == ["2003", "2004", "2005"]
    assert client.get("/api/v1/employers", params={"q": "商事"}).json()["total"] == 1
    assert client.get("/api/v1/employers", params={"q": "200"}).json()["total"] == 7
    assert client.get("/api/v1/employers/9999").status_code == 404
    assert client.get("/api/v1/employers/9999").json()["code"] == "employer_not_found"
    changed = client.patch("/api/v1/employers/2000", json={"name": "新会社", "withdrawn_on": "2026-04-01"})
    assert changed.status_code == 200 and changed.json()["name"] == "新会社"
    assert changed.json()["in_force"] is False  # the tests' today is 2026-06-01
    assert client.patch("/api/v1/employers/2000", json={"applied_on": "2001-01-01"}).status_code == 422


def test_import_is_all_or_none(client):
    bad = "記号,名称,適用年月日\n4001,良い,R1.5.1\n4002,,\n".encode()
    refused = client.post("/api/v1/employers/import", files={"file": ("e.csv", bad, "text/csv")})
    assert refused.status_code == 422 and refused.json()["code"] == "employer_file_refused"
    assert refused.json()["errors"][0]["row"] == 3
    assert client.get("/api/v1/employers").json()["total"] == 0
    good = "記号,名称,適用年月日\n4001,良い,R1.5.1\n4002,次,\n".encode("cp932")
    done = client.post("/api/v1/employers/import", files={"file": ("e.csv", good, "text/csv")})
    assert done.status_code == 200 and (done.json()["added"], done.json()["updated"]) == (2, 0)
    changed = client.post("/api/v1/employers/import", files={"file": ("e.csv", "記号,名称\n4001,改名\n".encode(), "text/csv")})
    assert changed.json()["updated"] == 1 and client.get("/api/v1/employers/4001").json()["applied_on"] == "2019-05-01"


def test_enrolment_needs_an_employer_in_force_once_kept(client):
    assert client.post("/api/v1/members", json=insured_body(symbol="99999999")).status_code == 201  # none kept
    _add(client, "5000", "適用株式会社", applied_on="2020-04-01", withdrawn_on="2025-04-01")
    for symbol, qualified_on in (("99999998", "2021-04-01"), ("5000", "2020-03-31"), ("5000", "2025-04-01")):
        refused = client.post("/api/v1/members", json=insured_body(symbol=symbol, qualified_on=qualified_on,
                                                                   registered_on=qualified_on))
        assert refused.status_code == 422 and refused.json()["code"] == "unknown_employer", (symbol, qualified_on)
    member = client.post("/api/v1/members", json=insured_body(symbol="5000", qualified_on="2020-04-01"))
    assert member.status_code == 201 and member.json()["employer_name"] == "適用株式会社"


def test_import_of_notifications_refuses_unknown_and_withdrawn(client, ctx):
    _add(client, "6000", "脱退株式会社", applied_on="2000-04-01", withdrawn_on="2025-01-01")
    rows = [insured_row(symbol="6000", number="1"), insured_row(symbol="6001", number="2", 氏名カナ="ヤマダ ジロウ")]
    result = exchange.import_notifications(ctx, ADMIN, io.BytesIO(notification_csv(rows)), "n.csv")
    assert result.status == "refused"
    assert [(e.row, e.code) for e in result.errors] == [(2, "unknown_employer"), (3, "unknown_employer")]
