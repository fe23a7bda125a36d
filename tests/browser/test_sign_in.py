"""Staff sign-in, the member search and the staff lock-out, in Chromium."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import screenshot, sign_in_staff


def test_staff_sign_in_and_search_by_kana(page):
    sign_in_staff(page)
    expect(page.get_by_role("status")).to_contain_text("担当 次郎 さん、ようこそ")
    page.get_by_label("フリガナ（前方一致）").fill("やまだ")
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page.get_by_role("link", name="1000・1・00")).to_be_visible()
    expect(page.get_by_role("cell", name="ヤマダ タロウ")).to_be_visible()
    screenshot(page, "staff-search")


def test_wrong_password_keeps_the_username_and_never_the_password(page):
    page.goto("/staff/sign-in")
    page.get_by_label("利用者ID").fill("kansa")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("利用者IDまたはパスワードが正しくありません")
    expect(page.get_by_label("利用者ID")).to_have_value("kansa")
    expect(page.get_by_label("パスワード")).to_have_value("")


def test_pages_need_a_session(page, site):
    page.goto("/staff/")
    expect(page).to_have_url(f"{site.base_url}/staff/sign-in")


def test_a_my_number_never_reaches_the_address_bar(page):
    """Issue 12, item 7: a 個人番号 typed into the GET search form is moved to the POST form
    before any request is made; the page runs under its Content-Security-Policy."""
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in_staff(page)
    page.get_by_label("氏名（部分一致）").fill("1234 5678 9018")
    # The search's request, due 400 ms after the typing, is cancelled and the number moved:
    # once the POST form holds it, the GET request would have gone.
    expect(page.get_by_label("個人番号で検索")).to_have_value("1234 5678 9018", timeout=60_000)
    assert "9018" not in page.url
    page.get_by_role("button", name="個人番号で検索").click()
    expect(page.locator("#results")).to_contain_text("0件")
    assert "9018" not in page.url
    assert blocked == []
