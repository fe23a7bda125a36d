"""事業所 in Chromium (issue 14, item 1): a clerk registers an employer with the form, lands on
its page (適用中, 送付先 事業所経由), and finds it in 事業所一覧 by a part of its name. The
screenshot is the README's."""
from __future__ import annotations

import random

from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in_staff


def test_a_clerk_registers_an_employer_and_finds_it(page: Page, site):
    symbol = str(random.SystemRandom().randrange(70_000_000, 79_999_999))
    name = f"みなと精工株式会社 {symbol[-4:]}"
    sign_in_staff(page)  # tanto, a clerk
    page.goto("/staff/employers")
    page.get_by_role("link", name="事業所の登録").click()
    page.get_by_label("記号").fill(symbol)
    page.get_by_label("名称").fill(name)
    page.get_by_label("郵便番号").fill("１０５－００１１")  # full-width, as typed with a Japanese IME
    page.get_by_label("所在地").fill("東京都港区芝公園4-2-8")
    page.get_by_label("電話番号").fill("03-1234-5678")
    page.get_by_label("適用年月日").fill("2020-04-01")
    page.get_by_label("加入者への書類を事業所経由で送付する").check()
    page.get_by_role("button", name="登録する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".lead .badge.ok")).to_have_text("適用中")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("〒105-0011")
    expect(facts).to_contain_text("事業所経由で送付する")
    expect(facts).to_contain_text("令和2年4月1日")
    screenshot(page, "staff-employer")

    page.goto("/staff/employers")
    page.get_by_label("記号（前方一致）・名称・所在地（部分一致）").fill("みなと精工")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("row").filter(has_text=symbol)).to_contain_text(name)
