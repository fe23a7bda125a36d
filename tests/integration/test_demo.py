"""The demo society generator: a small society into a fresh database, checked through the
service layer (SQLite always; PostgreSQL too when SHIKAKU_TEST_DB_URL names a server)."""
from __future__ import annotations

import io
import os
import re
import uuid
from collections import defaultdict
from datetime import date, timedelta

import orjson
import pytest
from rich.console import Console
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from stdnum.jp import in_

from shikaku.adapters.db.families import refresh_snapshot
from shikaku.adapters.db.schema import (
    employers,
    family_snapshots,
    legacy_cards,
    member_addresses,
    members,
    myna_cards,
    registrations,
    symbols,
)
from shikaku.demo.generator import (
    DEMO_INSURER_NAME,
    DEMO_INSURER_NUMBER,
    SHOWCASE_SYMBOL,
    generate,
)
from shikaku.domain.age import age_on
from shikaku.domain.remuneration import GRADES
from shikaku.entrypoints.cli import initialise
from shikaku.service_layer import members as svc
from shikaku.service_layer.auth import Actor, Role

WANTED = 2_000
TODAY = date(2026, 6, 1)
ADMIN = Actor(Role.ADMIN, "test-demo")


def _postgres_database():
    """A throwaway database on the server of SHIKAKU_TEST_DB_URL (which may hold other tests'
    data); yields its URL and drops it afterwards."""
    server = os.environ.get("SHIKAKU_TEST_DB_URL")
    if not server or make_url(server).get_backend_name() != "postgresql":
        pytest.skip("SHIKAKU_TEST_DB_URL is not a PostgreSQL URL")
    name = f"shikaku_demo_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    """A generated society: (context, summary)."""
    if request.param == "sqlite":
        databases = iter([f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"])
    else:
        databases = _postgres_database()
    url = next(databases)
    ctx = initialise(url, DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
    ctx.today = lambda: TODAY
    out = io.StringIO()
    summary = generate(ctx, members=WANTED, seed=42, console=Console(file=out, width=100))
    assert "書き込み" in out.getvalue()  # the progress bar was shown
    yield ctx, summary
    ctx.engine.dispose()
    for _ in databases:  # drops the PostgreSQL database
        pass


@pytest.fixture(scope="module")
def views(demo):
    ctx, _ = demo
    found, offset = [], 0
    while True:
        page, total = svc.list_members(ctx, ADMIN, limit=500, offset=offset)
        found += page
        offset += 500
        if offset >= total:
            return found


def _count(ctx, table) -> int:
    with ctx.connection() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_size_and_summary(demo, views):
    ctx, summary = demo
    assert abs(len(views) - WANTED) <= WANTED * 0.1
    insured = sum(v.relationship == "insured" for v in views)
    assert f"被保険者 {insured:,} 人" in summary
    assert f"被扶養者 {len(views) - insured:,} 人" in summary
    for word in ("資格喪失者", "個人番号登録済み", "氏名変更", "マイナ保険証利用登録", "健康保険証"):
        assert word in summary
    kept = _count(ctx, employers)
    assert kept > 3 and f"事業所 {kept:,} か所（うち脱退 3 か所）を登録しました" in summary
    assert 0.5 < insured / len(views) < 0.7  # about 0.7 dependents per insured


def test_families_branches_and_numbers(demo, views):
    ctx, _ = demo
    by_id = {v.id: v for v in views}
    families = defaultdict(list)
    for v in views:
        families[v.insured_id].append(v)
    for insured_id, family in families.items():
        insured = by_id[insured_id]
        assert insured.relationship == "insured" and insured.branch == "00"
        dependents = sorted((v for v in family if v.id != insured_id), key=lambda v: int(v.id))
        assert [v.branch for v in dependents] == [f"{b:02d}" for b in range(1, len(dependents) + 1)]
        assert all((v.symbol, v.number) == (insured.symbol, insured.number) for v in dependents)
        assert all(v.relationship == "dependent" for v in dependents)
        assert all(v.qualified_on >= insured.qualified_on for v in dependents)
    keys = [(v.symbol, v.number, v.branch) for v in views]
    assert len(set(keys)) == len(keys)
    with ctx.connection() as conn:
        last_branch = dict(conn.execute(select(members.c.id, members.c.last_branch)
                                        .where(members.c.relationship == "insured")).all())
        counters = dict(conn.execute(select(symbols.c.symbol, symbols.c.last_number)).all())
    for insured_id, family in families.items():
        assert last_branch[int(insured_id)] == len(family) - 1
    numbers = defaultdict(set)
    for v in views:
        assert v.symbol.isdigit() and 4 <= len(v.symbol) <= 6
        numbers[v.symbol].add(int(v.number))
    for symbol, used in numbers.items():  # handed out from 1 without gaps
        assert used == set(range(1, len(used) + 1)) and counters[symbol] == len(used)


def test_my_numbers_and_cards(demo, views):
    ctx, _ = demo
    with ctx.connection() as conn:
        rows = conn.execute(select(members.c.my_number_cipher, members.c.my_number_hash,
                                   members.c.my_number_last4)
                            .where(members.c.my_number_hash.is_not(None))).all()
        registered_holders = set(conn.execute(select(myna_cards.c.my_number_hash).where(
            myna_cards.c.insurance_registered_on.is_not(None))).scalars())
        card_ids = list(conn.execute(select(myna_cards.c.card_id)).scalars())
    hashes = [row.my_number_hash for row in rows]
    assert len(set(hashes)) == len(hashes)
    for row in rows:
        clear = ctx.vault.open(row.my_number_cipher)
        assert in_.is_valid(clear) and clear[0] != "0"
        assert ctx.vault.lookup_hash(clear) == row.my_number_hash and clear[-4:] == row.my_number_last4
    with_number = [v for v in views if v.has_my_number]
    assert len(with_number) == len(rows)
    assert 0.90 <= len(with_number) / len(views) <= 0.96
    assert 0.55 <= len(registered_holders & set(hashes)) / len(hashes) <= 0.75
    assert all(len(c) == 16 and c[0] == "C" and int(c[1:], 16) >= 0 for c in card_ids)
    assert 0.4 < sum(v.myna_usable for v in views) / len(views) < 0.75


def test_people_dates_and_remuneration(demo, views):
    ctx, _ = demo
    grades = set(GRADES.on(TODAY))
    for v in views:
        assert 0 <= age_on(v.birth_date, v.qualified_on) <= 74
        assert v.qualified_on <= TODAY
        assert v.sex in ("male", "female")
        family, given = v.name.split(" ")
        kana_family, kana_given = v.name_kana.split(" ")
        assert all("\u30a0" <= ch <= "\u30ff" for ch in kana_family + kana_given)
        if v.relationship == "insured":
            assert 18 <= age_on(v.birth_date, TODAY) <= 74
            assert v.standard_monthly_remuneration in grades
        else:
            assert v.standard_monthly_remuneration is None
    remunerations = sorted(v.standard_monthly_remuneration for v in views
                           if v.relationship == "insured")
    assert 300_000 <= remunerations[len(remunerations) // 2] <= 380_000
    assert any(v.qualified_on > date(2024, 12, 1) for v in views)
    assert any(v.qualified_on <= date(2024, 12, 1) for v in views)


def test_registrations(demo):
    ctx, _ = demo
    with ctx.connection() as conn:
        regs = conn.execute(select(registrations)).all()
        qualified = dict(conn.execute(select(members.c.id, members.c.qualified_on)).all())
    kinds = defaultdict(int)
    for r in regs:
        kinds[r.kind] += 1
        assert r.registered_on <= TODAY
        assert r.publish_on == ctx.publish_on(r.registered_on)
        if r.kind == "enrolment":
            assert r.effective_on == qualified[r.member_id]
            assert timedelta(0) <= r.registered_on - r.effective_on <= timedelta(days=10)
            assert {"name", "name_kana", "birth_date", "sex", "coverage_ends_on",
                    "with_my_number"} <= set(r.data)
        elif r.kind == "my_number":
            assert r.effective_on == r.registered_on and r.data == {}
        elif r.kind == "amendment":  # 氏名変更 on marriage
            assert set(r.data) == {"name", "name_kana"}
            assert r.effective_on > qualified[r.member_id]
            assert timedelta(days=5) <= r.registered_on - r.effective_on <= timedelta(days=30)
        elif r.kind == "correction":  # the showcase's corrected 資格喪失日 (task D)
            assert r.effective_on == r.registered_on and r.data["reason"] and r.data["by"] == "tanto"
        else:
            assert r.kind == "disqualification"
            assert r.effective_on > qualified[r.member_id]
            assert timedelta(0) <= r.registered_on - r.effective_on <= timedelta(days=14)
            assert r.data["reason"] in ("retirement", "employer_left", "death",
                                        "other_insurance", "dependent_ineligible")
    assert kinds["enrolment"] == len(qualified)
    first = {}
    for r in sorted(regs, key=lambda r: r.seq):  # each member's history begins with the enrolment
        first.setdefault(r.member_id, r.kind)
    assert set(first.values()) == {"enrolment"}
    assert kinds["my_number"] > 0 and kinds["amendment"] > 0 and kinds["correction"] == 1
    assert 0.03 <= kinds["disqualification"] / len(qualified) <= 0.09


def test_snapshots_match_what_the_service_layer_writes(demo):
    """The bulk-written read model equals `refresh_snapshot` over the source tables."""
    ctx, _ = demo
    with ctx.engine.connect() as conn:
        with conn.begin() as transaction:
            stored = dict(conn.execute(select(family_snapshots.c.family_id,
                                              family_snapshots.c.payload)).all())
            assert len(stored) == conn.execute(select(func.count()).select_from(members).where(
                members.c.relationship == "insured")).scalar_one()
            for family_id in sorted(stored)[::10]:
                refresh_snapshot(conn, family_id)
                fresh = conn.execute(select(family_snapshots.c.payload).where(
                    family_snapshots.c.family_id == family_id)).scalar_one()
                expected, got = orjson.loads(fresh), orjson.loads(stored[family_id])
                assert got["v"] == expected["v"] == 2
                assert got["members"] == expected["members"]  # both by member id
                assert got["registrations"] == expected["registrations"]  # both by seq
            transaction.rollback()


def test_the_same_seed_gives_the_same_society(demo, tmp_path):
    """A second run with the same seed, into a fresh SQLite file, writes the rows the fixture's
    backend holds, apart from the AES-GCM ciphertexts (their nonces)."""
    ctx, _ = demo
    again = initialise(f"sqlite:///{tmp_path / 'again.db'}", DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
    again.today = lambda: TODAY
    generate(again, members=WANTED, seed=42)
    fresh = _generated_rows(again, None)
    again.engine.dispose()
    assert len(fresh["members"]) > WANTED * 0.9 and fresh["registrations"] and fresh["myna_cards"]
    # Later tests of this module add members to the fixture's society: compare the generated ones.
    assert _generated_rows(ctx, max(m["id"] for m in fresh["members"])) == fresh


def _generated_rows(ctx, last_member: int | None) -> dict[str, list[dict]]:
    """The rows of the loaded tables (JSON parsed, no ciphertext), up to a member id."""
    keys = {members: members.c.id, registrations: registrations.c.seq,
            family_snapshots: family_snapshots.c.family_id, myna_cards: myna_cards.c.card_id,
            legacy_cards: legacy_cards.c.id, member_addresses: member_addresses.c.member_id}
    member_of = {members: members.c.id, registrations: registrations.c.member_id,
                 family_snapshots: family_snapshots.c.family_id, legacy_cards: legacy_cards.c.member_id,
                 member_addresses: member_addresses.c.member_id}
    found = {}
    with ctx.connection() as conn:
        for table, key in keys.items():
            query = select(*(c for c in table.c if c.name != "my_number_cipher"))
            if last_member is not None and table in member_of:
                query = query.where(member_of[table] <= last_member)
            rows = [{k: orjson.loads(v) if k in ("data", "payload") and isinstance(v, str) else v
                     for k, v in row._asdict().items()} for row in conn.execute(query)]
            found[table.name] = sorted(rows, key=lambda row: row[key.name])  # no collation involved
    return found


def test_leavers_and_legacy_cards(demo, views):
    ctx, _ = demo
    lost = [v for v in views if v.disqualified_on is not None and v.disqualified_on <= TODAY]
    assert lost and all(not v.eligible for v in lost)
    assert {v.loss_reason for v in lost} >= {"retirement", "insured_lost"}
    with ctx.connection() as conn:
        cards = conn.execute(select(legacy_cards)).all()
    qualified = {int(v.id): v.qualified_on for v in views}
    assert cards
    for card in cards:
        assert qualified[card.member_id] <= card.issued_on <= date(2024, 12, 1)
        assert card.valid_until == min(date(2025, 12, 1), card.expires_on or date.max)


def test_showcase_members(demo):
    ctx, summary = demo
    page, _ = svc.list_members(ctx, ADMIN, symbol=SHOWCASE_SYMBOL, limit=50)
    by_name = {v.name: v for v in page}
    assert {v.number for v in page} == {str(n) for n in range(1, 10)}
    newborn = by_name["山田 結衣"]
    assert newborn.copay_ratio == 20 and newborn.has_my_number and not newborn.myna_usable
    assert newborn.online_available_from == ctx.publish_on(TODAY) > TODAY
    assert f"ID {newborn.id}" in summary
    elder = by_name["鈴木 稔"]
    assert age_on(elder.birth_date, TODAY) == 72 and elder.copay_ratio == 30 and elder.myna_usable
    assert by_name["鈴木 千代"].copay_ratio == 30 and by_name["鈴木 千代"].myna_usable  # grace
    assert not by_name["佐藤 直子"].has_my_number
    assert not by_name["高橋 健一"].myna_usable and by_name["高橋 健一"].limit_category_code == "A02"
    assert by_name["田中 陽子"].myna_usable
    retired, wife = by_name["伊藤 治"], by_name["伊藤 明美"]
    assert not retired.eligible and retired.loss_reason == "retirement"
    assert retired.disqualified_on == TODAY - timedelta(days=60)  # as corrected (task D)
    assert "訂正" in summary
    assert not wife.eligible and wife.loss_reason == "insured_lost"
    assert by_name["渡辺 七夏"].loss_reason == "other_insurance"
    assert by_name["山本 学"].eligible and age_on(by_name["山本 学"].birth_date, TODAY) == 74
    assert by_name["中村 和也"].has_my_number and not by_name["中村 和也"].myna_usable


def test_a_second_run_adds_nothing(demo):
    ctx, _ = demo
    before = [_count(ctx, t) for t in (members, registrations, myna_cards, legacy_cards, member_addresses)]
    again = generate(ctx, members=WANTED, seed=7)
    assert "生成しませんでした" in again
    assert [_count(ctx, t) for t in (members, registrations, myna_cards, legacy_cards, member_addresses)] == before


def test_the_service_layer_keeps_working_after_the_load(demo):
    """Ids and numbers given by the generator do not collide with later enrolments."""
    from shikaku.service_layer import commands

    ctx, _ = demo
    insured = svc.enrol(ctx, ADMIN, commands.Enrolment(
        relationship="insured", symbol=SHOWCASE_SYMBOL, name="試験 一郎", name_kana="シケン イチロウ",
        birth_date=date(1990, 1, 1), sex="male", qualified_on=date(2026, 5, 1),
        registered_on=date(2026, 5, 7), standard_monthly_remuneration=300_000))
    assert insured.number == "10" and insured.branch == "00"
    page, _ = svc.list_members(ctx, ADMIN, symbol=SHOWCASE_SYMBOL, limit=50)
    taro = next(v for v in page if v.name == "山田 太郎")
    child = svc.enrol(ctx, ADMIN, commands.Enrolment(
        relationship="dependent", insured_id=taro.id, name="山田 次郎", name_kana="ヤマダ ジロウ",
        birth_date=date(2026, 5, 20), sex="male", qualified_on=date(2026, 5, 20),
        registered_on=date(2026, 5, 25)))
    assert (child.symbol, child.number, child.branch) == (SHOWCASE_SYMBOL, "1", "04")
    assert int(insured.id) > max(int(v.id) for v in page if v.id != insured.id and v.id != child.id)


def test_postgresql_tables_are_vacuumed_after_the_load(demo):
    """D-91: statistics and visibility maps are written by the load, not by the first readers."""
    ctx, _ = demo
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    with ctx.connection() as conn:
        rows = conn.execute(text(
            "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname IN ('members', 'registrations', 'family_snapshots', 'myna_cards', "
            "'legacy_cards', 'symbols', 'employers')")).all()
    assert sorted(rows) == [(name, True, True) for name in sorted(
        ("members", "registrations", "family_snapshots", "myna_cards", "legacy_cards", "symbols", "employers"))]


def test_every_insured_has_the_home_address_of_the_family(demo):
    """One 住所 per family, on the insured (a real 郵便番号, NNN-NNNN); the dependents have none
    of their own (their documents go to the insured's, D-160). 送付先 is the 事業所 exactly for
    the families of the employers the society mails through (D-164), 自宅 for the others."""
    ctx, _ = demo
    with ctx.connection() as conn:
        rows = conn.execute(select(members.c.id, members.c.family_id, member_addresses.c.postcode,
                                   member_addresses.c.address, member_addresses.c.mail_to, employers.c.mail_via)
                            .join(member_addresses, member_addresses.c.member_id == members.c.id)
                            .join(employers, employers.c.symbol == members.c.symbol)).all()
        generated = max(r.id for r in rows)  # later tests of this module add members without
        families = conn.execute(select(func.count()).select_from(members).where(
            members.c.id == members.c.family_id, members.c.id <= generated)).scalar_one()
    assert all(r.id == r.family_id for r in rows)
    assert len(rows) == families
    assert all(re.fullmatch(r"\d{3}-\d{4}", r.postcode) for r in rows)
    assert all(r.mail_to == ("employer" if r.mail_via else "home") for r in rows)
    assert 0 < sum(r.mail_to == "employer" for r in rows) < len(rows) / 3
    assert len({r.address for r in rows}) > 50
