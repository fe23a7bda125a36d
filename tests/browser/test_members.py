"""The staff member pages in Chromium: enrolment, the member page, a dependent, a 資格確認書 and its
PDF, a refusal explained, a refused form that keeps what was typed, a phone's width and the
keyboard alone. Each test enrols its own member (the demo society is shared)."""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from shikaku.entrypoints.bootstrap import business_calendar
from shikaku.service_layer.context import today_in_japan
from tests.browser.steps import screenshot, sign_in_staff
from tests.builders import my_number

_KANA = "アイウエオカキクケコサシスセソ"
_rng = random.Random()


def unique_kana() -> str:
    return "".join(_rng.choice(_KANA) for _ in range(8))


def fill_enrolment(page: Page, kana: str, number: str | None = None,
                   remuneration: str = "300000") -> None:
    page.goto("/staff/members/new")
    page.get_by_label(re.compile("^氏名")).fill(f"画面 {kana}")
    page.get_by_label(re.compile("^フリガナ")).fill(f"ガメン {kana}")
    page.get_by_label("生年月日").fill("1985-07-20")
    page.get_by_label("性別").select_option("female")
    page.get_by_label(re.compile("^記号")).fill("1000")
    page.get_by_label("資格取得日").fill("2025-04-01")
    page.get_by_label("標準報酬月額（円）").fill(remuneration)
    if number:
        page.get_by_label("個人番号（マイナンバー・12桁）").fill(number)


def enrol_insured(page: Page, number: str | None = None) -> str:
    """Enrols a new insured through the form; returns the unique kana of the name."""
    kana = unique_kana()
    fill_enrolment(page, kana, number)
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")
    return kana


def test_enrol_then_find_the_member_and_open_the_page(page):
    sign_in_staff(page)
    number = my_number()
    kana = unique_kana()
    fill_enrolment(page, kana, number)
    screenshot(page, "staff-enrolment")
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資格取得を登録しました")

    page.get_by_role("link", name="加入者検索").first.click()
    page.get_by_label("フリガナ（前方一致）").fill(f"ガメン {kana}")
    page.get_by_role("button", name="検索", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^1000・\d+・00$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"画面 {kana}")
    expect(page.get_by_text(f"********{number[-4:]}").first).to_be_visible()
    assert number not in page.content()
    # The enrolment and the My Number with it are published on the second business day.
    published = business_calendar(os.environ).second_business_day_after(today_in_japan())  # as the server's
    history = page.get_by_role("region", name="資格の履歴")
    expect(history.get_by_role("cell", name=re.compile(published.isoformat()))).to_be_visible()
    expect(history).to_contain_text("公開前")
    expect(page.get_by_role("region", name="マイナ保険証")).to_contain_text(
        "オンライン資格確認で確認できるのは翌々営業日の")


