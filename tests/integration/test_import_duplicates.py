"""同一人物の可能性 in the notification import (issue 14, item 3; D-153, D-154): an enrolment
row with the フリガナ and 生年月日 of an eligible member, or of an earlier enrolment row of the
file, refuses the file (nothing stored, each row named with its candidates) unless the upload
confirms them — in the use case, the CLI (--confirm-duplicates) and the web page's checkbox."""
from __future__ import annotations

import io

from sqlalchemy import func, select
from typer.testing import CliRunner

from shikaku.adapters.db.schema import import_files, members
from shikaku.entrypoints.cli import app
from shikaku.service_layer import exchange
from tests.builders import insured_row, notification_csv
from tests.helpers import sign_in_staff, wait_for

runner = CliRunner()
SAME_PERSON = {"氏名": "山田 太郎", "氏名カナ": "ヤマダタロウ", "生年月日": "1980-05-10"}  # ﾔﾏﾀﾞ ﾀﾛｳ, 昭和55年5月10日


def run(ctx, actor, rows, **options) -> exchange.ImportResult:
    return exchange.import_notifications(ctx, actor, io.BytesIO(notification_csv(rows)), "todoke.csv", **options)


def counts(ctx) -> tuple[int, int]:
    with ctx.connection() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (members, import_files))


def registered(ctx, admin) -> None:
    """山田 太郎 (1001-5), eligible from 2025-04-01."""
    assert run(ctx, admin, [insured_row()]).status == "imported"


def duplicates(result) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in result.errors if e.code == "possible_duplicate"]


def test_a_row_matching_an_eligible_member_refuses_the_file(ctx, admin):
    registered(ctx, admin)
    before = counts(ctx)
    result = run(ctx, admin, [insured_row(number="6", **SAME_PERSON), insured_row(number="7", 氏名="佐藤 一郎",
                                                                                  氏名カナ="サトウ イチロウ")])
    assert result.status == "refused" and counts(ctx) == before
    [(row, message)] = duplicates(result)
    assert row == 2 and result.error_count == 1
    assert "1001-5-00 山田 太郎（ヤマダ タロウ、昭和55年5月10日生）" in message  # the candidate's 記号・番号


def test_confirmed_duplicates_are_stored(ctx, admin):
    registered(ctx, admin)
    result = run(ctx, admin, [insured_row(number="6", **SAME_PERSON)], confirm_duplicates=True)
    assert result.status == "imported" and counts(ctx) == (2, 2)


def test_two_rows_of_one_file_for_the_same_person(ctx, admin):
    result = run(ctx, admin, [insured_row(number="8", **SAME_PERSON), insured_row(number="6")])
    assert result.status == "refused" and counts(ctx) == (0, 0)
    [(row, message)] = duplicates(result)
    assert row == 3 and "2行目の届出" in message
    assert run(ctx, admin, [insured_row(number="8", **SAME_PERSON), insured_row(number="6")],
               confirm_duplicates=True).status == "imported"


def test_a_member_who_lost_eligibility_before_the_new_qualification_is_no_candidate(ctx, admin):
    registered(ctx, admin)
    loss = {"届出種別": "資格喪失", "記号": "1001", "番号": "5", "続柄": "本人", "生年月日": "1980-05-10",
            "資格喪失日": "2025-05-01", "喪失理由": "退職", "受付日": "2025-05-02"}
    assert run(ctx, admin, [loss]).status == "imported"
    day_before = run(ctx, admin, [insured_row(number="6", 資格取得日="2025-04-30", **SAME_PERSON)], dry_run=True)
    assert [row for row, _ in duplicates(day_before)] == [2]  # still eligible on 4月30日
    on_loss_day = run(ctx, admin, [insured_row(number="6", 資格取得日="2025-05-01", 受付日="2025-05-02",
                                               **SAME_PERSON)])
    assert on_loss_day.status == "imported", on_loss_day.errors


def test_cli_refuses_then_confirms(ctx, admin, db_url, tmp_path):
    registered(ctx, admin)
    path = tmp_path / "todoke.csv"
    path.write_bytes(notification_csv([insured_row(number="6", **SAME_PERSON)], "cp932"))
    refused = runner.invoke(app, ["import", str(path), "--db", db_url])
    output = refused.output.replace("\n", "")
    assert refused.exit_code == 1 and "possible_duplicate" in output and "1001-5-00" in output
    assert counts(ctx) == (1, 1)
    confirmed = runner.invoke(app, ["import", str(path), "--db", db_url, "--confirm-duplicates"])
    assert confirmed.exit_code == 0 and "取り込みました" in confirmed.output
    assert counts(ctx) == (2, 2)


def test_web_checkbox_confirms(ctx, admin, client):
    registered(ctx, admin)
    token = sign_in_staff(client, ctx, "clerk")
    assert "同一人物の可能性がある行を確認しました（別人として登録する）" in client.get("/staff/imports").text
    content = notification_csv([insured_row(number="6", **SAME_PERSON)], "cp932")

    def upload(**fields) -> str:
        started = client.post("/staff/imports", data={"csrf_token": token, **fields},
                              files={"file": ("todoke.csv", content, "text/csv")}, follow_redirects=False)
        assert started.status_code == 303
        return wait_for(client, started.headers["location"])

    refused = upload()
    assert "取り込めません" in refused and "同一人物の可能性があります" in refused and "1001-5-00" in refused
    assert counts(ctx) == (1, 1)
    assert "取り込みました" in upload(confirm_duplicates="on")
    assert counts(ctx) == (2, 2)
