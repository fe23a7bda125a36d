"""住所・送付先 and 返納 through the API (issue 14, items 2 and 5; D-145 … D-149), on SQLite and
PostgreSQL: the postcode look-up, a member's address, the return of a 資格確認書 with its
refusals, the 未返納 list at its boundary days, the reminder letters in postal order, and the
address never in a facility's answer nor in a log or the audit trail."""
from __future__ import annotations

import logging
import subprocess

from tests.builders import card_info, enrol, facility

ADDRESS = "東京都渋谷区神宮前9-9-9 住所漏洩テストビル101"


def _leaver(client, name: str, kana: str, postcode: str | None, address: str | None = None) -> tuple[dict, str]:
    """An insured with a certificate issued 2026-05-01 who lost eligibility on 2026-05-20."""
    member = enrol(client, name=name, name_kana=kana)
    cert = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                       json={"reason": "not_registered", "applied_on": "2026-05-01"})
    assert cert.status_code == 201, cert.text
    if postcode:
        r = client.put(f"/api/v1/members/{member['id']}/address", json={"postcode": postcode, "address": address})
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/members/{member['id']}/disqualification",
                    json={"disqualified_on": "2026-05-20", "registered_on": "2026-05-20", "reason": "retirement"})
    assert r.status_code == 200, r.text
    return member, cert.json()["id"]


def _unreturned(client, as_of: str) -> set[str]:
    r = client.get(f"/api/v1/reports/unreturned-certificates?as_of={as_of}")
    assert r.status_code == 200, r.text
    return {item["certificate_id"] for item in r.json()["items"]}


def test_postcode_look_up(client):
    r = client.get("/api/v1/postcodes/〒１００－０００１")
    assert r.status_code == 200, r.text
    assert r.json() == {"postcode": "100-0001", "prefecture": "東京都", "city": "千代田区", "town": "千代田"}
    assert client.get("/api/v1/postcodes/12345").json()["code"] == "invalid_postcode"
    missing = client.get("/api/v1/postcodes/0000000")
    assert (missing.status_code, missing.json()["code"]) == (404, "postcode_not_found")


