"""The staff member pages without a browser: every refused form keeps what was typed, CSRF, the
supervisor's override, the My Number never in clear, the Japanese 404 page, the PDFs."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from shikaku.adapters.db.schema import audit_log
from shikaku.service_layer import accounts, members
from shikaku.service_layer.auth import Actor, Role
from tests.builders import dependent_body, enrol, my_number, with_card
from tests.helpers import csrf_token

ADMIN = Actor(Role.ADMIN, "test-admin")
PASSWORD = "web-members-password"


@pytest.fixture
def staff(ctx, client):
    """Signs the client in as a staff user of a role through the sign-in form; returns the
    session's CSRF token."""
    def sign_in(role: str = "clerk") -> str:
        username = f"web-{role}"
        if not any(u == username for u in _users):
            accounts.add_user(ctx, ADMIN, username, role, Role(role), PASSWORD)
            _users.append(username)
        client.cookies.clear()
        form_token = csrf_token(client.get("/staff/sign-in").text)
        signed_in = client.post("/staff/sign-in", follow_redirects=False, data={
            "username": username, "password": PASSWORD, "csrf_token": form_token})
        assert signed_in.status_code == 303, signed_in.text
        return csrf_token(client.get("/staff/").text)

    _users: list[str] = []
    return sign_in


# Each form, refused on purpose: the path, what is typed, and what must come back.
REFUSED = [
    ("/staff/members/new", {"name": "試験 一郎", "name_kana": "シケン イチロウ", "birth_date": "1980-01-02",
                            "sex": "male", "symbol": "7301", "qualified_on": "2026-04-01",
                            "standard_monthly_remuneration": "123456"},
     "標準報酬月額は等級表の額", ["試験 一郎", "シケン イチロウ", "1980-01-02", "7301", "123456"]),
    ("/staff/members/{insured}/dependents/new",
     {"name": "試験 二郎", "name_kana": "シケン ジロウ", "birth_date": "2026-05-01", "sex": "male",
      "kinship": "child", "qualified_on": "2026-04-01"},
     "資格取得日が生年月日より前", ["試験 二郎", "シケン ジロウ", "2026-05-01", "2026-04-01"]),
    ("/staff/members/{insured}/my-number", {"my_number": "123456789012", "registered_on": "2026-05-20"},
     "個人番号", ["2026-05-20"]),
    ("/staff/members/{insured}/disqualification",
     {"disqualified_on": "2019-01-01", "reason": "retirement", "registered_on": "2026-05-20"},
     "資格喪失日は資格取得日より後", ["2019-01-01", "2026-05-20"]),
    ("/staff/members/{insured}/amend",
     {"name": "改姓 花子", "standard_monthly_remuneration": "123", "effective_on": "2026-05-01"},
     "標準報酬月額は等級表の額", ["改姓 花子", "123", "2026-05-01"]),
    ("/staff/members/{myna}/certificates/new",
     {"reason": "not_registered", "applied_on": "2026-05-20", "note": "本人の申告"},
     "申請理由が登録内容と一致しません", ["2026-05-20", "本人の申告"]),
    ("/staff/members/{insured}/notices/new",
     {"reason": "lost", "applied_on": "2026-05-20", "portal_accessible": "on"},
     "再交付は不要です", ["2026-05-20"]),
    ("/staff/members/{myna}/limit-certifications/new", {"kind": "limit", "applied_on": "2026-05-20"},
     "認定証は不要です", ["2026-05-20"]),
    ("/staff/members/{insured}/specific-disease-certifications/new",
     {"disease": "2", "applied_on": "2019-05-20"}, "申請日に資格がありません", ["2019-05-20"]),
    ("/staff/members/{insured}/elderly-certificates/new", {"applied_on": "2026-05-20"},
     "70歳から74歳の方が対象", ["2026-05-20"]),
]


