"""The demo society (デモ用の健康保険組合): a realistic, reproducible registry written in bulk.

`generate` fills an initialised, empty database with a fictional society: about 200 employers
(記号), families of an insured (被保険者) with their spouse, children and sometimes a parent as
dependents (被扶養者), My Numbers in the vault, マイナンバーカード with and without the
health-insurance use registration (利用登録), name changes (変更届), leavers (資格喪失) and
legacy cards (健康保険証). A handful of named showcase families (記号 1000) come first and stay
the same for every seed.

The package splits the work by concern: `population` plans the families and draws every random
fact, `showcase` holds the named families, `loading` turns each plan into the registrations the
`Family` aggregate makes and writes them through `adapters.db.bulk`. This module runs them in one
transaction: plan every family, order the plans by the insured's 資格取得日 (so that numbers per
symbol and member ids grow with enrolment, as in a real registry), then draw and load them in
batches, with the plain indexes of the loaded tables rebuilt at the end: a million members take
about 95 s on SQLite and 110 s on PostgreSQL on two cores (bench/demo_generation.py). The same
seed gives the same society (apart from the AES-GCM nonces) on any backend. An interrupted run
leaves nothing behind, so the next run starts again from scratch.
"""
from __future__ import annotations

import bisect
import gc
import itertools
import time
from datetime import date
from typing import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Connection, Engine, func, select

from ..adapters.db.bulk import TableWriter, create_indexes, drop_plain_indexes, lock_exclusive
from ..adapters.db.employers import SqlEmployers
from ..adapters.db.schema import employers as employer_table
from ..adapters.db.schema import (
    family_snapshots,
    legacy_cards,
    member_addresses,
    myna_cards,
    registrations,
    symbols,
)
from ..adapters.db.schema import members as member_table
from ..domain.employers import Employer
from ..domain.registry import Relationship
from ..domain.wareki import format_wareki
from ..service_layer.context import Context
from .employers import demo_employers
from .loading import BATCH_MEMBERS, Loader
from .population import Person, Planner
from .showcase import SHOWCASE_SYMBOL, japanese_date, showcase_card, showcase_child, showcase_families

__all__ = ["DEMO_INSURER_NAME", "DEMO_INSURER_NUMBER", "SHOWCASE_SYMBOL", "generate", "showcase_card",
           "showcase_child"]

DEMO_INSURER_NUMBER = "06139992"
DEMO_INSURER_NAME = "さくら産業健康保険組合"  # fictional

# The tables a load writes (locked, their plain indexes rebuilt, vacuumed on PostgreSQL).
_LOADED = (member_table, registrations, family_snapshots, myna_cards, legacy_cards, member_addresses, symbols,
           employer_table)
_EMPLOYER_COLUMNS = ("symbol", "name", "postcode", "address", "phone", "applied_on", "withdrawn_on", "mail_via")


def generate(ctx: Context, members: int, seed: int, console: Console | None = None) -> str:
    """Generates a demo society of about `members` members (insured and dependents) into the
    initialised database of `ctx`; returns a Japanese summary. Does nothing when the database
    already has members."""
    started = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of long-lived small objects: the cycle collector would rescan them
    with ctx.engine.connect() as conn:
        restore = _bulk_settings(conn)
        try:
            conn = conn.execution_options(write=True)
            with conn.begin():
                lock_exclusive(conn, _LOADED)
                existing = _member_count(conn)
                if existing:
                    return _existing_summary(conn, existing)
                lines, loader = _run(ctx, conn, members, seed, console)
        finally:
            restore()
            if gc_was_enabled:
                gc.enable()
    _vacuum(ctx.engine)
    return _summary(ctx, loader, lines, time.perf_counter() - started)