def test_address_is_set_read_and_refused_when_wrong(client):
    member = enrol(client)
    path = f"/api/v1/members/{member['id']}/address"
    assert client.get(path).json()["code"] == "address_not_found"
    r = client.put(path, json={"postcode": "1500001", "address": "東京都渋谷区神宮前１－２－３"})
    assert r.status_code == 200, r.text
    assert client.get(path).json() == {"postcode": "150-0001", "address": "東京都渋谷区神宮前1-2-3", "mail_to": "home"}
    bad = client.put(path, json={"postcode": "15", "address": "x"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_postcode")
    too_long = client.put(path, json={"postcode": "150-0001", "address": "あ" * 201})
    assert too_long.json()["code"] == "too_long"
    employer = client.put(path, json={"postcode": "150-0001", "address": "東京都渋谷区", "mail_to": "employer"})
    assert (employer.status_code, employer.json()["code"]) == (422, "employer_address_missing")
    assert client.get(path).json()["address"] == "東京都渋谷区神宮前1-2-3"  # nothing stored half-way
    unknown = client.put("/api/v1/members/999999999/address", json={"postcode": "150-0001", "address": "x"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "member_not_found")


def test_return_is_recorded_once_and_the_list_counts_it_from_its_day(client):
    member, cert = _leaver(client, "返納 一郎", "ヘンノウ イチロウ", "150-0001", "東京都渋谷区神宮前1-1")
    path = f"/api/v1/eligibility-certificates/{cert}/return"
    assert cert in _unreturned(client, "2026-05-25")
    early = client.post(path, json={"returned_on": "2026-04-30"})  # the day before its issue
    assert (early.status_code, early.json()["code"]) == (422, "returned_before_issue")
    future = client.post(path, json={"returned_on": "2026-06-02"})  # tomorrow
    assert (future.status_code, future.json()["code"]) == (422, "returned_in_future")
    done = client.post(path, json={"returned_on": "2026-05-25"})
    assert done.status_code == 200, done.text
    assert done.json()["returned_on"] == "2026-05-25"
    again = client.post(path, json={"returned_on": "2026-05-26"})
    assert (again.status_code, again.json()["code"]) == (409, "already_returned")
    assert cert in _unreturned(client, "2026-05-24")  # the day before the return: still out
    assert cert not in _unreturned(client, "2026-05-25")  # on the day: returned
    assert cert not in _unreturned(client, "2026-06-01")
    missing = client.post("/api/v1/eligibility-certificates/999999999/return", json={})
    assert (missing.status_code, missing.json()["code"]) == (404, "certificate_not_found")


def test_a_cancelled_certificate_is_not_returned(client):
    _, cert = _leaver(client, "取消 次郎", "トリケシ ジロウ", None)
    r = client.post(f"/api/v1/eligibility-certificates/{cert}/cancellation", json={"reason": "誤交付",
                                                                                 "cancelled_on": "2026-05-10"})
    assert r.status_code == 200, r.text
    refused = client.post(f"/api/v1/eligibility-certificates/{cert}/return", json={})
    assert (refused.status_code, refused.json()["code"]) == (409, "certificate_cancelled")


def test_reminders_are_in_postal_order_with_the_homeless_last(client):
    _leaver(client, "札幌 花子", "サッポロ ハナコ", "060-0001", "北海道札幌市中央区北一条西1-1")
    _leaver(client, "住所 無子", "ジュウショ ナコ", None)
    _leaver(client, "那覇 三郎", "ナハ サブロウ", "900-0001", "沖縄県那覇市港町1-1")
    _leaver(client, "渋谷 四郎", "シブヤ シロウ", "150-0001", "東京都渋谷区神宮前1-1")
    r = client.get("/api/v1/reports/unreturned-certificates/reminders.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout.decode()
    pages = text.split("\f")
    where = {name: next(i for i, p in enumerate(pages) if name in p.replace(" ", "").replace("　", ""))
             for name in ("札幌花子", "渋谷四郎", "那覇三郎", "住所無子")}
    assert where["札幌花子"] < where["渋谷四郎"] < where["那覇三郎"] < where["住所無子"]
    assert "〒060-0001" in pages[where["札幌花子"]] and "返納" in pages[where["札幌花子"]]


def test_a_runs_mailers_carry_each_address_block_in_postal_order(client):
    """The run's 送付状・台紙 (D-163): one A4 sheet per certificate, in the print file's postal
    order, each addressed in the window; the manifest says the same order with 郵便番号."""
    people = (("渋谷 一郎", "シブヤ イチロウ", "150-0001", "東京都渋谷区神宮前1-1"),
              ("宛先 無郎", "アテサキ ナシロウ", None, None),
              ("札幌 二郎", "サッポロ ジロウ", "060-0001", "北海道札幌市中央区北一条西1-1"))
    for name, kana, postcode, address in people:
        member = enrol(client, name=name, name_kana=kana, qualified_on="2021-04-01")
        if postcode:
            assert client.put(f"/api/v1/members/{member['id']}/address",
                              json={"postcode": postcode, "address": address}).status_code == 200
    run = client.post("/api/v1/ex-officio-runs", json={"run_on": "2026-06-01", "cohort": "all_without_myna"})
    assert run.status_code == 201, run.text
    r = client.get(f"/api/v1/runs/{run.json()['id']}/mailers.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pages = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True,
                           check=True).stdout.decode().split("\f")
    flat = [p.replace(" ", "").replace("\u3000", "") for p in pages if p.strip()]
    assert len(flat) == run.json()["issued"]
    order = [next(i for i, p in enumerate(flat) if who in p) for who in ("札幌二郎", "渋谷一郎", "宛先無郎")]
    assert order == sorted(order)
    assert "〒060-0001" in flat[order[0]] and "北海道札幌市中央区北一条西1-1" in flat[order[0]]
    assert "資格確認書" in flat[order[0]]
    manifest = client.get(f"/api/v1/runs/{run.json()['id']}/manifest").content.decode("utf-8-sig").splitlines()
    assert manifest[0].endswith(",郵便番号,送付先")
    mine = [line for line in manifest if any(n in line for n in ("渋谷 一郎", "宛先 無郎", "札幌 二郎"))]
    assert [line.split(",")[-2:] for line in mine] == [["060-0001", "自宅"], ["150-0001", "自宅"], ["", "宛先なし"]]


def test_the_address_is_never_shown_to_a_facility_nor_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    member = enrol(client, name="窓口 五郎", name_kana="マドグチ ゴロウ")
    r = client.put(f"/api/v1/members/{member['id']}/address", json={"postcode": "150-0001", "address": ADDRESS})
    assert r.status_code == 200
    answers = [client.post("/api/v1/verifications", json=card_info(member, "2026-06-01"), headers=facility(client)),
               client.get(f"/api/v1/audit-log?target={member['id']}&limit=50")]
    assert answers[0].status_code == 200, answers[0].text
    assert answers[1].status_code == 200 and "member.address" in answers[1].text
    for answer in answers:
        assert "神宮前" not in answer.text and "150-0001" not in answer.text
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "神宮前" not in logged and "住所漏洩" not in logged


# ------------------------------------------------------------------------------ the staff pages

def test_staff_record_a_return_and_the_list_shrinks(client, ctx):
    from tests.helpers import sign_in_staff

    member, cert = _leaver(client, "画面 六郎", "ガメン ロクロウ", "150-0001", "東京都渋谷区神宮前1-1")
    token = sign_in_staff(client, ctx, "clerk")
    client.headers.pop("Authorization")
    page = client.get(f"/staff/members/{member['id']}")
    assert page.status_code == 200
    assert "住所・送付先" in page.text and "〒150-0001" in page.text and "画面 六郎　様" in page.text
    assert f"/staff/certificates/{cert}/return" in page.text and "未返納" in page.text
    listed = client.get("/staff/unreturned")
    assert f"/staff/certificates/{cert}/return" in listed.text and "返納のお願いを印刷" in listed.text
    refused = client.post(f"/staff/certificates/{cert}/return", data={"csrf_token": token, "returned_on": "R8.4.30",
                                                                     "back": "/staff/unreturned"}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].endswith("/staff/unreturned")
    assert f"/staff/certificates/{cert}/return" in client.get("/staff/unreturned").text  # nothing stored
    done = client.post(f"/staff/certificates/{cert}/return", data={"csrf_token": token, "returned_on": "R8.5.25",
                                                                  "back": f"/staff/members/{member['id']}"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith(f"/staff/members/{member['id']}")
    assert f"/staff/certificates/{cert}/return" not in client.get("/staff/unreturned").text
    assert "令和8年5月25日に返納" in client.get(f"/staff/members/{member['id']}").text
    csv = client.get("/staff/unreturned?format=csv")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and text.startswith("記号,番号,枝番,氏名") and "画面" not in text


def test_staff_address_form_and_postcode_look_up(client, ctx):
    from tests.helpers import sign_in_staff

    member = enrol(client)
    token = sign_in_staff(client, ctx, "clerk")
    client.headers.pop("Authorization")
    assert client.get("/staff/postcodes/1000001").json()["city"] == "千代田区"
    assert client.get("/staff/postcodes/1").status_code == 422
    path = f"/staff/members/{member['id']}/address"
    refused = client.post(path, data={"csrf_token": token, "postcode": "12", "address": "", "mail_to": "home"})
    assert refused.status_code == 422 and "郵便番号" in refused.text
    done = client.post(path, data={"csrf_token": token, "postcode": "１００－０００１", "address": "東京都千代田区千代田１－１",
                                   "mail_to": "home"}, follow_redirects=False)
    assert done.status_code == 303
    assert "東京都千代田区千代田1-1" in client.get(f"/staff/members/{member['id']}").text
