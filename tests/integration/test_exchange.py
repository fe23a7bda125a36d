"""一括のやり取り (issue 6): employers' notification files in (every encoding, all or nothing,
duplicates, dry runs, the safe order, masked 個人番号), the registration file for the national
side and the list of members without マイナ保険証 out (mode 0600, audited), a round trip, and
the CLI. On SQLite, and on PostgreSQL when SHIKAKU_TEST_DB_URL names one (conftest)."""
from __future__ import annotations

import csv
import io
import stat
from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from shikaku.adapters.db import repository as repo
from shikaku.adapters.db.families import refresh_snapshot
from shikaku.adapters.db.schema import (
    audit_log,
    family_snapshots,
    import_files,
    members,
    registrations,
    symbols,
)
from shikaku.adapters.vault import Keyring, Vault
from shikaku.domain.certificates import CertificateReason
from shikaku.domain.errors import DomainError
from shikaku.domain.registry import LossReason, Relationship
from shikaku.entrypoints.cli import app
from shikaku.service_layer import commands, documents, exchange, myna
from shikaku.service_layer import members as svc
from shikaku.service_layer.auth import Actor, Role
from tests.builders import (
    NOTIFICATION_COLUMNS,
    RECEIVED,
    dependent_row,
    insured_row,
    my_number,
    notification_csv,
)

PUBLISHED = date(2025, 4, 4)  # 翌々営業日
runner = CliRunner()


def run(ctx, actor, rows, *, dry_run=False, encoding="utf-8", progress=None) -> exchange.ImportResult:
    content = rows if isinstance(rows, bytes) else notification_csv(rows, encoding)
    return exchange.import_notifications(ctx, actor, io.BytesIO(content), "todoke.csv", dry_run=dry_run,
                                         progress=progress)


def stored(ctx) -> dict[str, int]:
    with ctx.connection() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (members, registrations, family_snapshots, import_files)}


def by_number(ctx, actor, as_of=date(2025, 6, 1)) -> dict[tuple[str, str, str], svc.MemberView]:
    views, _ = svc.list_members(ctx, actor, limit=1000, as_of=as_of)
    return {(m.symbol, m.number, m.branch): m for m in views}


def codes(result) -> list[tuple]:
    return [(e.row, e.column, e.code) for e in result.errors]


# ---------------------------------------------------------------------- encodings

@pytest.mark.parametrize(("encoding", "label"), [("cp932", "Shift_JIS (CP932)"), ("utf-8", "UTF-8"),
                                                 ("utf-8-sig", "UTF-8 (BOM付き)")])
def test_each_encoding_is_detected(ctx, admin, encoding, label):
    result = run(ctx, admin, [insured_row(氏名="髙橋 𠮷" if encoding != "cp932" else "髙橋 太郎"),
                              dependent_row(氏名="山田　花子")], encoding=encoding)
    assert (result.status, result.encoding_label, result.rows) == ("imported", label, 2)
    assert result.counts == {"資格取得": 1, "被扶養者追加": 1, "資格喪失": 0, "変更": 0}
    family = by_number(ctx, admin)
    assert family[("1001", "5", "00")].name == ("髙橋 𠮷" if encoding != "cp932" else "髙橋 太郎")
    assert family[("1001", "5", "00")].name_kana == "ヤマダ タロウ"  # half-width kana stored full-width
    assert family[("1001", "5", "01")].name == "山田 花子"
    assert family[("1001", "5", "00")].birth_date == date(1980, 5, 10)  # 昭和55年5月10日


def test_bytes_that_are_not_text_in_the_detected_encoding(ctx, admin):
    content = notification_csv([insured_row()], "cp932") + b"\x82\xff,\xfd\xfe\r\n"
    result = run(ctx, admin, content)
    assert result.status == "refused"
    assert codes(result) == [(3, None, "undecodable")]
    assert stored(ctx)["members"] == 0


def test_a_header_only_file_and_a_bad_header(ctx, admin):
    assert codes(run(ctx, admin, [])) == [(None, None, "empty_file")]
    assert codes(run(ctx, admin, "届出種別,電話\r\n資格取得,1\r\n".encode())) == [(1, "電話", "unknown_column")]


# ---------------------------------------------------------------------- all or nothing, duplicates, dry runs

