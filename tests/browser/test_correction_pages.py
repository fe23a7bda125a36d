"""取消・訂正 in Chromium (issue 14, task D): a clerk registers a 資格喪失届, finds the date was
wrong and corrects it from the timeline; the original stays struck through beside its
correction, with who and why. The screenshot is the README's."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in_staff
from tests.browser.test_members import fill_enrolment, unique_kana


def enrol_insured(page: Page) -> None:
    """A new insured of the demo's 見本事業所 (記号 1000, a registered employer) through the form."""
    fill_enrolment(page, unique_kana())
    page.get_by_label(re.compile("^記号")).fill("1000")
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")


def test_a_clerk_corrects_a_loss_date_from_the_timeline(page: Page):
    sign_in_staff(page)  # tanto, a clerk
    enrol_insured(page)
    page.get_by_role("link", name="資格喪失届").click()
    page.get_by_label("資格喪失日").fill("2025-09-30")
    page.get_by_label("喪失理由").select_option("retirement")
    page.get_by_role("button", name="資格喪失を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格喪失を登録しました")

    timeline = page.locator("#h-timeline").locator("..")
    expect(timeline.get_by_role("link", name=re.compile(r"^取消\W*資格喪失"))).to_have_count(0)  # supervisors only
    timeline.get_by_role("link", name=re.compile(r"^訂正\W*資格喪失")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登録の訂正（資格喪失）")
    page.get_by_role("button", name="訂正を登録する").click()  # no reason, no change: refused
    expect(page.get_by_role("alert")).to_contain_text("理由")
    page.get_by_label("資格喪失日", exact=True).fill("R7.10.31")
    page.get_by_label("理由（必須）").fill("退職日の誤記（事業主に確認）")
    page.get_by_role("button", name="訂正を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("登録を訂正しました")

    expect(page.locator("dd", has_text="令和7年10月31日").first).to_be_visible()
    row = timeline.locator("tr.corrected")
    expect(row.locator("del").first).to_contain_text("令和7年9月30日")
    expect(row.locator("ins")).to_contain_text("令和7年10月31日")
    expect(row).to_contain_text("退職日の誤記（事業主に確認）")
    expect(row).to_contain_text("tanto")
    expect(row.get_by_role("link", name=re.compile("^訂正"))).to_have_count(0)  # corrected once
    row.scroll_into_view_if_needed()
    screenshot(page, "staff-correction")
