"""The member portal (加入者ポータル): a member sees only their own data, whatever the URL says;
the PIN locks after three misses in a row; sessions expire; the My Number never reaches a page;
the 資格情報画面 as a PDF (Q2); the access history; what to bring to the desk (§9)."""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from shikaku.adapters.db.schema import audit_log, web_sessions
from shikaku.domain.errors import DomainError
from shikaku.service_layer import members
from shikaku.service_layer.auth import Actor, Role
from tests.builders import PIN, enrol_with_card, insured_body

FACILITY = {"code": "1310112345", "name": "さくら内科クリニック"}


def sign_in(client, card_id: str, pin: str = PIN):
    """Posts the portal's sign-in form (with its double-submit CSRF token)."""
    client.cookies.clear()
    client.cookies.set("shikaku_form", "form-token")
    return client.post("/portal/sign-in", data={"card_id": card_id, "pin": pin, "csrf_token": "form-token"},
                       follow_redirects=False)


def portal_page(client, path: str = "/portal/"):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200, response.text[:500]
    return response


def shown(html: str) -> str:
    """The page's text without its tags."""
    return re.sub(r"<[^>]+>", "", html)


@pytest.fixture
def taro(client):
    return enrol_with_card(client, "CARDTARO0001", name="労金 太郎", name_kana="ロウキン タロウ")


@pytest.fixture
def hanako(client):
    return enrol_with_card(client, "CARDHANAKO01", name="信用 花子", name_kana="シンヨウ ハナコ",
                           birth_date="1975-02-03", sex="female")


def test_each_member_sees_only_their_own_data(client, taro, hanako):
    for me, other in ((taro, hanako), (hanako, taro)):
        assert sign_in(client, me["card_id"]).headers["location"] == "/portal/"
        html = portal_page(client).text
        assert me["name"] in html and f"記号 {me['symbol']}　番号 {me['number']}　枝番 00" in shown(html)
        assert other["name"] not in html and other["symbol"] not in html
        # No URL names a member: an id in the query string changes nothing.
        assert other["name"] not in portal_page(client, f"/portal/?member_id={other['id']}").text
        assert other["name"] not in client.get("/portal/screen.pdf").text


def test_screen_shows_numbers_ratio_and_limit_category(client, taro):
    sign_in(client, taro["card_id"])
    html = portal_page(client).text
    for text in ("記号・番号・枝番", "一部負担金の割合", "3割", "限度額適用区分", "ウ", "06139992",
                 "テスト健康保険組合", "令和2年4月1日", "資格があります", "利用できます"):
        assert text in html, text


