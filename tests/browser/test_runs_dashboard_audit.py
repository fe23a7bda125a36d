"""Runs, the dashboard and the audit log in Chromium: an ex officio dry run followed to its end
(a dry run stores nothing, so the shared demo society stays as it is), the charts, the auditor's
reading of the log, and a clerk refused the runs page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import screenshot, sign_in_staff


def test_ex_officio_dry_run_shows_progress_to_the_end_and_the_result(page):
    sign_in_staff(page, "sekinin")
    page.get_by_role("link", name="一括交付").click()
    expect(page.get_by_role("heading", name="一括交付（職権交付・更新）")).to_be_visible()
    page.get_by_label("職権交付（申請によらない交付）").check()
    page.get_by_label("対象者").select_option("legacy_holders")
    expect(page.get_by_role("checkbox", name=re.compile("^試行"))).to_be_checked()
    page.get_by_role("button", name="処理を開始する").click()

    expect(page).to_have_url(re.compile(r"/staff/runs/\d+$"))
    expect(page.get_by_role("status").filter(has_text="を開始しました")).to_be_visible()
    expect(page.get_by_text("処理が完了しました")).to_be_visible()
    count = page.locator("#run-count")
    expect(count).to_have_text(re.compile(r"^処理済み ([\d,]+) / 全 \1 件$"))
    bar = page.locator("progress#run-bar")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    expect(page.get_by_text("試行のため、何も保存していません")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("印刷ファイル"))).to_have_count(0)
    screenshot(page, "staff-runs")

    page.reload()  # the run is in the database, not in the page
    expect(count).to_have_text(re.compile(r"^処理済み ([\d,]+) / 全 \1 件$"))
    page.get_by_role("link", name="一括交付").first.click()
    expect(page.get_by_role("table", name=re.compile("これまでの一括交付"))).to_contain_text("試行")


def test_dashboard_shows_its_charts_with_their_numbers(page):
    sign_in_staff(page, "tanto")
    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", name="ダッシュボード", exact=True)).to_be_visible()
    for title in ("マイナ保険証の利用登録率（月末時点）", "資格確認書の交付件数（交付理由別）",
                  "有効期限を迎える資格確認書（今後12か月）"):
        expect(page.get_by_role("img", name=re.compile(re.escape(title)))).to_be_visible()
    expect(page.get_by_role("heading", name="資格喪失者の未返納の資格確認書")).to_be_visible()
    screenshot(page, "staff-dashboard")
    rate = page.locator("#chart-rate")
    rate.get_by_text("数値を表で見る").click()
    expect(rate.get_by_role("table").get_by_role("row")).to_have_count(25)  # heading + 24 month ends
    expect(rate.get_by_role("row").last).to_contain_text(re.compile(r"%（\d.*人 / \d.*人）"))


def test_dashboard_fits_a_phone(phone):
    sign_in_staff(phone, "tanto")
    phone.goto("/staff/dashboard")
    expect(phone.get_by_role("img", name=re.compile("利用登録率"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_auditor_reads_the_audit_log_and_sees_no_write_forms(page):
    sign_in_staff(page, "kansa")
    nav = page.get_by_role("navigation", name="メインメニュー")
    expect(nav.get_by_role("link", name="一括交付")).to_have_count(0)
    expect(nav.get_by_role("link", name="資格取得届")).to_have_count(0)
    nav.get_by_role("link", name="監査ログ").click()

    table = page.get_by_role("table", name="監査ログ（新しい順）")
    for heading in ("日時", "利用者", "役割", "操作", "対象", "接続元", "詳細"):
        expect(table.get_by_role("columnheader", name=heading)).to_be_visible()
    first = table.get_by_role("row").nth(1)  # newest first: this very sign-in
    expect(first).to_contain_text("ログイン")
    expect(first).to_contain_text("kansa")
    expect(page.locator("main form[method=post]")).to_have_count(0)
    screenshot(page, "staff-audit")

    page.get_by_label("操作").select_option("user.add")
    page.get_by_role("button", name="絞り込む").click()
    expect(table.get_by_role("row").nth(1)).to_contain_text("職員の登録")
    expect(table.get_by_role("row").nth(1)).to_contain_text(re.compile("役割.*(システム管理者|業務責任者|担当者|監査担当)"))


def test_clerk_is_refused_the_runs_page(page):
    sign_in_staff(page, "tanto")
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="一括交付")).to_have_count(0)
    response = page.goto("/staff/runs")
    assert response.status == 403
    expect(page.get_by_role("heading", name="権限がありません")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("この操作を行う権限がありません")


def _notifications(*rows: str) -> bytes:
    header = "届出種別,記号,氏名,氏名カナ,生年月日,性別,資格取得日,標準報酬月額,個人番号"
    return "\r\n".join((header, *rows)).encode("utf-8")


def test_import_upload_dry_run_lists_the_errors_then_passes(page):
    good = "資格取得,1000,取込 花子,トリコミ ハナコ,1990-01-15,女,2026-04-01,300000,"
    bad_date = "資格取得,1000,取込 次郎,トリコミ ジロウ,1990-02-30,男,2026-04-01,300000,"
    bad_number = "資格取得,1000,取込 三郎,トリコミ サブロウ,1991-03-03,男,2026-04-01,300000,123456789012"
    sign_in_staff(page, "tanto")
    page.get_by_role("link", name="届出ファイルの取込").click()
    expect(page.get_by_role("checkbox", name=re.compile("^検査のみ"))).to_be_checked()
    page.get_by_label(re.compile("^届出ファイル")).set_input_files(files=[{
        "name": "todoke.csv", "mimeType": "text/csv", "buffer": _notifications(good, bad_date, bad_number)}])
    page.get_by_role("button", name="ファイルを送信する").click()

    expect(page.get_by_role("alert")).to_contain_text("取り込めません：誤りが 2 件あります")
    errors = page.get_by_role("table", name="誤りの一覧")
    expect(errors.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "生年月日", "1990-02-30", "存在しない日付です"])
    expect(errors.get_by_role("row").nth(2).get_by_role("cell").nth(1)).to_have_text("個人番号")
    expect(errors).not_to_contain_text("123456789012")  # a 個人番号 is shown masked
    screenshot(page, "staff-import")

    page.get_by_role("link", name="別のファイルを取り込む").click()
    page.get_by_label(re.compile("^届出ファイル")).set_input_files(files=[{
        "name": "todoke-fixed.csv", "mimeType": "text/csv", "buffer": _notifications(good)}])
    page.get_by_role("button", name="ファイルを送信する").click()
    expect(page.get_by_text("検査のみ：誤りはありません")).to_be_visible()
