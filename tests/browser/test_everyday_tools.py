"""The clerk's everyday tools in Chromium (issue 14, item 8): the print layout of the member page
(emulated print media: no menu or buttons, the society, the print time and who printed; the My
Number masked; an A4 PDF), a staff password change through the form, 本日の受付 and the CSV
links of a search. Screenshots: staff-member-print, staff-password, staff-today."""
from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import SHIKAKU
from tests.browser.steps import screenshot, sign_in_staff

NEW_PASSWORD = re.compile("^新しいパスワード(必須)?$")  # the label, not the one of the second entry


def _add_user(site, username: str, password: str) -> None:
    """A staff user of its own (the demo's users are shared by the other tests)."""
    folder = Path(site.db_url.removeprefix("sqlite:///")).parent
    env = {**os.environ, "SHIKAKU_KEY_FILE": str(folder / "secret.key"), "SHIKAKU_NEW_PASSWORD": password}
    subprocess.run([*SHIKAKU, "user", "add", username, "--role", "clerk", "--name", "印刷 確認",
                    "--db", site.db_url], env=env, check=True, capture_output=True)


def _open_showcase_member(page: Page) -> None:
    """山田 太郎 of the demo (記号 1000 番号 1), who has a 個人番号, a family and documents."""
    page.get_by_role("link", name="加入者検索").first.click()
    page.get_by_label("フリガナ（前方一致）").fill("ヤマダ タロウ")
    page.get_by_role("button", name="検索", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^1000・1・")).first.click()


def test_the_member_page_prints_on_a4(page: Page):
    sign_in_staff(page)
    _open_showcase_member(page)
    expect(page.get_by_role("button", name="印刷")).to_be_visible()
    expect(page.locator(".print-head")).to_be_hidden()

    page.emulate_media(media="print")
    expect(page.locator(".masthead")).to_be_hidden()
    expect(page.locator(".member-actions")).to_be_hidden()
    expect(page.get_by_role("button", name="印刷")).to_be_hidden()
    head = page.locator(".print-head")
    expect(head).to_be_visible()
    expect(head).to_contain_text("健康保険組合")
    expect(head).to_contain_text(re.compile(r"印刷日時 \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(head).to_contain_text("印刷者")
    for section in ("基本情報", "世帯", "資格の履歴", "交付書類"):
        expect(page.get_by_role("heading", name=re.compile(section)).first).to_be_visible()
    text = page.locator("main").inner_text()
    assert re.search(r"\*{8}\d{4}", text) and not re.search(r"\d{12}", text)  # the My Number stays masked
    screenshot(page, "staff-member-print")
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf[:4] == b"%PDF"
    page.emulate_media(media="screen")
    expect(page.locator(".masthead")).to_be_visible()


def test_a_clerk_changes_the_password(page: Page, site):
    _add_user(site, "insatsu", "first-password-1")
    sign_in_staff(page, "insatsu", "first-password-1")
    page.get_by_role("link", name="パスワードの変更").click()
    page.get_by_label("現在のパスワード").fill("wrong-password-x")
    page.get_by_label(NEW_PASSWORD).fill("second-password-2")
    page.get_by_label("新しいパスワード（確認のためもう一度）").fill("second-password-2")
    page.get_by_role("button", name="パスワードを変更する").click()
    expect(page.locator("#e-current_password")).to_have_text("現在のパスワードが正しくありません")
    expect(page.get_by_label(NEW_PASSWORD)).to_have_value("")  # never sent back

    page.get_by_label("現在のパスワード").fill("first-password-1")
    page.get_by_label(NEW_PASSWORD).fill("short")
    page.get_by_label("新しいパスワード（確認のためもう一度）").fill("short")
    page.get_by_role("button", name="パスワードを変更する").click()
    expect(page.locator("#e-new_password")).to_contain_text("10文字以上")
    screenshot(page, "staff-password")

    page.get_by_label("現在のパスワード").fill("first-password-1")
    page.get_by_label(NEW_PASSWORD).fill("second-password-2")
    page.get_by_label("新しいパスワード（確認のためもう一度）").fill("second-password-2")
    page.get_by_role("button", name="パスワードを変更する").click()
    expect(page.get_by_role("status")).to_contain_text("パスワードを変更しました")
    page.get_by_role("button", name="ログアウト").click()
    sign_in_staff(page, "insatsu", "second-password-2")


def test_todays_work_and_the_csv_of_a_search(page: Page, site):
    """A notice issued today through the API as the demo's clerk token is on today's list, by
    that clerk, with a link to the member; the search offers its CSV in Shift_JIS."""
    clerk = {"Authorization": f"Bearer {site.tokens['clerk']}", "Content-Type": "application/json"}
    found = json.load(urllib.request.urlopen(urllib.request.Request(
        f"{site.base_url}/api/v1/members?symbol=1000&number=1&limit=1", headers=clerk)))
    member = found["items"][0] if isinstance(found, dict) else found[0]
    urllib.request.urlopen(urllib.request.Request(
        f"{site.base_url}/api/v1/members/{member['id']}/notices", data=b'{"reason": "lost"}', headers=clerk,
        method="POST"))
    sign_in_staff(page)
    page.get_by_role("link", name="本日の受付").click()
    expect(page.get_by_role("heading", name=re.compile("本日の受付"))).to_be_visible()
    expect(page.locator("#by-clerk")).to_contain_text("件")
    expect(page.locator("#work-items").get_by_role("link", name=re.compile(member["name"])).first).to_be_visible()
    screenshot(page, "staff-today")

    page.get_by_role("link", name="加入者検索").first.click()
    page.get_by_label("フリガナ（前方一致）").fill("ヤマダ")
    page.get_by_role("button", name="検索", exact=True).click()
    with page.expect_download() as waiting:
        page.get_by_role("link", name="CSV（Shift_JIS（Excel用））").click()
    content = Path(waiting.value.path()).read_bytes().decode("cp932")
    assert "山田 太郎" in content and waiting.value.suggested_filename.endswith("-sjis.csv")