def test_enrol_a_dependent(page):
    sign_in_staff(page)
    kana = enrol_insured(page)
    page.get_by_role("link", name="被扶養者の追加").click()
    page.get_by_label(re.compile("^氏名")).fill(f"画面 {kana}子")
    page.get_by_label(re.compile("^フリガナ")).fill(f"ガメン {kana}コ")
    page.get_by_label("生年月日").fill("2015-03-03")
    page.get_by_label("性別").select_option("female")
    page.get_by_label("続柄").select_option("child")
    page.get_by_label("資格取得日").fill("2025-04-01")
    page.get_by_role("button", name="被扶養者を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("被扶養者として登録しました（枝番 01）")
    family = page.get_by_role("region", name=re.compile("世帯"))
    expect(family.get_by_role("link", name=f"画面 {kana}")).to_be_visible()
    expect(family.get_by_role("cell", name="01", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="資格の履歴")).to_contain_text("家族・子")


def test_apply_for_a_certificate_and_download_its_pdf(page, tmp_path: Path):
    sign_in_staff(page)
    enrol_insured(page)  # no My Number: online verification cannot find her
    page.get_by_role("link", name="資格確認書の交付申請").click()
    expect(page.get_by_role("region", name="マイナ保険証の状況")).to_contain_text("個人番号が登録されていない")
    page.get_by_label("⑤マイナンバーカードを取得していないため").check()
    page.get_by_label("備考", exact=True).fill("窓口で申請書を受領")
    screenshot(page, "staff-certificate-form")
    page.get_by_role("button", name="申請を受け付けて交付する").click()
    expect(page.get_by_role("status")).to_contain_text("資格確認書を交付しました")

    documents = page.get_by_role("region", name="交付書類")
    expect(documents).to_contain_text("⑤マイナンバーカードを取得していないため")
    expect(documents.get_by_text("有効", exact=True)).to_be_visible()
    link = documents.get_by_role("link", name=re.compile("^PDF"))
    cert_id = re.search(r"/staff/certificates/(\d+)/pdf", link.get_attribute("href"))[1]
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"資格確認書-{cert_id}.pdf"
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    screenshot(page, "staff-member")


def test_a_refusal_is_explained(page):
    """田中 陽子 (showcase family 5) uses マイナ保険証: ④ "not registered" contradicts the registry."""
    sign_in_staff(page)
    page.get_by_label("記号").fill("1000")
    page.get_by_label("番号", exact=True).fill("5")
    page.get_by_role("button", name="検索", exact=True).click()
    page.get_by_role("link", name="1000・5・00").click()
    expect(page.get_by_role("region", name="マイナ保険証")).to_contain_text("利用可")
    page.get_by_role("link", name="資格確認書の交付申請").click()
    expect(page.get_by_text("責任者の承認")).to_have_count(0)  # a clerk is not offered the override
    reason = page.get_by_label("④マイナンバーカードを持っているが、健康保険証利用登録を行っていないため")
    reason.check()
    page.get_by_role("button", name="申請を受け付けて交付する").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("申請理由が登録内容と一致しません")
    expect(alert).to_contain_text("利用登録は有効です")
    expect(page.get_by_role("note")).to_contain_text("業務責任者が承認理由を記入して交付できます")
    expect(reason).to_be_checked()
    screenshot(page, "staff-refusal")


def test_a_refused_form_keeps_what_was_typed_but_never_the_my_number(page):
    sign_in_staff(page)
    kana = unique_kana()
    fill_enrolment(page, kana, my_number(), remuneration="123456")
    page.get_by_role("button", name="資格取得を登録する").click()
    expect(page.get_by_role("alert")).to_contain_text("1件の項目に誤りがあります")
    remuneration = page.get_by_label("標準報酬月額（円）")
    expect(remuneration).to_have_value("123456")
    expect(remuneration).to_have_attribute("aria-invalid", "true")
    expect(remuneration).to_have_accessible_description(re.compile("標準報酬月額は等級表の額"))
    expect(page.get_by_label(re.compile("^氏名"))).to_have_value(f"画面 {kana}")
    expect(page.get_by_label(re.compile("^フリガナ"))).to_have_value(f"ガメン {kana}")
    expect(page.get_by_label("生年月日")).to_have_value("1985-07-20")
    expect(page.get_by_label("性別")).to_have_value("female")
    my_number_field = page.get_by_label("個人番号（マイナンバー・12桁）")
    expect(my_number_field).to_have_value("")
    expect(my_number_field).to_have_attribute("type", "password")
    expect(page.get_by_text("入力された個人番号は再表示しません")).to_be_visible()


def test_the_member_page_at_a_phone_width(phone):
    sign_in_staff(phone)
    enrol_insured(phone, my_number())
    for heading in ("基本情報", "マイナ保険証", "資格の履歴", "交付書類"):
        expect(phone.get_by_role("heading", name=re.compile(heading)).first).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_certificate_form_with_the_keyboard_alone(page):
    sign_in_staff(page)
    enrol_insured(page)
    page.goto(page.url + "/certificates/new")
    _tab_to(page, "input[name=reason]")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # visible focus
    page.keyboard.press("Space")  # ① a declaration, accepted as declared
    expect(page.get_by_label("①マイナンバーカードを紛失したため")).to_be_checked()
    _tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("資格確認書を交付しました")
