"""The 事業所 pages without a browser: the list (search, pages, CSV), an employer's page, the add
and change forms (和暦 dates, field-named errors), the CSV upload (all rows or none), roles."""
from __future__ import annotations

import pytest

from shikaku.service_layer import accounts, employers
from shikaku.service_layer.auth import Actor, Role
from tests.helpers import csrf_token

ADMIN = Actor(Role.ADMIN, "test-admin")
PASSWORD = "web-employers-password"


@pytest.fixture
def sign_in(ctx, client):
    def signed_in(role: str = "clerk") -> str:
        accounts.add_user(ctx, ADMIN, f"web-{role}", role, Role(role), PASSWORD)
        client.cookies.clear()
        form = csrf_token(client.get("/staff/sign-in").text)
        client.post("/staff/sign-in", data={"username": f"web-{role}", "password": PASSWORD, "csrf_token": form})
        return csrf_token(client.get("/staff/employers").text)
    return signed_in


def _add(ctx, symbol: str, name: str, **fields):
    return employers.add(ctx, ADMIN, employers.EmployerRegistration(symbol=symbol, name=name, **fields))


def test_add_form_takes_wareki_and_shows_the_page(client, ctx, sign_in):
    token = sign_in("clerk")
    response = client.post("/staff/employers/new", follow_redirects=False, data={
        "csrf_token": token, "symbol": "１２３４", "name": "さくら精機株式会社", "postcode": "1000005",
        "address": "東京都千代田区丸の内1丁目1番1号", "phone": "03-1234-5678", "applied_on": "R2.4.1"})
    assert response.status_code == 303, response.text[:1500]
    assert response.headers["location"] == "/staff/employers/1234"
    html = client.get("/staff/employers/1234").text
    assert "さくら精機株式会社" in html and "令和2年4月1日" in html and "〒100-0005" in html
    assert "さくら精機株式会社" in client.get("/staff/employers?q=さくら").text


def test_a_refused_add_names_its_fields_and_keeps_what_was_typed(client, ctx, sign_in):
    token = sign_in("clerk")
    response = client.post("/staff/employers/new", data={
        "csrf_token": token, "symbol": "12a", "name": "試験商事", "phone": "12345", "applied_on": "2026-02-30"})
    assert response.status_code == 422
    html = response.text
    assert "試験商事" in html and "2026-02-30" in html
    assert "適用年月日：" in html  # the date's error names its field


def test_duplicate_symbol_is_refused_on_the_form(client, ctx, sign_in):
    _add(ctx, "1234", "既存株式会社")
    token = sign_in("supervisor")
    response = client.post("/staff/employers/new", data={"csrf_token": token, "symbol": "1234", "name": "別会社"})
    assert response.status_code == 422 and "すでに登録されています" in response.text


def test_change_form_changes_and_clears(client, ctx, sign_in):
    _add(ctx, "2001", "旧名株式会社", phone="03-1111-2222", applied_on="2000-04-01")
    token = sign_in("clerk")
    form = client.get("/staff/employers/2001/edit").text
    assert "旧名株式会社" in form and "03-1111-2222" in form
    response = client.post("/staff/employers/2001/edit", follow_redirects=False, data={
        "csrf_token": token, "name": "新名株式会社", "phone": "", "withdrawn_on": "令和8年3月31日"})
    assert response.status_code == 303, response.text[:1500]
    employer = employers.get(ctx, ADMIN, "2001")
    assert employer.name == "新名株式会社" and employer.phone is None
    assert employer.withdrawn_on.isoformat() == "2026-03-31"
    refused = client.post("/staff/employers/2001/edit", data={"csrf_token": token, "name": "",
                                                              "withdrawn_on": "1999-01-01"})
    assert refused.status_code == 422 and "名称" in refused.text


def test_list_pages_and_csv(client, ctx, sign_in):
    for n in range(55):
        _add(ctx, str(3000 + n), f"会社{n:02d}")
    sign_in("auditor")  # reading is for every staff role
    first = client.get("/staff/employers").text
    assert "55件" in first and "（1 / 2ページ）" in first and "次のページ" in first
    second = client.get("/staff/employers?page=2").text
    assert "3054" in second and ">3000<" not in second
    csv = client.get("/staff/employers?q=305&format=csv&encoding=utf-8-sig")
    assert csv.status_code == 200 and csv.headers["x-shikaku-rows"] == "5"
    assert csv.content.startswith(b"\xef\xbb\xbf") and "会社50" in csv.content.decode("utf-8-sig")


def test_auditor_reads_but_may_not_write(client, ctx, sign_in):
    _add(ctx, "4001", "監査株式会社")
    sign_in("auditor")
    page = client.get("/staff/employers/4001").text
    assert "監査株式会社" in page and "事業所の変更" not in page
    assert client.get("/staff/employers/new").status_code == 403
    assert client.get("/staff/employers/4002").status_code == 404


def test_csv_upload_all_or_none(client, ctx, sign_in):
    token = sign_in("clerk")
    bad = "記号,名称,適用年月日\n5001,良い会社,R1.5.1\n,名無し,\n5003,悪い日付,2026-13-01\n".encode("cp932")
    response = client.post("/staff/employers/import", data={"csrf_token": token},
                           files={"file": ("employers.csv", bad, "text/csv")})
    assert response.status_code == 422
    assert "何も登録していません" in response.text and "記号は必須項目です" in response.text
    assert ">3<" in response.text and ">4<" in response.text  # the rows of the errors
    assert employers.list_employers(ctx, ADMIN)[1] == 0
    good = "記号,名称,適用年月日\n5001,良い会社,R1.5.1\n5002,次の会社,\n".encode("utf-8-sig")
    done = client.post("/staff/employers/import", follow_redirects=False, data={"csrf_token": token},
                       files={"file": ("employers.csv", good, "text/csv")})
    assert done.status_code == 303
    assert employers.get(ctx, ADMIN, "5001").applied_on.isoformat() == "2019-05-01"
    assert client.post("/staff/employers/import", data={"csrf_token": token}).status_code == 422  # no file


def test_member_page_search_and_csv_name_the_employer(client, ctx, sign_in):
    from tests.builders import enrol

    _add(ctx, "7100", "名寄せ工業株式会社", applied_on="2000-04-01")
    member = enrol(client, symbol="7100", name_kana="メイヨセ タロウ")
    sign_in("clerk")
    assert "名寄せ工業株式会社" in client.get(f"/staff/members/{member['id']}").text
    assert "名寄せ工業株式会社" in client.get("/staff/?symbol=7100").text
    csv = client.get("/staff/?symbol=7100&format=csv&encoding=utf-8-sig").content.decode("utf-8-sig")
    assert csv.splitlines()[0].endswith("事業所名") and "名寄せ工業株式会社" in csv