def test_a_second_import_of_the_same_file_is_refused(ctx, admin):
    content = notification_csv([insured_row(), dependent_row()], "cp932")
    first = run(ctx, admin, content)
    assert first.status == "imported" and first.import_id
    before = stored(ctx)
    again = run(ctx, admin, content)
    assert (again.status, again.duplicate_of, codes(again)) == ("duplicate", first.import_id,
                                                                 [(None, None, "duplicate_file")])
    assert again.refused and stored(ctx) == before
    # The same rows in another encoding are other bytes: checked against the registry instead.
    other = run(ctx, admin, notification_csv([insured_row(), dependent_row()], "utf-8"))
    assert other.status == "refused" and {e.code for e in other.errors} == {"number_in_use", "possible_duplicate"}


def test_a_dry_run_stores_nothing_and_does_not_count_as_an_import(ctx, admin):
    content = notification_csv([insured_row(), dependent_row()])
    checked = run(ctx, admin, content, dry_run=True)
    assert (checked.status, checked.refused, checked.counts["資格取得"]) == ("checked", False, 1)
    assert stored(ctx) == {"members": 0, "registrations": 0, "family_snapshots": 0, "import_files": 0}
    with ctx.connection() as conn:
        detail = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "import.notifications")).scalar_one()
    assert detail["status"] == "checked" and detail["dry_run"] is True
    assert run(ctx, admin, content).status == "imported"


def test_one_bad_row_and_nothing_is_stored(ctx, admin):
    good = [insured_row(number=str(n), 氏名=f"山田 {n}", 生年月日=f"1980-05-{n:02d}") for n in range(1, 30)]
    row_error = run(ctx, admin, [*good, insured_row(number="40", 生年月日="1980-02-30")])
    assert codes(row_error) == [(31, "生年月日", "invalid_date")]
    registry_error = run(ctx, admin, [*good, dependent_row(number="99")])  # no such insured
    assert codes(registry_error) == [(31, "本人番号", "unknown_insured")]
    assert registry_error.errors[0].value == "99"
    assert stored(ctx) == {"members": 0, "registrations": 0, "family_snapshots": 0, "import_files": 0}


def test_errors_are_all_counted_and_the_first_thousand_kept(ctx, admin):
    result = run(ctx, admin, [insured_row(number=str(n), 性別="X") for n in range(1, 1203)])
    assert result.error_count == 1202 and len(result.errors) == exchange.MAX_ERRORS


# ---------------------------------------------------------------------- order, numbers, families

def test_rows_apply_in_a_safe_order_whatever_the_order_in_the_file(ctx, admin):
    rows = [
        {"届出種別": "資格喪失", "記号": "1001", "番号": "5", "続柄": "子", "生年月日": "2015-01-01",
         "資格喪失日": "2025-05-01", "喪失理由": "他保険加入", "受付日": "2025-05-02"},
        {"届出種別": "変更", "記号": "1001", "番号": "5", "続柄": "本人", "標準報酬月額": "320000",
         "受付日": "2025-04-10"},
        dependent_row(続柄="子", 氏名="山田 一", 氏名カナ="ヤマダ ハジメ", 生年月日="2015-01-01", 性別="男"),
        dependent_row(),
        insured_row(資格確認書交付希望="1"),
    ]
    result = run(ctx, admin, rows)
    assert result.status == "imported", result.errors
    family = by_number(ctx, admin)
    insured_view, child, spouse = (family[("1001", "5", branch)] for branch in ("00", "01", "02"))
    assert (child.name, child.disqualified_on, child.loss_reason) == (
        "山田 一", date(2025, 5, 1), "other_insurance")
    assert spouse.name == "山田 花子" and spouse.eligible
    assert insured_view.standard_monthly_remuneration == 320000
    with ctx.connection() as conn:
        history = repo.load_family(conn, int(insured_view.id))
    kinds = [(r.member_id, r.kind.value) for r in history.registrations]
    assert kinds == [(int(insured_view.id), "enrolment"), (int(child.id), "enrolment"),
                     (int(spouse.id), "enrolment"), (int(insured_view.id), "amendment"),
                     (int(child.id), "disqualification")]
    enrolment = history.of(int(insured_view.id))[0].data
    assert enrolment.certificate_requested is True
    assert history.of(int(spouse.id))[0].data.kinship == "spouse"
    assert _snapshot(ctx, int(insured_view.id), refresh=False) == _snapshot(ctx, int(insured_view.id))