def _run(ctx: Context, conn: Connection, wanted: int, seed: int,
         console: Console | None) -> tuple[list[str], Loader]:
    """Plans, orders, draws and loads the society; returns the showcase lines and the loader."""
    planner = Planner(ctx, seed)
    loader = Loader(ctx, conn, planner.days)
    showcase = showcase_families(planner)
    shown = sum(len(people) for people, _, _ in showcase)
    employers = planner.employers(max(5, min(200, wanted // 50)),
                                  loader.ledger.known_symbols | {SHOWCASE_SYMBOL})
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=console is None)
    with progress:
        plans = _plans(planner, employers, max(0, wanted - shown), progress)
        loader.employers = _write_employers(conn, planner, [SHOWCASE_SYMBOL, *employers], plans, showcase,
                                            loader.ledger.known_symbols, seed)
        writing = progress.add_task("書き込み", total=shown + sum(len(f) for _, f in plans))
        indexes = drop_plain_indexes(conn, _LOADED)
        lines = []
        for people, fixed, describe in showcase:
            planner.draw(people, fixed)
            lines.append(describe(loader.load(SHOWCASE_SYMBOL, people)))
        written = shown
        for index, (symbol, people) in enumerate(plans):
            plans[index] = None  # type: ignore[call-overload]  # free the plan as we go
            planner.draw(people)
            loader.load(symbol, people)
            if loader.pending >= BATCH_MEMBERS:
                written += loader.pending
                loader.flush()
                progress.update(writing, completed=written)
        written += loader.pending
        loader.finish()
        progress.update(writing, completed=written)
        indexing = progress.add_task("索引を作成", total=len(indexes))
        for definition in indexes:
            create_indexes(conn, [definition])
            progress.advance(indexing)
    return lines, loader


def _write_employers(conn: Connection, planner: Planner, symbols: list[str], plans, showcase,
                     taken: set[str], seed: int) -> dict[str, Employer]:
    """The 事業所 of the society as real records (`demo.employers`), written in bulk; those the
    database already holds are kept as they are. Every enrolment is checked against them."""
    kept = SqlEmployers(conn).all()
    first: dict[str, date] = {}
    for symbol, people in [*((SHOWCASE_SYMBOL, people) for people, _, _ in showcase), *plans]:
        qualified = planner.days[people[0].qualified]
        if symbol not in first or qualified < first[symbol]:
            first[symbol] = qualified
    made = [e for e in demo_employers([s for s in symbols if s not in kept], first, SHOWCASE_SYMBOL,
                                      taken | set(kept), seed)]
    writer = TableWriter(conn, employer_table, _EMPLOYER_COLUMNS)
    writer.write([tuple(_cell(getattr(e, column)) for column in _EMPLOYER_COLUMNS) for e in made])
    return {**kept, **{e.symbol: e for e in made}}


def _cell(value):
    return value.isoformat() if isinstance(value, date) else value


def _plans(planner: Planner, employers: list[str], wanted: int,
           progress: Progress) -> list[tuple[str, list[Person]]]:
    """Families of about `wanted` members with their employer's 記号, in order of enrolment
    (the insured's 資格取得日, then 登録日)."""
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(employers))))
    total_weight = weights[-1]
    planning = progress.add_task("世帯を設計", total=wanted)
    plans: list[tuple[int, int, str, list[Person]]] = []
    planned = 0
    random_ = planner.rng.random
    while planned < wanted:
        family = planner.plan_family()
        employer = employers[bisect.bisect(weights, random_() * total_weight)]
        plans.append((family[0].qualified, family[0].registered, employer, family))
        planned += len(family)
        if len(plans) % 10_000 == 0:
            progress.update(planning, completed=planned)
    progress.update(planning, completed=planned)
    plans.sort(key=_plan_order)
    return [(symbol, family) for _, _, symbol, family in plans]


def _plan_order(plan: tuple) -> tuple[int, int]:
    return plan[0], plan[1]


def _member_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(member_table)).scalar_one()


def _vacuum(engine: Engine) -> None:
    """On PostgreSQL, once the load has committed: VACUUM (ANALYZE) the loaded tables, so that
    their statistics, visibility maps and hint bits are written now rather than by an
    autovacuum and the first readers while the society is already serving (D-91)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in _LOADED:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {conn.dialect.identifier_preparer.quote(table.name)}")


def _bulk_settings(conn: Connection) -> Callable[[], None]:
    """On SQLite: no fsync and a large page cache for the load, restored afterwards (on this
    connection only)."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    raw = conn.connection.dbapi_connection
    before = {name: raw.execute(f"PRAGMA {name}").fetchone()[0]
              for name in ("synchronous", "cache_size")}
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-262144")  # 256 MiB

    def restore() -> None:
        for name, value in before.items():
            raw.execute(f"PRAGMA {name}={int(value)}")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    return restore


def _existing_summary(conn: Connection, existing: int) -> str:
    insured = conn.execute(select(func.count()).select_from(member_table)
                           .where(member_table.c.relationship == Relationship.INSURED.value)).scalar_one()
    return (f"データベースにはすでに加入者が {existing:,} 人（被保険者 {insured:,} 人、"
            f"被扶養者 {existing - insured:,} 人）登録されているため、デモデータは生成しませんでした。")


def _summary(ctx: Context, loader: Loader, lines: list[str], elapsed: float) -> str:
    c = loader.counts
    total = c.insured + c.dependents
    share = c.with_my_number / total * 100 if total else 0
    employers = len(loader.employers)  # the 事業所 records loaded (the showcase's and the withdrawn included)
    withdrawn = sum(1 for e in loader.employers.values() if e.withdrawn_on is not None)
    head = (
        f"{DEMO_INSURER_NAME}（保険者番号 {DEMO_INSURER_NUMBER}）のデモデータを {elapsed:.1f} 秒で"
        f"生成しました：加入者 {total:,} 人（被保険者 {c.insured:,} 人、被扶養者 {c.dependents:,} 人、"
        f"{c.families:,} 世帯）、うち資格喪失者 {c.lost:,} 人、"
        f"個人番号登録済み {c.with_my_number:,} 人（{share:.1f}%、うち加入後に登録 "
        f"{c.my_number_later:,} 人）、氏名変更 {c.renamed:,} 人、マイナ保険証利用登録 {c.myna_registered:,} 人"
        f"（ほかに解除 {c.myna_cancelled:,} 人）、健康保険証（{format_wareki(ctx.policy.legacy_card_issue.last)}以前の交付）"
        f"{c.legacy_cards:,} 件。事業所 {employers:,} か所（うち脱退 {withdrawn} か所）を登録しました。"
        f"基準日は {japanese_date(ctx.today())}、見本の世帯は記号 {SHOWCASE_SYMBOL} にあります：")
    return "\n".join([head, *(f"・{line}。" for line in lines)])