@pytest.mark.parametrize("path, typed, reason, kept", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_form_keeps_what_was_typed(client, ctx, staff, path, typed, reason, kept):
    ids = {"insured": enrol(client)["id"], "myna": with_card(client)[0]["id"]}
    token = staff("clerk")
    response = client.post(path.format(**ids), data={**typed, "csrf_token": token})
    assert response.status_code == 422, response.text[:2000]
    html = response.text
    assert reason in html
    assert 'role="alert"' in html
    for value in kept:
        assert value in html, value
    for name in {"reason", "kind", "disease", "sex", "kinship"} & typed.keys():  # radios, selects
        assert re.search(rf'value="{typed[name]}"[^>]*(checked|selected)', html), name
    if "portal_accessible" in typed:
        assert re.search(r'name="portal_accessible" type="checkbox"\s*checked', html)


def test_a_post_without_the_csrf_token_is_refused(client, staff):
    staff("clerk")
    for token in (None, "forged-token"):
        data = {"name": "試験 一郎"} | ({"csrf_token": token} if token else {})
        response = client.post("/staff/members/new", data=data)
        assert response.status_code == 403
        assert "不正な送信" in response.text


def test_only_a_supervisor_may_override_and_the_service_decides(client, ctx, staff):
    member, _ = with_card(client)
    form = f"/staff/members/{member['id']}/certificates/new"
    forced = {"reason": "no_card", "applied_on": "2026-05-20", "override": "on",
              "override_note": "カードは破損し返納予定と確認"}

    token = staff("clerk")
    assert 'name="override"' not in client.get(form).text
    refused = client.post(form, data={**forced, "csrf_token": token})
    assert refused.status_code == 403
    assert "この操作を行う権限がありません" in refused.text
    assert client.get(f"/api/v1/members/{member['id']}/eligibility-certificates").json()["items"] == []

    token = staff("supervisor")
    assert 'name="override"' in client.get(form).text
    done = client.post(form, data={**forced, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/members/{member['id']}"
    with ctx.connection() as conn:
        actions = {r.action for r in conn.execute(select(audit_log.c.action)
                                                  .where(audit_log.c.target == member["id"]))}
    assert "certificate.override" in actions


def test_the_my_number_never_appears_in_clear(client, staff):
    token = staff("clerk")
    number = my_number()
    typed = {"name": "番号 確認", "name_kana": "バンゴウ カクニン", "birth_date": "1990-02-03", "sex": "female",
             "symbol": "7302", "qualified_on": "2026-04-01", "standard_monthly_remuneration": "300000",
             "my_number": number, "csrf_token": token}
    refused = client.post("/staff/members/new", data={**typed, "sex": ""})
    assert refused.status_code == 422 and number not in refused.text
    assert "入力された個人番号は再表示しません" in refused.text
    done = client.post("/staff/members/new", data=typed, follow_redirects=False)
    assert done.status_code == 303
    page = done.headers["location"]
    taken = client.post("/staff/members/new", data={**typed, "name": "重複 確認"})
    assert taken.status_code == 422 and number not in taken.text
    assert "この個人番号は資格のある別の加入者に登録されています" in taken.text
    html = client.get(page).text
    assert f"********{number[-4:]}" in html
    for path in ["", "/my-number", "/amend", "/certificates/new", "/notices/new", "/dependents/new"]:
        response = client.get(page + path)
        assert response.status_code == 200 and number not in response.text, path
    wrong = client.post(page + "/my-number", data={"my_number": number[:-1] + "x", "csrf_token": token})
    assert wrong.status_code == 422 and number[:-1] not in wrong.text


def test_an_unknown_member_is_the_japanese_404_page(client, staff):
    staff("clerk")
    for path in ("/staff/members/999999", "/staff/members/abc/amend", "/staff/certificates/999/pdf"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "ページが見つかりません" in response.text and "該当する" in response.text
        assert '<html lang="ja">' in response.text


def test_the_auditor_reads_the_page_but_is_offered_no_form(client, staff):
    member = enrol(client)
    staff("auditor")
    html = client.get(f"/staff/members/{member['id']}").text
    assert "資格の履歴" in html and "/certificates/new" not in html
    assert client.get(f"/staff/members/{member['id']}/certificates/new").status_code == 403
    assert client.get("/staff/members/new").status_code == 403


def test_enrolment_with_the_certificate_wish_goes_on_to_the_application(client, staff):
    token = staff("clerk")
    done = client.post("/staff/members/new", follow_redirects=False, data={
        "name": "希望 太郎", "name_kana": "キボウ タロウ", "birth_date": "1990-02-03", "sex": "male",
        "symbol": "7303", "qualified_on": "2026-04-01", "standard_monthly_remuneration": "300000",
        "certificate_requested": "on", "csrf_token": token})
    assert done.status_code == 303
    assert re.fullmatch(r"/staff/members/\d+/certificates/new", done.headers["location"])


def test_the_pdfs_download_with_a_japanese_file_name(client, staff):
    member = enrol(client)
    token = staff("clerk")
    client.post(f"/staff/members/{member['id']}/certificates/new",
                data={"reason": "needs_assistance", "applied_on": "2026-05-20", "csrf_token": token})
    client.post(f"/staff/members/{member['id']}/notices/new",
                data={"reason": "initial", "applied_on": "2026-05-20", "csrf_token": token})
    html = client.get(f"/staff/members/{member['id']}").text
    for link in re.findall(r'href="(/staff/(?:certificates|documents)/\d+/pdf)"', html):
        response = client.get(link)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert response.headers["content-type"] == "application/pdf"
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
    assert len(re.findall(r"/pdf\"", html)) == 2


def test_the_timeline_shows_a_dependent_losing_with_the_insured(client, ctx):
    insured = enrol(client)
    dependent = client.post("/api/v1/members", json=dependent_body(insured["id"])).json()
    client.post(f"/api/v1/members/{insured['id']}/disqualification",
                json={"disqualified_on": "2026-05-01", "registered_on": "2026-05-08", "reason": "retirement"})
    lines = members.timeline(ctx, ADMIN, dependent["id"])
    assert [line.kind for line in lines] == ["enrolment", "loss"]
    loss = lines[-1]
    assert (loss.effective_on, loss.registered_on, loss.publish_on) == \
        (date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 12))
    assert loss.data == {"reason": "insured_lost"} and loss.published


def test_the_member_page_tells_the_history_in_words(client, staff):
    member = enrol(client, standard_monthly_remuneration=98000, resident_tax_exempt=True)
    page = f"/staff/members/{member['id']}"
    token = staff("clerk")
    for path, form in (("/amend", {"name": "新姓 太郎", "resident_tax_exempt": "false", "effective_on": "2026-04-01"}),
                       ("/limit-certifications/new", {"kind": "limit_reduction", "applied_on": "2026-03-10"}),
                       ("/disqualification", {"disqualified_on": "2026-05-01", "reason": "retirement"})):
        done = client.post(page + path, data={**form, "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303, done.text[:3000]
    html = re.sub(r"\s+", " ", client.get(page).text)
    assert "変更</strong>：氏名 → 新姓 太郎、住民税非課税 → 非該当" in html
    assert "認定</strong>：限度額適用・標準負担額減額認定（区分 A05）" in html
    assert "資格喪失</strong>（退職）" in html and "資格なし" in html
    assert "限度額適用・標準負担額減額認定証" in html  # the paper certificate (no マイナ保険証)