def test_member_session_cannot_reach_staff_pages_or_the_api(client, ctx, taro):
    sign_in(client, taro["card_id"])
    response = client.get("/staff/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/sign-in"
    del client.headers["Authorization"]
    assert client.get(f"/api/v1/members/{taro['id']}").status_code == 401
    with pytest.raises(DomainError) as refused:  # the staff use cases refuse the member role
        members.get_member(ctx, Actor(Role.MEMBER, taro["card_id"]), taro["id"])
    assert refused.value.status == 403


def test_staff_session_cannot_open_the_portal(client, ctx, taro, admin):
    from shikaku.service_layer import accounts

    accounts.add_user(ctx, admin, "tanto", "担当", Role.CLERK, "a-long-password")
    staff = accounts.sign_in_staff(ctx, "tanto", "a-long-password", None)
    client.cookies.clear()
    client.cookies.set("shikaku_session", staff.token)
    response = client.get("/portal/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal/sign-in"


def test_three_wrong_pins_lock_the_card_even_for_the_right_pin(client, taro):
    answers = [sign_in(client, taro["card_id"], "0000") for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 423]
    assert "あと2回" in answers[0].text and "あと1回" in answers[1].text
    assert "ロックされています" in answers[2].text and "市区町村の窓口" in answers[2].text
    refused = sign_in(client, taro["card_id"])
    assert refused.status_code == 423 and "ロックされています" in refused.text
    assert "shikaku_session" not in refused.cookies


def test_the_pin_counter_resets_after_a_success(client, taro):
    assert [sign_in(client, taro["card_id"], "0000").status_code for _ in range(2)] == [401, 401]
    assert sign_in(client, taro["card_id"]).status_code == 303
    again = [sign_in(client, taro["card_id"], "9999") for _ in range(2)]
    assert [a.status_code for a in again] == [401, 401] and "あと1回" in again[1].text
    assert sign_in(client, taro["card_id"]).status_code == 303


def test_the_session_expires(client, ctx, taro):
    sign_in(client, taro["card_id"])
    portal_page(client)
    with ctx.engine.begin() as conn:
        conn.execute(update(web_sessions).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    response = client.get("/portal/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal/sign-in"


def test_the_my_number_never_reaches_a_page(client, taro):
    sign_in(client, taro["card_id"])
    for path in ("/portal/", "/portal/history", "/portal/bring"):
        html = portal_page(client, path).text
        assert taro["my_number"] not in html and taro["my_number"][-4:] not in html, path
    assert "登録済み" in portal_page(client).text
    assert _pdf_text(client.get("/portal/screen.pdf").content).count(taro["my_number"]) == 0


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_the_screen_as_a_pdf(client, taro):
    sign_in(client, taro["card_id"])
    response = client.get("/portal/screen.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="shikaku-joho-20260601.pdf"'
    assert response.headers["cache-control"] == "no-store"
    text = _pdf_text(response.content)
    assert f"記号 {taro['symbol']}" in text and f"番号 {taro['number']}" in text and "枝番 00" in text
    assert "労金 太郎" in text and "資格情報画面" in text and "出力日時 令和" in text
    assert "令和8年6月1日現在" in text and "3割" in text and "性別" not in text


def test_the_access_history_names_the_facility(client, taro):
    sign_in(client, taro["card_id"])
    assert "まだ医療機関等からの資格確認の記録はありません" in portal_page(client, "/portal/history").text
    token = client.post("/api/v1/facilities", json=FACILITY).json()["token"]
    verified = client.post("/api/v1/verifications", headers={"Authorization": f"Bearer {token}"}, json={
        "service_date": "2026-06-01", "method": "myna_card", "card_id": taro["card_id"],
        "identity_check": "face"})
    assert verified.json()["validity"] == "valid"
    html = portal_page(client, "/portal/history").text
    assert "1件の記録" in html and "さくら内科クリニック" in html and "マイナ保険証" in html
    assert "顔認証" in html and "受診日 令和8年6月1日" in html and "結果: 有効" in html


def test_what_to_bring_with_a_working_myna_card(client, taro):
    sign_in(client, taro["card_id"])
    html = portal_page(client, "/portal/bring").text
    assert "マイナ保険証（マイナンバーカード）だけで受診できます" in html
    assert "この資格情報画面（PDFでも可）" in html


def test_what_to_bring_without_insurance_registration(client):
    member = enrol_with_card(client, "CARDNOREG001", registered=False)
    sign_in(client, member["card_id"])
    html = portal_page(client, "/portal/bring").text
    assert "このままでは保険診療を受けられません" in html
    assert "健康保険証としての利用登録がされていません" in html and "資格確認書の交付を申請" in html
    assert client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                       json={"reason": "not_registered", "applied_on": "2026-05-01"}).status_code == 201
    html = portal_page(client, "/portal/bring").text
    assert "資格確認書をお持ちください" in html and "健康保険証としての利用登録がされていません" in html
    home = portal_page(client).text
    assert "資格確認書" in home and "本日有効" in home and "令和11年11月30日" in home


def test_what_to_bring_after_the_loss(client, taro):
    assert client.post(f"/api/v1/members/{taro['id']}/disqualification", json={
        "disqualified_on": "2026-05-21", "registered_on": "2026-05-22", "reason": "retirement"}).status_code == 200
    sign_in(client, taro["card_id"])
    assert "この健康保険では受診できません" in portal_page(client, "/portal/bring").text
    home = portal_page(client).text
    assert "資格がありません" in home and "資格喪失日 令和8年5月21日" in home


def test_a_re_enrolled_member_sees_the_record_in_force(client, taro):
    client.post(f"/api/v1/members/{taro['id']}/disqualification", json={
        "disqualified_on": "2025-04-01", "registered_on": "2025-04-01", "reason": "retirement"})
    again = client.post("/api/v1/members", json=insured_body(
        my_number=taro["my_number"], name="労金 太郎", qualified_on="2025-05-01",
        registered_on="2025-05-01")).json()
    sign_in(client, taro["card_id"])
    html = portal_page(client).text
    assert f"記号 {again['symbol']}" in shown(html) and f"記号 {taro['symbol']}" not in shown(html)


def test_a_card_of_nobody_in_the_society(client):
    client.post("/api/v1/myna/cards", json={"my_number": insured_body()["my_number"],
                                            "card_id": "CARDSTRANGER", "certificate_expires_on": "2030-01-01",
                                            "pin": PIN})
    assert sign_in(client, "CARDSTRANGER").status_code == 303
    response = client.get("/portal/")
    assert response.status_code == 404 and "資格情報が見つかりません" in response.text


def test_every_portal_read_is_audited_with_the_card(client, ctx, taro):
    sign_in(client, taro["card_id"])
    for path in ("/portal/", "/portal/history", "/portal/bring", "/portal/screen.pdf"):
        assert client.get(path).status_code == 200
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.actor, audit_log.c.role, audit_log.c.target)
                            .where(audit_log.c.action.like("portal.%"), audit_log.c.action != "portal.sign_in")
                            .order_by(audit_log.c.id)).all()
    assert [tuple(r) for r in rows if not r.action.startswith("portal.sign")] == [
        (action, taro["card_id"], "member", taro["id"]) for action in
        ("portal.screen", "portal.history", "portal.what_to_bring", "portal.screen_pdf")]


def test_a_refusal_keeps_its_count_for_staff_too(ctx, admin):
    from shikaku.service_layer import accounts

    accounts.add_user(ctx, admin, "tanto", "担当", Role.CLERK, "a-long-password")
    codes = []
    for _ in range(accounts.STAFF_MAX_FAILURES + 1):
        with pytest.raises(DomainError) as refused:
            accounts.sign_in_staff(ctx, "tanto", "wrong-password", None)
        codes.append(refused.value.code)
    assert codes == ["sign_in_failed"] * (accounts.STAFF_MAX_FAILURES - 1) + ["account_locked"] * 2
    with pytest.raises(DomainError, match="account_locked"):
        accounts.sign_in_staff(ctx, "tanto", "a-long-password", None)
