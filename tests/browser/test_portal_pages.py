"""The member portal in Chromium: the 資格情報画面 and its PDF, the access history, what to
bring, the PIN lock-out, keyboard-only use and a phone's width."""
from __future__ import annotations

import json
import secrets
import urllib.request

from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in_member
from tests.builders import my_number


def api(site, role: str, path: str, body: dict) -> dict:
    """A POST to the demo's API with the token `shikaku demo` printed for `role`."""
    request = urllib.request.Request(f"{site.base_url}/api/v1{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {site.tokens[role]}",
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sign_in_to_screen(page: Page, site) -> None:
    sign_in_member(page, site.card_id)
    expect(page.get_by_role("heading", name="資格情報", exact=True)).to_be_visible()


def test_sign_in_shows_the_numbers_and_the_copay_ratio(page, site):
    sign_in_to_screen(page, site)
    expect(page).to_have_url(f"{site.base_url}/portal/")
    expect(page.locator("dd.numbers")).to_have_text("記号 1000　番号 1　枝番 00")
    facts = page.get_by_role("region", name="医療費の負担")
    expect(facts).to_contain_text("一部負担金の割合")
    expect(facts).to_contain_text("3割")
    expect(page.get_by_role("region", name="医療保険の資格")).to_contain_text("山田 太郎")
    expect(page.get_by_role("region", name="マイナ保険証")).to_contain_text("利用できます")
    screenshot(page, "portal-screen")


def test_the_screen_downloads_as_a_pdf(page, site):
    sign_in_to_screen(page, site)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFでダウンロード").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_the_access_history_shows_a_verification(page, site):
    answer = api(site, "facility", "/verifications", {
        "service_date": page.evaluate("new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Tokyo'})"),
        "method": "myna_card", "card_id": site.card_id, "identity_check": "face"})
    assert answer["validity"] == "valid"
    sign_in_to_screen(page, site)
    page.get_by_role("link", name="資格確認の履歴").click()
    expect(page.get_by_role("heading", name="資格確認の履歴")).to_be_visible()
    history = page.locator("ol.timeline li").first
    expect(history).to_contain_text("さくら内科クリニック")
    expect(history).to_contain_text("マイナ保険証（本人確認: 顔認証）")
    screenshot(page, "portal-history")


def test_what_to_bring_for_the_showcase_member(page, site):
    sign_in_to_screen(page, site)
    page.get_by_role("link", name="受診に必要なもの").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        "マイナ保険証（マイナンバーカード）だけで受診できます")
    expect(page.get_by_text("マイナ保険証と、この資格情報画面（PDFでも可）")).to_be_visible()
    screenshot(page, "portal-bring")


def test_three_wrong_pins_lock_the_card(page, site):
    card_id = "LOCK" + secrets.token_hex(6).upper()
    api(site, "admin", "/myna/cards", {"my_number": my_number(), "card_id": card_id,
                                       "certificate_expires_on": "2034-01-01", "pin": "2468"})
    alert = page.get_by_role("alert")
    for wrong, left in (("1111", "あと2回"), ("2222", "あと1回")):
        sign_in_member(page, card_id, wrong)
        expect(alert).to_contain_text(left)
    sign_in_member(page, card_id, "3333")
    expect(alert).to_contain_text("暗証番号を3回続けて間違えたため、ロックされています")
    expect(alert).to_contain_text("市区町村の窓口")
    sign_in_member(page, card_id, "2468")  # the right PIN: still locked
    expect(alert).to_contain_text("ロックされています")
    expect(page.get_by_label("カード番号")).to_have_value(card_id)
    expect(page.get_by_label("暗証番号（数字4桁）")).to_have_value("")
    expect(page).to_have_url(f"{site.base_url}/portal/sign-in")
    screenshot(page, "portal-lockout")


def test_keyboard_only(page, site):
    page.goto("/portal/sign-in")
    page.keyboard.type(site.card_id)  # the card number field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("1234")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="資格情報", exact=True)).to_be_visible()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "受診に必要なもの":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.base_url}/portal/bring")


def test_the_portal_at_a_phone_width(phone, site):
    sign_in_to_screen(phone, site)
    expect(phone.get_by_role("link", name="PDFでダウンロード")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "portal-phone")
