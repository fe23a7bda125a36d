"""A form sent twice makes one member (issue 14, item 3): the enrolment form submitted, the
browser's back button, submitted again → still one member; the same person typed in a fresh
form → 「同一人物の可能性があります」 with the candidate, enrolled once the clerk confirms."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in_staff
from tests.browser.test_members import fill_enrolment, unique_kana


def _search(page: Page, kana: str):
    page.goto("/staff/")
    page.get_by_label("フリガナ（前方一致）").fill(f"ガメン {kana}")
    page.get_by_role("button", name="検索", exact=True).click()
    return page.get_by_role("row").filter(has_text=f"画面 {kana}")


def test_back_and_submit_again_then_the_same_person_again(page: Page):
    sign_in_staff(page)
    kana = unique_kana()
    fill_enrolment(page, kana)
    token = page.locator('input[name="form_token"]').input_value()
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")
    page.go_back()
    # The pages are not cached (no-store), so going back loads the form afresh: it is filled
    # and given the first one-time token again, as a browser that restores a form sends it.
    fill_enrolment(page, kana)
    page.locator('input[name="form_token"]').evaluate("(e, t) => e.value = t", token)
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("この届出は登録済みです")
    expect(_search(page, kana)).to_have_count(1)

    fill_enrolment(page, kana)  # a fresh form: the same person typed again
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("heading", name="同一人物の可能性があります")).to_be_visible()
    expect(page.get_by_role("link", name=f"画面 {kana}")).to_have_count(1)  # the candidate
    expect(page.get_by_role("cell", name=re.compile(r"^1000・\d+・00$"))).to_have_count(1)
    screenshot(page, "staff-duplicate")
    page.get_by_label("生年月日").fill("1985-07-20")  # the form keeps what was typed
    page.get_by_label("別人であることを確認しました").check()
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")
    expect(_search(page, kana)).to_have_count(2)