def _snapshot(ctx, family_id: int, refresh: bool = True):
    """A family's stored snapshot, or the one the single-member writes would store."""
    with ctx.connection(write=True) as conn:
        if refresh:
            refresh_snapshot(conn, family_id)
        payload = conn.execute(select(family_snapshots.c.payload)
                               .where(family_snapshots.c.family_id == family_id)).scalar_one()
        conn.rollback()
    return orjson.loads(payload)


def test_given_numbers_are_recorded_first_then_numbers_are_handed_out(ctx, admin):
    rows = [insured_row(symbol="2001", number="", 氏名="一 一", 氏名カナ="イチ"),
            insured_row(symbol="2001", number="5", 氏名="五 五", 氏名カナ="ゴ"),
            insured_row(symbol="2001", number="", 氏名="二 二", 氏名カナ="ニ")]
    assert run(ctx, admin, rows).status == "imported"
    names = {number: m.name for (_, number, _), m in by_number(ctx, admin).items()}
    assert names == {"5": "五 五", "6": "一 一", "7": "二 二"}
    later = svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.INSURED, symbol="2001", name="八 八", name_kana="ハチ",
        birth_date=date(1990, 1, 1), sex="male", qualified_on=date(2025, 5, 1),
        standard_monthly_remuneration=300000))
    assert later.number == "8"


def test_rows_for_families_already_in_the_registry(ctx, admin):
    head = svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.INSURED, symbol="3001", name="佐藤 一郎", name_kana="サトウ イチロウ",
        birth_date=date(1975, 1, 1), sex="male", qualified_on=date(2020, 4, 1),
        standard_monthly_remuneration=410000))
    twins = [svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.DEPENDENT, insured_id=head.id, name=f"佐藤 {n}", name_kana="サトウ",
        birth_date=date(2018, 3, 3), sex="female", qualified_on=date(2020, 4, 1))) for n in ("桜", "椿")]
    mn = my_number()
    rows = [
        dependent_row(symbol="3001", number=head.number, 氏名="佐藤 花子"),
        {"届出種別": "資格喪失", "記号": "3001", "番号": head.number, "枝番": "1", "続柄": "子",
         "資格喪失日": "2025-06-01", "喪失理由": "被扶養者非該当", "受付日": RECEIVED},
        {"届出種別": "変更", "記号": "3001", "番号": head.number, "続柄": "本人", "氏名": "佐藤 壱郎",
         "個人番号": mn, "受付日": RECEIVED},
    ]
    header = (*NOTIFICATION_COLUMNS, "枝番")
    result = run(ctx, admin, notification_csv(rows, header=header))
    assert result.status == "imported", result.errors
    family = by_number(ctx, admin, as_of=date(2025, 7, 1))
    assert family[("3001", head.number, "03")].name == "佐藤 花子"  # 枝番 after the twins
    assert family[("3001", head.number, "01")].disqualified_on == date(2025, 6, 1)
    renamed = family[("3001", head.number, "00")]
    assert (renamed.name, renamed.my_number_masked, renamed.online_available_from) == (
        "佐藤 壱郎", "********" + mn[-4:], PUBLISHED)
    refused = run(ctx, admin, notification_csv([
        insured_row(symbol="3001", number=head.number),
        {"届出種別": "資格喪失", "記号": "3001", "番号": head.number, "続柄": "子", "生年月日": "2018-03-03",
         "資格喪失日": "2025-06-01", "喪失理由": "死亡"},
        {"届出種別": "変更", "記号": "3001", "番号": head.number, "枝番": "02", "続柄": "子",
         "生年月日": "2018-03-04", "氏名": "佐藤 つばき"},
        {"届出種別": "資格喪失", "記号": "3001", "番号": head.number, "枝番": "01", "続柄": "子",
         "資格喪失日": "2025-07-01", "喪失理由": "死亡"},
        {"届出種別": "変更", "記号": "3001", "番号": head.number, "続柄": "本人", "個人番号": mn},
        {"届出種別": "変更", "記号": "3009", "番号": "1", "続柄": "本人", "氏名": "誰 か"},
    ], header=header))
    assert [(e.row, e.code) for e in refused.errors] == [
        (2, "number_in_use"), (3, "ambiguous_member"), (4, "member_mismatch"), (5, "already_disqualified"),
        (6, "nothing_to_change"), (7, "member_not_found")]
    assert twins[1].branch == "02"


