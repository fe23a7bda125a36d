"""返納 in Chromium (issue 14, item 5; D-148, D-149): a leaver whose 資格確認書 was valid at the
loss is on 未返納一覧; the clerk records its return on the member page (「返納を記録」 with the
day); the member page shows it returned and the list no longer has it. The screenshot is the
README's."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in_staff
from tests.browser.test_members import unique_kana
from tests.browser.test_portal_pages import api
from tests.builders import insured_body


def leaver_with_certificate(site) -> tuple[dict, dict]:
    """An insured of 記号 1000 issued a 資格確認書 ten days ago who left five days ago (API, clerk)."""
    today = dt.date.today()
    kana = unique_kana()
    member = api(site, "clerk", "/members", insured_body(symbol="1000", name=f"返納 {kana}",
                                                          name_kana=f"ヘンノウ {kana}"))
    certificate = api(site, "clerk", f"/members/{member['id']}/eligibility-certificates",
                      {"reason": "not_registered", "applied_on": str(today - dt.timedelta(days=10))})
    lost_on = str(today - dt.timedelta(days=5))
    api(site, "clerk", f"/members/{member['id']}/disqualification",
        {"disqualified_on": lost_on, "registered_on": lost_on, "reason": "retirement"})
    return member, certificate


def test_a_clerk_records_a_returned_certificate(page: Page, site):
    member, certificate = leaver_with_certificate(site)
    sign_in_staff(page)  # tanto, a clerk
    page.goto("/staff/unreturned")
    listed = page.get_by_role("row").filter(has_text=certificate["serial"])
    expect(listed).to_contain_text(member["name"])

    listed.get_by_role("link", name=re.compile(r"^1000・")).click()
    row = page.get_by_role("row").filter(has_text=certificate["serial"])
    expect(row.locator(".badge.warn")).to_have_text("未返納")
    row.locator("summary", has_text="返納を記録").click()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    row.get_by_label("返納日").fill(yesterday.isoformat())
    row.get_by_role("button", name="返納を記録").click()
    expect(page.locator(".flash[role=status]")).to_contain_text(f"交付番号 {certificate['serial']}）の返納を")
    row = page.get_by_role("row").filter(has_text=certificate["serial"])
    expect(row.locator(".badge.ok")).to_contain_text("に返納")
    expect(row.locator(".badge.warn")).to_have_count(0)
    row.scroll_into_view_if_needed()
    screenshot(page, "staff-return")

    page.goto("/staff/unreturned")
    expect(page.get_by_role("row").filter(has_text=certificate["serial"])).to_have_count(0)


def test_the_demo_holds_a_returned_certificate(site, page: Page):
    """`shikaku demo` records leavers' returns (cli._demo_returns): the member page of one shows
    its 資格確認書 returned."""
    from sqlalchemy import create_engine, select

    from shikaku.adapters.db.schema import eligibility_certificates as certs

    engine = create_engine(site.db_url)
    with engine.connect() as conn:
        member_id, returned_on = conn.execute(select(certs.c.member_id, certs.c.returned_on)
                                              .where(certs.c.returned_on.is_not(None)).limit(1)).one()
    engine.dispose()
    sign_in_staff(page, "kansa")
    page.goto(f"/staff/members/{member_id}")
    expect(page.get_by_text(re.compile(r"に返納")).first).to_be_visible()
