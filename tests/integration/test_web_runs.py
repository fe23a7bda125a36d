"""The staff pages of runs, the dashboard, the audit log and the import upload, through the web
routes (TestClient): a run started from the form and followed to its end, its print file and
manifest, the dashboard's figures on a small registry whose every number is known, an uploaded
file's errors, and the role refusals."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shikaku.service_layer import commands, corrections, dashboard, documents, members, myna
from shikaku.service_layer.auth import Actor, Role
from tests.builders import my_number, symbol
from tests.helpers import sign_in_staff, wait_for

TODAY = date(2026, 6, 1)  # ctx.today() of the tests


# ----------------------------------------------------------------------------- a small registry

def _enrol(ctx, admin, name: str, qualified_on: str, birth_date: str = "1980-05-10", *,
           number: str | None = None, insured_id: str | None = None, **extra) -> str:
    fields = {"relationship": "dependent", "insured_id": insured_id} if insured_id else \
        {"relationship": "insured", "symbol": symbol(), "standard_monthly_remuneration": 300000}
    form = commands.Enrolment(name=name, name_kana="シケン", birth_date=birth_date, sex="female",
                              qualified_on=qualified_on, registered_on=qualified_on, my_number=number,
                              **fields, **extra)
    return members.enrol(ctx, admin, form).id


def _card(ctx, admin, number: str, card_id: str, expires: str, registered: str, cancelled: str | None = None):
    myna.add_card(ctx, admin, number, card_id, date.fromisoformat(expires))
    myna.register_for_insurance(ctx, admin, card_id, date.fromisoformat(registered))
    if cancelled:
        myna.cancel_insurance_registration(ctx, admin, card_id, date.fromisoformat(cancelled))


def _certificate(ctx, admin, member_id: str, reason: str, applied_on: str) -> None:
    documents.apply_for_certificate(ctx, admin, member_id, commands.CertificateApplication(
        reason=reason, applied_on=applied_on))


@pytest.fixture
def registry(ctx, admin):
    """Eligible [from, loss) and usable マイナ保険証 periods:
    A  insured     [2020-04-01, –)            usable from the card's registration 2025-01-15; a
                                              second card from 2025-06-01 (counted once)
    B  A's family  [2020-04-01, –)            no My Number
    C  insured     [2025-03-10, 2026-01-01)   usable from publication 2025-03-14; ① certificate
                                              2025-06-01, not returned after the loss
    C2 C's family  [2025-03-10, 2026-01-01)   loses with C
    D  insured     [2015-04-01, 2025-09-15)   75 on 2025-09-15; ⑤ certificate expired 2025-09-14
    E  insured     [2010-04-01, 2026-10-20)   75 on 2026-10-20; ⑤ certificate expires 2026-10-19
    G  insured     [2024-01-01, 2026-04-01)   coverage end 2025-12-31, amended to 2026-03-31
    H  insured     [2019-04-01, –)            usable 2023-01-01 until the cancellation 2025-08-10,
                                              again with a new card from 2025-10-15
    I  insured     [2019-04-01, –)            card expired 2025-02-10: usable to 2025-05-31"""
    a_number, c_number, h_number, i_number = my_number(), my_number(), my_number(), my_number()
    a = _enrol(ctx, admin, "A", "2020-04-01", number=a_number)
    _card(ctx, admin, a_number, "CARDA", "2030-01-01", "2025-01-15")
    _card(ctx, admin, a_number, "CARDA2", "2031-01-01", "2025-06-01")
    _enrol(ctx, admin, "B", "2020-04-01", "2010-01-01", insured_id=a, kinship="child")
    c = _enrol(ctx, admin, "C", "2025-03-10", number=c_number)
    _card(ctx, admin, c_number, "CARDC", "2030-01-01", "2024-05-01")
    _enrol(ctx, admin, "C2", "2025-03-10", "2015-01-01", insured_id=c, kinship="child")
    _certificate(ctx, admin, c, "card_lost", "2025-06-01")
    members.disqualify(ctx, admin, c, commands.Disqualification(
        disqualified_on="2026-01-01", registered_on="2026-01-05", reason="retirement"))
    d = _enrol(ctx, admin, "D", "2015-04-01", "1950-09-15")
    _certificate(ctx, admin, d, "no_card", "2025-01-10")
    e = _enrol(ctx, admin, "E", "2010-04-01", "1951-10-20")
    _certificate(ctx, admin, e, "no_card", "2026-05-01")
    g = _enrol(ctx, admin, "G", "2024-01-01", coverage_ends_on="2025-12-31")
    members.amend(ctx, admin, g, commands.Amendment(coverage_ends_on="2026-03-31", effective_on="2025-06-01",
                                                    registered_on="2025-06-02"))
    _enrol(ctx, admin, "H", "2019-04-01", number=h_number)
    _card(ctx, admin, h_number, "CARDH", "2030-01-01", "2023-01-01", cancelled="2025-08-10")
    _card(ctx, admin, h_number, "CARDH2", "2035-01-01", "2025-10-15")
    _enrol(ctx, admin, "I", "2019-04-01", number=i_number)
    _card(ctx, admin, i_number, "CARDI", "2025-02-10", "2022-01-01")
    return {"C": c}


def test_dashboard_figures_on_a_known_registry(ctx, admin, registry):
    figures = dashboard.figures(ctx, Actor(Role.AUDITOR, "kansa"))
    by_day = {p.on: (p.eligible, p.usable) for p in figures.rate_by_month}
    assert len(figures.rate_by_month) == 24
    assert figures.rate_by_month[0].on == date(2024, 6, 30)
    assert figures.rate_by_month[-1].on == date(2026, 5, 31)
    assert by_day[date(2024, 6, 30)] == (7, 2)  # A B D E G H I; H and I usable
    assert by_day[date(2025, 2, 28)] == (7, 3)  # A's card now
    assert by_day[date(2025, 3, 31)] == (9, 4)  # C and C2 enrolled; C published 2025-03-14
    assert by_day[date(2025, 6, 30)] == (9, 3)  # I's grace ended 2025-05-31; A's two cards: once
    assert by_day[date(2025, 8, 31)] == (9, 2)  # H cancelled 2025-08-10
    assert by_day[date(2025, 9, 30)] == (8, 2)  # D is 75
    assert by_day[date(2025, 10, 31)] == (8, 3)  # H's new card
    assert by_day[date(2025, 12, 31)] == (8, 3)  # G's amended coverage end is later
    assert by_day[date(2026, 1, 31)] == (6, 2)  # C and C2 lost
    assert by_day[date(2026, 3, 31)] == (6, 2)
    assert by_day[date(2026, 4, 30)] == (5, 2)  # G's coverage ended 2026-03-31
    assert (figures.rate_today.on, figures.rate_today.eligible, figures.rate_today.usable) == (TODAY, 5, 2)
    assert figures.certificates_by_reason == {"card_lost": 1, "no_card": 2}
    assert figures.expiries_by_month[0] == (date(2026, 6, 1), 0)
    assert [count for _, count in figures.expiries_by_month] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert figures.unreturned_total == 1  # C's; D's expired the day before D turned 75
    assert figures.unreturned[0]["member_id"] == registry["C"]
    assert figures.unreturned[0]["lost_on"] == date(2026, 1, 1)


def _last_registration(ctx, admin, member_id: str) -> int:
    return corrections.registrations(ctx, admin, member_id)[-1].seq


def test_dashboard_counts_registrations_as_corrected(ctx, admin):
    """A cancelled loss no longer ends eligibility, a loss whose date is corrected ends it on the
    corrected day, and a corrected coverage end counts (D-124) — as the member page says."""
    cancelled = _enrol(ctx, admin, "取消", "2020-04-01")
    members.disqualify(ctx, admin, cancelled, commands.Disqualification(
        disqualified_on="2025-10-01", registered_on="2025-10-02", reason="retirement"))
    corrections.cancel_registration(ctx, admin, cancelled, _last_registration(ctx, admin, cancelled),
                                    corrections.Cancellation(reason="誤登録", registered_on="2025-10-20"))
    moved = _enrol(ctx, admin, "訂正", "2020-04-01")
    members.disqualify(ctx, admin, moved, commands.Disqualification(
        disqualified_on="2025-10-01", registered_on="2025-10-02", reason="retirement"))
    corrections.correct_registration(ctx, admin, moved, _last_registration(ctx, admin, moved),
                                     corrections.Correction(reason="日付誤り", effective_on="2026-02-01",
                                                            registered_on="2025-10-20"))
    ended = _enrol(ctx, admin, "期限", "2020-04-01", coverage_ends_on="2025-12-31")
    corrections.correct_registration(ctx, admin, ended, _last_registration(ctx, admin, ended),
                                     corrections.Correction(reason="期限誤り", coverage_ends_on="2026-03-31",
                                                            registered_on="2025-06-02"))
    by_day = {p.on: p.eligible for p in dashboard.figures(ctx, Actor(Role.AUDITOR, "kansa")).rate_by_month}
    assert by_day[date(2025, 10, 31)] == 3  # the cancelled loss and the moved one: all three
    assert by_day[date(2026, 1, 31)] == 3  # the corrected coverage end is later
    assert by_day[date(2026, 2, 28)] == 2  # the moved loss, on its corrected day
    assert by_day[date(2026, 4, 30)] == 1  # the corrected coverage end 2026-03-31 passed
    views = {m: members.get_member(ctx, admin, m, as_of=date(2026, 2, 28)).eligible
             for m in (cancelled, moved, ended)}
    assert views == {cancelled: True, moved: False, ended: True}


def test_dashboard_page_draws_the_charts(client, ctx, registry):
    sign_in_staff(client, ctx, "clerk")
    html = client.get("/staff/dashboard").text
    assert html.count('role="img"') == 3
    assert "マイナ保険証の利用登録率（月末時点）" in html and "<title id=\"chart-rate-title\">" in html
    assert "40.0%（2人 / 5人）" in html  # today, in the summary
    assert "資格確認書の交付件数（交付理由別）" in html and "有効期限を迎える資格確認書（今後12か月）" in html
    assert "2026年10月（令和8年10月）" in html  # the expiry table's row
    assert f'/staff/members/{registry["C"]}' in html  # the unreturned certificate's holder


def test_ex_officio_run_from_the_form_with_print_file_and_manifest(client, ctx, registry):
    token = sign_in_staff(client, ctx, "supervisor")
    started = client.post("/staff/runs", data={"csrf_token": token, "kind": "ex_officio",
                                               "run_on": "2026-06-01", "cohort": "legacy_holders"},
                          follow_redirects=False)
    assert started.status_code == 303
    run_id = started.headers["location"].rsplit("/", 1)[1]
    assert "処理 " in client.get(started.headers["location"]).text
    done = wait_for(client, f"/staff/runs/{run_id}")
    assert "処理が完了しました" in done and "処理済み 9 / 全 9 件" in done
    assert "印刷ファイル（PDF）をダウンロード" in done  # B and I: no usable card, enrolled before

    pdf = client.get(f"/staff/runs/{run_id}/print-file")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    mailers = client.get(f"/staff/runs/{run_id}/mailers.pdf")
    assert mailers.status_code == 200 and mailers.content.startswith(b"%PDF")
    assert f'filename="run-{run_id}-mailers.pdf"' in mailers.headers["content-disposition"]
    manifest = client.get(f"/staff/runs/{run_id}/manifest")
    assert manifest.headers["content-type"].startswith("text/csv")
    assert manifest.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(manifest.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["連番", "交付番号", "記号"] and sorted(r[5] for r in rows[1:]) == ["B", "I"]
    assert "処理 " + run_id in client.get("/staff/runs").text  # in the list of past runs
    assert dashboard.figures(ctx, Actor(Role.CLERK, "x")).certificates_by_reason["ex_officio"] == 2


def test_a_dry_run_stores_nothing_and_a_second_start_resumes_the_same_run(client, ctx, registry):
    token = sign_in_staff(client, ctx, "admin")
    form = {"csrf_token": token, "kind": "ex_officio", "run_on": "2026-06-01", "cohort": "all_without_myna",
            "dry_run": "on"}
    run_id = client.post("/staff/runs", data=form, follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    done = wait_for(client, f"/staff/runs/{run_id}")
    assert "試行のため、何も保存していません" in done and "ダウンロード" not in done
    assert "<dt>交付の対象</dt><dd>2件</dd>" in done
    assert "ex_officio" not in dashboard.figures(ctx, Actor(Role.CLERK, "x")).certificates_by_reason


def test_a_refused_run_keeps_what_was_typed(client, ctx):
    token = sign_in_staff(client, ctx, "supervisor")
    refused = client.post("/staff/runs", data={"csrf_token": token, "kind": "renewal", "run_on": "2026-06-01",
                                               "cycle_end": "2029-11-30"})
    assert refused.status_code == 422
    assert "更新の処理は有効期限の年の9月1日から有効期限までに行います" in refused.text
    assert 'value="2029-11-30"' in refused.text and 'value="renewal" checked' in refused.text


def test_audit_log_newest_first_filtered_by_target_and_action(client, ctx, registry):
    sign_in_staff(client, ctx, "auditor")
    html = client.get("/staff/audit").text
    assert "<th scope=\"col\">操作</th>" in html and "資格喪失の登録" in html
    found = client.get(f"/staff/audit?target={registry['C']}&action=member.disqualify").text
    assert found.count("<tr>") == 2  # the heading and the one row
    assert "<dt>理由</dt><dd>退職</dd>" in found and "<dt>資格喪失日</dt><dd>令和8年1月1日</dd>" in found  # D-159
    assert "retirement" not in found and "member.disqualify</code>" not in found
    assert client.get("/staff/audit?action=no.such.action").text.count("条件に合う記録はありません") == 1


def test_auditor_sees_no_write_forms(client, ctx):
    sign_in_staff(client, ctx, "auditor")
    for path in ("/staff/", "/staff/dashboard", "/staff/audit"):
        html = client.get(path).text
        # Signing out and the search by 個人番号 (a read, posted so the number is in no URL) post.
        reads = html.replace('class="signout" method="post"', "").replace(
            'method="post" action="/staff/search/my-number"', "")
        assert 'method="post"' not in reads, path
        assert "/staff/runs" not in html and "/staff/members/new" not in html


@pytest.mark.parametrize("role, path", [
    ("clerk", "/staff/runs"), ("auditor", "/staff/runs"), ("clerk", "/staff/audit"),
    ("supervisor", "/staff/audit")])
def test_roles_are_refused_with_the_japanese_page(client, ctx, role, path):
    sign_in_staff(client, ctx, role)
    refused = client.get(path)
    assert refused.status_code == 403 and "この操作を行う権限がありません" in refused.text


def test_clerk_cannot_start_a_run_nor_download_its_files(client, ctx, admin):
    from shikaku.service_layer import runs

    run_id = runs.ex_officio(ctx, admin, commands.CertificateRun(run_on="2026-06-01", dry_run=True))["id"]
    token = sign_in_staff(client, ctx, "clerk")
    assert client.post("/staff/runs", data={"csrf_token": token, "kind": "ex_officio"}).status_code == 403
    for path in (f"/staff/runs/{run_id}", f"/staff/runs/{run_id}/print-file", f"/staff/runs/{run_id}/manifest"):
        assert client.get(path).status_code == 403


def test_import_upload_reports_errors_to_the_uploader_only(client, ctx):
    token = sign_in_staff(client, ctx, "clerk")
    content = ("届出種別,記号,氏名,氏名カナ,生年月日,性別,資格取得日,標準報酬月額\r\n"
               "資格取得,9300,取込 花子,トリコミ ハナコ,1990-02-30,女,2026-04-01,300000\r\n").encode("cp932")
    started = client.post("/staff/imports", data={"csrf_token": token, "dry_run": "on"},
                          files={"file": ("todoke.csv", content, "text/csv")}, follow_redirects=False)
    assert started.status_code == 303
    job = started.headers["location"]
    block = wait_for(client, job)
    assert "取り込めません：誤りが 1 件あります" in block and "Shift_JIS" in block
    assert '<td data-label="項目">生年月日</td>' in block and "存在しない日付です" in block
    assert client.post("/staff/imports", data={"csrf_token": token}).status_code == 422  # no file

    sign_in_staff(client, ctx, "supervisor")
    assert client.get(job).status_code == 404  # someone else's upload
