"""和暦 entry in Chromium (issue 14, item 6): the enrolment form takes the birth date as typed on
paper (`S55.1.19`) and the remuneration with full-width digits and 円; the member page prints
the day in 和暦."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import screenshot, sign_in_staff
from tests.browser.test_members import fill_enrolment, unique_kana


def test_enrol_with_a_wareki_birth_date_and_a_full_width_amount(page):
    sign_in_staff(page)
    kana = unique_kana()
    fill_enrolment(page, kana, remuneration="３００，０００円")
    page.get_by_label("生年月日").fill("S55.1.19")
    screenshot(page, "staff-wareki-entry")
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")
    expect(page).to_have_url(re.compile(r"/staff/members/\d+$"))
    expect(page.get_by_role("main")).to_contain_text("昭和55年1月19日")
    expect(page.get_by_role("main")).to_contain_text("300,000")