def test_the_single_member_enrolment_records_kinship_and_the_certificate_wish(ctx, admin):
    head = svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.INSURED, symbol="5001", name="本人 一", name_kana="ホンニン",
        birth_date=date(1980, 1, 1), sex="male", qualified_on=date(2025, 4, 1),
        standard_monthly_remuneration=300000, kinship="child", certificate_requested=True))
    child = svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.DEPENDENT, insured_id=head.id, name="本人 子", name_kana="ホンニン",
        birth_date=date(2015, 1, 1), sex="female", qualified_on=date(2025, 4, 1), kinship="child"))
    with ctx.connection() as conn:
        family = repo.load_family(conn, int(head.id))
    insured_data, child_data = family.of(int(head.id))[0].data, family.of(int(child.id))[0].data
    assert insured_data.kinship is None and insured_data.certificate_requested is True
    assert child_data.kinship == "child" and child_data.certificate_requested is False


def test_a_dependent_only_while_the_insured_is_covered(ctx, admin):
    rows = [insured_row(資格取得日="2025-04-01"), dependent_row(資格取得日="2025-03-01")]
    assert codes(run(ctx, admin, rows)) == [(3, "資格取得日", "insured_not_eligible")]


# ---------------------------------------------------------------------- 個人番号

def test_my_numbers_are_masked_in_errors(ctx, admin):
    taken = my_number()
    svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.INSURED, symbol="4001", name="既存 太郎", name_kana="キゾン タロウ",
        birth_date=date(1980, 1, 1), sex="male", qualified_on=date(2020, 4, 1),
        standard_monthly_remuneration=300000, my_number=taken))
    shared, bad = my_number(), my_number()[:11] + "x"
    result = run(ctx, admin, [insured_row(number="1", 個人番号=taken), insured_row(number="2", 個人番号=shared),
                              insured_row(number="3", 個人番号=shared), insured_row(number="4", 個人番号=bad)])
    assert {(e.row, e.column, e.code, e.value) for e in result.errors} == {
        (4, "個人番号", "duplicate_my_number", "********" + shared[-4:]),
        (5, "個人番号", "invalid_my_number", "********" + bad[-4:])}
    assert all(number not in repr(result) for number in (shared, taken, bad[:11]))
    second = run(ctx, admin, [insured_row(number="1", 個人番号=taken)])
    assert [(e.code, e.value) for e in second.errors] == [("duplicate_my_number", "********" + taken[-4:])]
    assert taken not in repr(second)


def test_a_my_number_may_come_back_after_its_holder_left(ctx, admin):
    mn = my_number()
    left = svc.enrol(ctx, admin, commands.Enrolment(
        relationship=Relationship.INSURED, symbol="4001", name="転職 太郎", name_kana="テンショク タロウ",
        birth_date=date(1980, 1, 1), sex="male", qualified_on=date(2020, 4, 1),
        standard_monthly_remuneration=300000, my_number=mn))
    svc.disqualify(ctx, admin, left.id, commands.Disqualification(
        disqualified_on=date(2025, 4, 1), registered_on=date(2025, 4, 2), reason=LossReason.RETIREMENT))
    assert run(ctx, admin, [insured_row(symbol="4002", number="1", 個人番号=mn)]).status == "imported"


def test_no_import_while_a_key_rotation_runs(ctx, admin, monkeypatch):
    monkeypatch.setattr(ctx, "vault", Keyring(ctx.vault.current, Vault(b"the-next-key-0123456789abcdef!!")))
    with pytest.raises(DomainError) as refused:
        run(ctx, admin, [insured_row()])
    assert refused.value.code == "key_rotation_running"


# ---------------------------------------------------------------------- exports

def _family_with_card(ctx, admin) -> str:
    mn = my_number()
    result = run(ctx, admin, [insured_row(個人番号=mn), dependent_row(個人番号=""), insured_row(number="6", 個人番号="", 氏名カナ="ヤマダ ジロウ")])
    assert result.status == "imported"
    myna.add_card(ctx, admin, mn, "CARD1", date(2031, 1, 1))
    myna.register_for_insurance(ctx, admin, "CARD1", date(2024, 1, 1))
    return mn


