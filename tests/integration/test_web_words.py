"""The pages in words (issue 14, item 7): no raw codes on an error page (D-159), loss reasons by
続柄 (D-155), only the applications that can apply on the member page (D-157), and a notice
not yet published shown 「公開前（…から有効）」, not 無効 (D-158)."""
from __future__ import annotations

import re
from datetime import date

from tests.builders import enrol, enrol_dependent
from tests.helpers import sign_in_staff


def _reasons(html: str) -> set[str]:
    select = re.search(r'<select id="f-reason".*?</select>', html, re.S)[0]
    return set(re.findall(r'<option value="(\w+)"', select))


def test_the_loss_reasons_offered_are_those_of_the_relationship(client, ctx):
    insured = enrol(client)
    dependent = enrol_dependent(client, insured)
    sign_in_staff(client, ctx, "clerk")
    assert _reasons(client.get(f"/staff/members/{insured['id']}/disqualification").text) == {
        "retirement", "employer_left", "death", "other_insurance", "other"}
    assert _reasons(client.get(f"/staff/members/{dependent['id']}/disqualification").text) == {
        "dependent_ineligible", "death", "other_insurance", "other"}
    refused = client.post(f"/api/v1/members/{dependent['id']}/disqualification",
                          json={"disqualified_on": "2026-06-01", "reason": "retirement"})
    assert refused.status_code == 422 and refused.json()["code"] == "loss_reason_not_applicable"


def test_a_child_is_offered_no_elderly_certificate_and_no_dependents(client, ctx):
    insured = enrol(client)
    child = enrol_dependent(client, insured, birth_date="2022-01-10", qualified_on="2022-01-10", kinship="child",
                            name="試験 小太郎", name_kana="シケン コタロウ")
    sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/members/{child['id']}").text
    assert "/elderly-certificates/new" not in page and "/dependents/new" not in page
    assert "/certificates/new" in page and "/specific-disease-certifications/new" in page
    assert "/dependents/new" in client.get(f"/staff/members/{insured['id']}").text
    # the route still refuses with its code
    refused = client.post(f"/api/v1/members/{child['id']}/elderly-certificates", json={"applied_on": "2026-06-01"})
    assert refused.status_code == 422 and refused.json()["code"] == "not_applicable"


def test_an_error_page_explains_in_japanese_without_the_code(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    page = client.get("/staff/members/999999")
    assert page.status_code == 404 and "該当する加入者が見つかりません" in page.text
    visible = re.sub(r"<[^>]+>", "", page.text)
    assert "member_not_found" not in visible and "エラーコード" not in visible
    assert 'data-code="member_not_found"' in page.text  # for support, not shown


def test_a_notice_before_its_publication_day_is_not_yet_valid(client, ctx, monkeypatch):
    member = enrol(client, registered_on="2026-06-01", qualified_on="2026-06-01")  # Mon: published Wed 06-03
    notice = client.post(f"/api/v1/members/{member['id']}/notices", json={"reason": "initial", "applied_on": "2026-06-01"})
    assert notice.status_code == 201 and notice.json()["issued_on"] == "2026-06-03"
    sign_in_staff(client, ctx, "clerk")
    for today, shown in ((date(2026, 6, 2), "公開前（令和8年6月3日から有効）"), (date(2026, 6, 3), "有効")):
        monkeypatch.setattr(ctx, "today", lambda today=today: today)
        row = re.search(r'<tr>\s*<td data-label="書類">資格情報のお知らせ.*?</tr>',
                        client.get(f"/staff/members/{member['id']}").text, re.S)[0]
        assert re.search(rf'<td data-label="本日"><span class="badge \w+">{re.escape(shown)}</span>', row), (today, row)
        assert "無効" not in row