def test_the_registration_file_is_private_audited_and_carries_the_my_numbers(ctx, admin, tmp_path):
    mn = _family_with_card(ctx, admin)
    path = tmp_path / "registrations.csv"
    result = exchange.export_registrations(ctx, admin, PUBLISHED, path)
    assert (result.rows, result.my_numbers) == (1, 1)  # the members without a My Number are not online
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [(r["届出種別"], r["記号"], r["番号"], r["枝番"], r["個人番号"], r["保険者番号"]) for r in rows] == [
        ("資格取得", "1001", "5", "00", mn, "06139992")]
    with ctx.connection() as conn:
        actions = [(r.action, r.target) for r in conn.execute(select(audit_log).where(
            audit_log.c.action.in_(["export.registrations", "member.my_number.reveal"])))]
    assert ("export.registrations", "2025-04-04") in actions and len(actions) == 2
    assert exchange.export_registrations(ctx, admin, date(2025, 4, 3), tmp_path / "empty.csv").rows == 0
    with pytest.raises(FileExistsError):
        exchange.export_registrations(ctx, admin, PUBLISHED, path)
    with pytest.raises(DomainError) as refused:
        exchange.export_registrations(ctx, Actor(Role.CLERK, "clerk"), PUBLISHED, tmp_path / "clerk.csv")
    assert refused.value.code == "forbidden" and not (tmp_path / "clerk.csv").exists()


def test_members_without_a_usable_myna_card(ctx, admin, tmp_path):
    _family_with_card(ctx, admin)
    family = by_number(ctx, admin)
    application = commands.CertificateApplication(reason=CertificateReason.NOT_REGISTERED,
                                                  applied_on=date(2025, 5, 1))
    documents.apply_for_certificate(ctx, admin, family[("1001", "6", "00")].id, application)
    path = tmp_path / "without.csv"
    assert exchange.export_without_myna(ctx, admin, date(2025, 6, 1), path).rows == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = {r["番号"] + r["枝番"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}
    assert set(rows) == {"501", "600"}  # the insured of 5 has a working card
    assert (rows["501"]["理由"], rows["501"]["続柄"], rows["501"]["職権交付対象"]) == ("個人番号未登録", "配偶者", "1")
    assert rows["600"]["資格確認書有効期限"] == "2029-11-30" and rows["600"]["職権交付対象"] == "0"
    assert rows["501"]["基準日"] == "2025-06-01"
    with ctx.connection() as conn:
        assert conn.execute(select(audit_log.c.target).where(
            audit_log.c.action == "export.without_myna")).scalar_one() == "2025-06-01"


def _dump(ctx) -> dict:
    """The registry by 記号・番号・枝番: member columns and the registrations' content."""
    with ctx.connection() as conn:
        rows = {r.id: r for r in conn.execute(select(members))}
        regs: dict[int, list] = {}
        for r in conn.execute(select(registrations).order_by(registrations.c.seq)):
            regs.setdefault(r.member_id, []).append(
                (r.kind, r.effective_on, r.registered_on, r.publish_on, r.data))
        counters = {r.symbol: r.last_number for r in conn.execute(select(symbols))}
    return {"counters": counters, "members": {
        (r.symbol, r.number, r.branch): (r.relationship, r.name, r.name_kana, r.birth_date, r.qualified_on,
                                         r.my_number_hash, r.my_number_last4, r.last_branch, regs[r.id])
        for r in rows.values()}}


def test_round_trip_export_then_import_into_an_empty_society(ctx, admin, tmp_path):
    day = date.fromisoformat(RECEIVED)
    rows = [insured_row(資格確認書交付希望="1", 住民税非課税="1", 標準報酬月額="98000"),
            dependent_row(), dependent_row(続柄="子", 氏名="山田 一", 氏名カナ="ヤマダ ハジメ", 生年月日="2015-01-01", 性別="男"),
            dependent_row(続柄="父母", 氏名="山田 父", 氏名カナ="ヤマダ チチ", 生年月日="1955-01-01", 性別="男",
                      個人番号=""),
            insured_row(symbol="1002", number="1", 氏名="鈴木 一", 氏名カナ="スズキ ハジメ")]
    assert run(ctx, admin, rows).status == "imported"
    family = by_number(ctx, admin)
    svc.register_my_number(ctx, admin, family[("1001", "5", "03")].id,
                           commands.MyNumberRegistration(my_number=my_number(), registered_on=day))
    svc.amend(ctx, admin, family[("1001", "5", "00")].id, commands.Amendment(
        name="山田 太朗", standard_monthly_remuneration=320000, income_declared_low=True,
        coverage_ends_on=date(2027, 3, 31), effective_on=date(2025, 9, 1), registered_on=day))
    svc.disqualify(ctx, admin, family[("1001", "5", "02")].id, commands.Disqualification(
        disqualified_on=date(2025, 8, 1), registered_on=day, reason=LossReason.DEPENDENT_INELIGIBLE))
    svc.disqualify(ctx, admin, family[("1002", "1", "00")].id, commands.Disqualification(
        disqualified_on=date(2025, 9, 1), registered_on=day, reason=LossReason.EMPLOYER_LEFT))
    before = _dump(ctx)
    path = tmp_path / "national.csv"
    assert exchange.export_registrations(ctx, admin, PUBLISHED, path).rows == 9
    with ctx.engine.begin() as conn:  # an empty registry (the society and its audit log stay)
        for table in (family_snapshots, registrations, members, symbols, import_files):
            conn.execute(delete(table))
    with path.open("rb") as stream:
        again = exchange.import_notifications(ctx, admin, stream, path.name)
    assert again.status == "imported", again.errors
    assert _dump(ctx) == before


def test_progress_is_reported_by_stage(ctx, admin):
    seen = []
    run(ctx, admin, [insured_row(), dependent_row()], progress=lambda *args: seen.append(args))
    assert seen[0][0] == "検査" and seen[-1] == ("登録", 2, 2)
    assert seen[-2][0] == "登録" or seen[-2][1] == seen[-2][2]


# ---------------------------------------------------------------------- CLI

def flat(result) -> str:
    """The command's output without the console's line wrapping."""
    return result.output.replace("\n", "")


def test_cli_import_exit_codes_and_the_error_table(ctx, db_url, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(notification_csv([insured_row(), dependent_row()], "cp932"))
    mn = my_number()
    bad.write_bytes(notification_csv([insured_row(number="7", 個人番号=mn[:11] + ("1" if mn[-1] != "1" else "2")),
                               insured_row(number="8", 性別="X")], "cp932"))
    dry = runner.invoke(app, ["import", str(good), "--db", db_url, "--dry-run"])
    assert dry.exit_code == 0 and "検査のみ" in flat(dry)
    ok = runner.invoke(app, ["import", str(good), "--db", db_url])
    assert ok.exit_code == 0 and "取り込みました" in flat(ok) and "資格取得 1" in flat(ok)
    duplicate = runner.invoke(app, ["import", str(good), "--db", db_url])
    assert duplicate.exit_code == 1 and "すでに取り込まれています" in flat(duplicate)
    refused = runner.invoke(app, ["import", str(bad), "--db", db_url])
    assert refused.exit_code == 1
    assert "取り込めません" in flat(refused) and "invalid_sex" in flat(refused)
    assert "********" in refused.output and mn[:11] not in flat(refused) and mn[-8:] not in flat(refused)
    assert runner.invoke(app, ["import", str(tmp_path / "none.csv"), "--db", db_url]).exit_code == 2


def test_cli_exports(ctx, admin, db_url, tmp_path):
    _family_with_card(ctx, admin)
    out = tmp_path / "reg.csv"
    command = ["export", "registrations", "--date", "2025-04-04", "--out", str(out), "--db", db_url]
    done = runner.invoke(app, command)
    assert done.exit_code == 0 and "個人番号 1 件" in flat(done)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    exists = runner.invoke(app, command)
    assert exists.exit_code == 2 and "file_exists" in flat(exists)
    listed = runner.invoke(app, ["export", "without-myna", "--month", "2025-06", "--out",
                                 str(tmp_path / "w.csv"), "--db", db_url])
    assert listed.exit_code == 0 and Path(tmp_path / "w.csv").exists()
    bad = runner.invoke(app, ["export", "without-myna", "--month", "2025/06", "--out",
                              str(tmp_path / "x.csv"), "--db", db_url])
    assert bad.exit_code == 2 and "invalid_date" in flat(bad)
