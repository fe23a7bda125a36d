"""一括のやり取り (bulk exchange): employers' notification files in, national-side files out.

Import (`import_notifications`, for the CLI and the staff pages): a file of 資格取得届 /
被扶養者異動届 / 資格喪失届 / 変更届 rows (docs/formats.md) is stored entirely or not at all.

1. Every row is read and checked on its own (`domain.notifications`), streaming; valid rows go
   to a scratch store on disk (`adapters.spill`) with their 個人番号 already sealed by the
   vault, so memory stays flat and no clear number is written anywhere. A 個人番号 given to
   members of two families in the file is refused there too.
2. Family by family (記号・番号) and in a safe order — an insured before their dependents,
   changes after enrolments, losses last, whatever the order in the file — the rows are checked
   against the registry with the rules the single-member use cases use (`check_enrolment`,
   `check_disqualification`, the 個人番号 in use, 枝番 …) and written in bulk, inside one
   transaction that holds the registry's write lock. Any error rolls it all back; a dry run
   never writes. A file whose bytes were stored before (SHA-256) is refused as a duplicate.

Exports: the registration file for the national intermediate server (中間サーバー) — the one
place clear 個人番号 leave, each decryption audited — and the monthly list of members without a
usable マイナ保険証 (the input of ex officio runs). Both files are created with mode 0600.
"""
from __future__ import annotations

import itertools
import marshal
import operator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, tuple_, update

from ..adapters.db import repository as repo
from ..adapters.db.bulk import (
    TableWriter,
    advance_sequences,
    create_indexes,
    drop_plain_indexes,
    lock_exclusive,
    next_id,
)
from ..adapters.db.schema import family_snapshots, import_files, members, registrations, symbols
from ..adapters.notification_files import ENCODING_LABELS, NotificationFile, UndecodableFile, private_csv
from ..adapters.spill import Spill
from ..domain.certificates import in_ex_officio_cohort
from ..domain.errors import DomainError
from ..domain.myna import Unusable, unusable_reason
from ..domain.notifications import (
    APPLY_ORDER,
    KINSHIP_LABELS,
    LABELS,
    LOSS_REASON_LABELS,
    MY_NUMBER_COLUMN,
    SEX_LABELS,
    Header,
    Notification,
    NotificationKind,
    RowError,
    error_from,
    parse_row,
    read_header,
    row_error,
)
from ..domain.registry import (
    FamilyHistory,
    Identity,
    Kind,
    LossReason,
    MemberState,
    Registration,
    Relationship,
    check_disqualification,
    check_enrolment,
)
from . import society
from .auth import Actor, Permission, authorize
from .context import Context, audit
from .members import branch_label, check_my_number_free, enrolment_data, reveal, vault_columns
from .runs import _held_by_member as held_by_member

MAX_ERRORS = 1000  # errors kept for the report; all are counted
BATCH_ROWS = 2000  # rows checked on their own, then spilled, together
CHUNK_ROWS = 5000  # rows (whole families) checked against the registry and written together
READ_STAGE, APPLY_STAGE = "検査", "登録"
Progress = Callable[[str, int, "int | None"], None]  # (stage, done, total): bytes, then rows


@dataclass
class ImportResult:
    """What an import did or would do. `status`: imported, checked (a dry run without errors),
    refused (errors: nothing stored) or duplicate (the same file was imported before)."""

    filename: str
    dry_run: bool
    status: str = "refused"
    encoding: str | None = None
    content_hash: str | None = None
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in NotificationKind})
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    import_id: str | None = None
    duplicate_of: str | None = None

    @property
    def refused(self) -> bool:
        return self.status in ("refused", "duplicate")

    @property
    def encoding_label(self) -> str | None:
        return ENCODING_LABELS.get(self.encoding or "")

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


def import_notifications(ctx: Context, actor: Actor, stream: BinaryIO, filename: str, *,
                         dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Imports an employer's notification file (binary stream, any of the three encodings):
    every row or none. With `dry_run` the file is checked the same way and nothing is stored."""
    authorize(actor, Permission.MEMBERS_WRITE)
    if ctx.vault.next is not None:  # numbers are sealed and looked up under one key (D-38)
        raise DomainError("key_rotation_running", "暗号鍵の入れ替え中は届出ファイルを取り込めません。"
                          "入れ替えが終わってから取り込んでください", status=409)
    progress = progress or _quiet
    result = ImportResult(filename=filename[:255], dry_run=dry_run)
    with Spill() as spill:
        _read(ctx, stream, spill, result, progress)
        _refuse_shared_my_numbers(spill, result)
        if not result.error_count:
            _apply(ctx, actor, spill, result, progress)
    result.errors.sort(key=lambda e: e.row or 0)  # checked family by family: reported by row
    if result.status != "imported":
        with ctx.writing() as conn:
            audit(conn, actor, "import.notifications", None, **_audit_detail(result))
    return result


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


def _audit_detail(result: ImportResult) -> dict:
    return {"status": result.status, "filename": result.filename, "content_hash": result.content_hash,
            "encoding": result.encoding, "rows": result.rows, "counts": result.counts,
            "errors": result.error_count, "dry_run": result.dry_run}


# ---------------------------------------------------------------------- 1. each row

def _read(ctx: Context, stream: BinaryIO, spill: Spill, result: ImportResult, progress: Progress) -> None:
    """Reads and checks every row, spilling the valid ones; stops at a bad header."""
    source = NotificationFile(stream)
    result.encoding = source.encoding
    rows = source.rows()
    try:
        header = _header(rows, result)
        if header is not None:
            checker = _RowChecker(header, ctx.today(), society.insurer_record(ctx)["insurer_number"],
                                  ctx.vault.current)  # one key for the file (no rotation runs)
            for count, records, errors in map(checker, _batches(rows)):
                result.rows += count
                for record in records:
                    spill.add(*record[:-1])
                    result.counts[record[-1]] += 1
                _add_all(result, errors)
                progress(READ_STAGE, source.bytes_read, source.size)
    except UndecodableFile as exc:
        result.add_error(row_error(exc.row, None, "", "undecodable",
                                   f"{ENCODING_LABELS[exc.encoding]} として読めない文字があります"))
    result.content_hash = source.content_hash
    if not result.rows and not result.error_count:
        result.add_error(row_error(None, None, "", "empty_file", "届出の行がありません"))


def _header(rows: Iterator, result: ImportResult) -> Header | None:
    for _, cells in rows:
        header = read_header(cells)
        if isinstance(header, list):
            _add_all(result, header)
            return None
        return header
    return None


def _add_all(result: ImportResult, errors: list[RowError]) -> None:
    for error in errors:
        result.add_error(error)


def _batches(rows: Iterator) -> Iterator[list]:
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        yield batch


class _RowChecker:
    """Checks batches of rows on their own (domain.notifications) and turns the valid ones into
    scratch records: the 個人番号 sealed, the clear number dropped."""

    def __init__(self, header: Header, today: date, insurer: str, key):
        self.header, self.today, self.insurer, self.key = header, today, insurer, key

    def __call__(self, batch: list[tuple[int, list[str]]]) -> tuple[int, list[tuple], list[RowError]]:
        records, errors = [], []
        for row, cells in batch:
            parsed = parse_row(row, cells, self.header, self.today, self.insurer)
            if isinstance(parsed, list):
                errors.extend(parsed)
            else:
                records.append(self._record(parsed))
        return len(batch), records, errors

    def _record(self, n: Notification) -> tuple:
        """(row, rank, group, order, tag, payload, kind): a family's key ranks new insured whose
        番号 is handed out after the others (D-67)."""
        vault = vault_columns(self.key, n.my_number) if n.my_number else None
        n.my_number = None
        rank, group = (1, f"#{n.row:010d}") if n.family_number is None else \
            (0, f"{n.family_symbol}-{n.family_number}")
        return (n.row, rank, group, APPLY_ORDER[n.kind], vault and vault["my_number_hash"],
                marshal.dumps((n.pack(), vault)), n.kind._value_)


def _refuse_shared_my_numbers(spill: Spill, result: ImportResult) -> None:
    """Within one file a 個人番号 belongs to one family's member (D-69)."""
    first: dict[str, tuple[int, str]] = {}
    for tag, row, group, payload in spill.shared_tags():
        owner = first.setdefault(tag, (row, group))
        if group != owner[1]:
            last4 = marshal.loads(payload)[1]["my_number_last4"]
            result.add_error(row_error(row, MY_NUMBER_COLUMN, "*" * 8 + last4, "duplicate_my_number",
                                       f"{owner[0]}行目の加入者と同じ個人番号です"))


# ---------------------------------------------------------------------- 2. against the registry

class _Rollback(Exception):
    pass


def _apply(ctx: Context, actor: Actor, spill: Spill, result: ImportResult, progress: Progress) -> None:
    """Family by family: checks, and unless a dry run writes, in one transaction that holds the
    registry's write lock (so no other import of the same file can slip in); any error rolls
    back everything."""
    try:
        with (ctx.reading() if result.dry_run else ctx.writing()) as conn:
            if not result.dry_run:
                lock_exclusive(conn, (symbols, members, registrations, family_snapshots, import_files))
            if _duplicate(conn, result):
                return
            loader = _Loader(ctx, conn)
            loader.find_holders(spill.tags())
            if not result.dry_run and spill.count > loader.next_member_id:  # the load at least doubles them
                loader.indexes = drop_plain_indexes(conn, (members, registrations))
            done = 0
            for chunk in spill.groups(CHUNK_ROWS):
                _add_all(result, loader.check(chunk))
                if not result.dry_run and not result.error_count:
                    loader.write()
                done += sum(len(payloads) for _, payloads in chunk)
                progress(APPLY_STAGE, done, spill.count)
            if result.error_count:
                raise _Rollback
            result.status = "checked"
            if not result.dry_run:
                result.import_id = loader.finish(actor, result)
                result.status = "imported"
    except _Rollback:
        result.status = "refused"


def _duplicate(conn: Connection, result: ImportResult) -> bool:
    earlier = conn.execute(select(import_files.c.id, import_files.c.imported_at)
                           .where(import_files.c.content_hash == result.content_hash)).first()
    if earlier is None:
        return False
    result.status, result.duplicate_of = "duplicate", str(earlier.id)
    result.add_error(_duplicate_error(earlier))
    return True


def _duplicate_error(earlier) -> RowError:
    return row_error(None, None, "", "duplicate_file", "同じ内容のファイルはすでに取り込まれています"
                     f"（取込番号 {earlier.id}、{earlier.imported_at:%Y-%m-%d}）")


@dataclass(slots=True)
class _Family:
    """One family (記号・番号) while its rows are applied: the registry's part and the new part."""

    symbol: str
    number: str | None
    family_id: int | None = None
    insured_id: int | None = None
    last_branch: int = 0
    existing: bool = False
    identities: dict[int, Identity] = field(default_factory=dict)
    registrations: list[Registration] = field(default_factory=list)
    rows: dict[int, dict] = field(default_factory=dict)  # members columns by member id
    new_members: list[int] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)
    new_registrations: list[Registration] = field(default_factory=list)
    insured_states: dict[date, MemberState] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)  # 個人番号 hashes its members hold or held

    def history(self) -> FamilyHistory:
        return FamilyHistory(self.identities.values(), self.registrations)

    def insured_state(self, on: date) -> MemberState:
        """The insured on `on` (kept until the insured's own registrations change)."""
        state = self.insured_states.get(on)
        if state is None:
            state = self.insured_states[on] = self.history().state(self.insured_id, on)
        return state


_MEMBER_COLUMNS = ("id", "family_id", "relationship", "symbol", "number", "branch", "last_branch",
                   "name", "name_kana", "birth_date", "qualified_on", "my_number_cipher",
                   "my_number_hash", "my_number_last4")
_REGISTRATION_COLUMNS = ("seq", "family_id", "member_id", "kind", "effective_on", "registered_on",
                         "publish_on", "data")
_member_values = operator.itemgetter(*_MEMBER_COLUMNS)  # birth_date, qualified_on at 9, 10
_PROJECTION = ("name", "name_kana", "last_branch", "my_number_cipher", "my_number_hash", "my_number_last4")
_NOT_FOUND = "該当する加入者が見つかりません"


class _Loader:
    """Checks chunks of families against the registry and turns them into rows to write."""

    def __init__(self, ctx: Context, conn: Connection):
        self.ctx, self.conn = ctx, conn
        self.counters = {row.symbol: row.last_number for row in conn.execute(select(symbols))}
        self.known_symbols = set(self.counters)
        self.touched_symbols: set[str] = set()
        self.next_member_id = next_id(conn, members.c.id)
        self.registry_empty = self.next_member_id == 1
        self.first_seq = self.next_seq = next_id(conn, registrations.c.seq)
        self.indexes: list[str] = []  # dropped for the load, created again by `finish`
        self.writers = {name: TableWriter(conn, table, columns) for name, table, columns in (
            ("members", members, _MEMBER_COLUMNS), ("registrations", registrations, _REGISTRATION_COLUMNS),
            ("snapshots", family_snapshots, ("family_id", "payload")))}
        self._reset()

    def _reset(self) -> None:
        self.out: dict[str, list] = {"members": [], "registrations": [], "snapshots": [], "updates": [],
                                     "replaced": []}

    # -------------------------------------------------------------- checking

    def check(self, chunk: list[tuple[str, list[bytes]]]) -> list[RowError]:
        groups = [(key, [_unpack(p) for p in payloads]) for key, payloads in chunk]
        existing = self._existing([key for key, _ in groups if not key.startswith("#")])
        errors: list[RowError] = []
        for key, items in groups:
            family = existing.get(key) or _Family(items[0][0].family_symbol, items[0][0].family_number)
            for notification, vault in items:
                try:
                    _APPLY[notification.kind](self, family, notification, vault)
                except DomainError as exc:
                    errors.append(error_from(notification.row, _value(notification, vault, exc.field), exc))
            self._emit(family)
        return errors

    def _existing(self, keys: list[str]) -> dict[str, _Family]:
        """The families of the chunk already in the registry, by key (found through the
        unique 記号・番号・枝番 index, which a bulk load keeps)."""
        pairs = [tuple(key.split("-", 1)) for key in keys]
        if not pairs or self.registry_empty:
            return {}
        rows = self.conn.execute(select(members).where(
            tuple_(members.c.symbol, members.c.number).in_(pairs))).all()
        histories = repo.load_families(self.conn, {row.family_id for row in rows})
        families: dict[str, _Family] = {}
        for row in rows:
            family = families.setdefault(f"{row.symbol}-{row.number}", _Family(
                row.symbol, row.number, row.family_id, existing=True,
                identities=dict(histories[row.family_id].identities),
                registrations=list(histories[row.family_id].registrations)))
            family.rows[row.id] = dict(row._mapping)
            family.hashes.add(row.my_number_hash)
            if row.relationship == Relationship.INSURED.value:
                family.insured_id, family.last_branch = row.id, row.last_branch
        return families

    def find_holders(self, hashes: Iterator[str]) -> None:
        """The members of the registry holding a 個人番号 of the file, and their families
        (before any index is dropped; an empty registry has none)."""
        found: dict[str, list] = {}
        while not self.registry_empty and (batch := list(itertools.islice(hashes, 1000))):
            for row in self.conn.execute(select(members.c.id, members.c.family_id, members.c.my_number_hash)
                                         .where(members.c.my_number_hash.in_(batch))):
                found.setdefault(row.my_number_hash, []).append(row)
        self.holders = found
        self.holder_families = repo.load_families(
            self.conn, (r.family_id for rows in found.values() for r in rows))

    def _check_my_number(self, family: _Family, member_id: int | None, vault: dict | None,
                         qualified_on: date) -> None:
        """D-6 for a 個人番号 given to `member_id` (None: a member not yet added)."""
        if vault is None:
            return
        digest = vault["my_number_hash"]
        same = [m for m, row in family.rows.items() if m != member_id and row["my_number_hash"] == digest] \
            if digest in family.hashes else []
        others = [r for r in self.holders.get(digest, ()) if r.family_id != family.family_id]
        if same or others:
            history = family.history()
            states = [history.state(m, qualified_on) for m in same]
            states += [self.holder_families[r.family_id].state(r.id, qualified_on) for r in others]
            check_my_number_free(states, qualified_on)

    # -------------------------------------------------------------- one row of each kind

    def _acquisition(self, family: _Family, n: Notification, vault: dict | None) -> None:
        """資格取得届 (members.enrol for an insured)."""
        if family.insured_id is not None:
            raise DomainError("number_in_use", "この記号・番号はすでに使われています", "number", status=409)
        self._check_my_number(family, None, vault, n.qualified_on)
        family.number = self._number(n.family_symbol, n.family_number)
        member_id = self._add_member(family, n, vault, "00")
        family.family_id = family.insured_id = member_id
        self._register(family, member_id, Kind.ENROLMENT, n.qualified_on, n.registered_on,
                       self._enrolment_data(n, vault,
                                            standard_monthly_remuneration=n.standard_monthly_remuneration,
                                            resident_tax_exempt=n.resident_tax_exempt))

    def _dependent(self, family: _Family, n: Notification, vault: dict | None) -> None:
        """被扶養者異動届 (追加) (members.enrol for a dependent)."""
        if family.insured_id is None:
            raise DomainError("unknown_insured", "指定された被保険者が見つかりません", "insured_id")
        check_enrolment(n.birth_date, n.qualified_on, family.insured_state(n.qualified_on))
        self._check_my_number(family, None, vault, n.qualified_on)
        branch = branch_label(family.last_branch + 1)
        family.last_branch += 1
        family.changed.add(family.insured_id)
        member_id = self._add_member(family, n, vault, branch)
        self._register(family, member_id, Kind.ENROLMENT, n.qualified_on, n.registered_on,
                       self._enrolment_data(n, vault, kinship=n.kinship))

    def _loss(self, family: _Family, n: Notification, vault: dict | None) -> None:
        """資格喪失届 (members.disqualify)."""
        member_id = self._member(family, n)
        history = family.history()
        check_disqualification(history.state(member_id, n.disqualified_on), n.disqualified_on,
                               any(r.kind is Kind.DISQUALIFICATION for r in history.of(member_id)))
        self._register(family, member_id, Kind.DISQUALIFICATION, n.disqualified_on, n.registered_on,
                       {"reason": n.reason.value})

    def _change(self, family: _Family, n: Notification, vault: dict | None) -> None:
        """変更届 (members.amend) and 個人番号の登録 (members.register_my_number)."""
        member_id = self._member(family, n)
        row = family.rows[member_id]
        changes = n.changes
        if changes:
            self._register(family, member_id, Kind.AMENDMENT, n.effective_on, n.registered_on, changes)
            row.update({k: changes[k] for k in ("name", "name_kana") if k in changes})
            family.changed.add(member_id)
        if vault is not None and vault["my_number_hash"] != row["my_number_hash"]:
            self._check_my_number(family, member_id, vault, row["qualified_on"])
            row.update(vault)
            family.hashes.add(vault["my_number_hash"])
            family.changed.add(member_id)
            self._register(family, member_id, Kind.MY_NUMBER, n.registered_on, n.registered_on, {})
        elif not changes:
            raise DomainError("nothing_to_change", "変更する項目がありません（個人番号は登録済みです）")

    # -------------------------------------------------------------- helpers

    def _number(self, symbol: str, given: str | None) -> str:
        """番号: a given one is recorded so it is never handed out; else the next (D-7)."""
        last = self.counters.get(symbol, 0)
        number = int(given) if given else last + 1
        self.counters[symbol] = max(last, number)
        self.touched_symbols.add(symbol)
        return given or str(number)

    def _member(self, family: _Family, n: Notification) -> int:
        """The member a 資格喪失 or 変更 row names (D-66)."""
        if family.insured_id is None:
            raise DomainError("member_not_found", _NOT_FOUND, "number", status=404)
        if n.relationship is Relationship.INSURED:
            found = [family.insured_id]
        elif n.branch:
            found = [m for m, i in family.identities.items() if i.branch == n.branch]
        else:
            found = [m for m, row in family.rows.items()
                     if m != family.insured_id and row["birth_date"] == n.birth_date]
        if not found:
            raise DomainError("member_not_found", _NOT_FOUND, "branch" if n.branch else "birth_date",
                              status=404)
        if len(found) > 1:
            raise DomainError("ambiguous_member", "生年月日が同じ被扶養者が複数います。枝番を指定してください",
                              "birth_date")
        if n.birth_date and family.rows[found[0]]["birth_date"] != n.birth_date:
            raise DomainError("member_mismatch", "記号・番号・枝番と生年月日が登録内容と一致しません", "birth_date")
        return found[0]

    def _add_member(self, family: _Family, n: Notification, vault: dict | None, branch: str) -> int:
        member_id = self.next_member_id
        self.next_member_id += 1
        relationship = Relationship.INSURED if branch == "00" else Relationship.DEPENDENT
        family_id = member_id if family.family_id is None else family.family_id
        family.identities[member_id] = Identity(member_id, family_id, relationship, family.symbol,
                                                family.number, branch)
        family.rows[member_id] = {
            "id": member_id, "family_id": family_id, "relationship": relationship._value_,
            "symbol": family.symbol, "number": family.number, "branch": branch, "last_branch": 0,
            "name": n.name, "name_kana": n.name_kana, "birth_date": n.birth_date,
            "qualified_on": n.qualified_on, **(vault or dict.fromkeys(_PROJECTION[3:]))}
        family.new_members.append(member_id)
        if vault:
            family.hashes.add(vault["my_number_hash"])
        return member_id

    @staticmethod
    def _enrolment_data(n: Notification, vault: dict | None, **attributes) -> dict:
        return enrolment_data(name=n.name, name_kana=n.name_kana, birth_date=n.birth_date, sex=n.sex,
                              coverage_ends_on=n.coverage_ends_on, with_my_number=vault is not None,
                              certificate_requested=n.certificate_requested, **attributes)

    def _register(self, family: _Family, member_id: int, kind: Kind, effective_on: date,
                  registered_on: date, data: dict) -> None:
        registration = Registration(self.next_seq, member_id, kind, effective_on, registered_on,
                                    self.ctx.publish_on(registered_on), data)
        self.next_seq += 1
        if member_id == family.insured_id:
            family.insured_states.clear()
        family.registrations.append(registration)
        family.new_registrations.append(registration)

    # -------------------------------------------------------------- writing

    def _emit(self, family: _Family) -> None:
        """The family's rows to write: new members, changed members, registrations, snapshot."""
        if not family.new_registrations:
            return
        out = self.out
        if family.insured_id is not None:
            family.rows[family.insured_id]["last_branch"] = family.last_branch
        for member_id in family.new_members:
            row = _member_values(family.rows[member_id])
            out["members"].append((*row[:9], row[9].isoformat(), row[10].isoformat(), *row[11:]))
        for member_id in family.changed - set(family.new_members):
            out["updates"].append({"_id": member_id, **{c: family.rows[member_id][c] for c in _PROJECTION}})
        for r in family.new_registrations:
            out["registrations"].append((r.seq, family.family_id, r.member_id, r.kind._value_,
                                         r.effective_on.isoformat(), r.registered_on.isoformat(),
                                         r.publish_on.isoformat(),
                                         orjson.dumps(r.data).decode()))
        # Identities and registrations are named tuples in the snapshot's field order (data: dicts).
        out["snapshots"].append((family.family_id, repo.snapshot_payload(
            [list(i) for i in family.identities.values()], [list(r) for r in family.registrations])))
        if family.existing:
            out["replaced"].append(family.family_id)

    def write(self) -> None:
        out, conn = self.out, self.conn
        if out["replaced"]:
            conn.execute(delete(family_snapshots).where(family_snapshots.c.family_id.in_(out["replaced"])))
        self.writers["members"].write(out["members"])
        if out["updates"]:
            conn.execute(update(members).where(members.c.id == bindparam("_id"))
                         .values({c: bindparam(c) for c in _PROJECTION}), out["updates"])
        self.writers["registrations"].write(out["registrations"])
        self.writers["snapshots"].write(out["snapshots"])
        self._reset()

    def finish(self, actor: Actor, result: ImportResult) -> str:
        """Counters, sequences, the import's record and its audit row; returns its id."""
        conn = self.conn
        for symbol in sorted(self.touched_symbols):
            values = {"symbol": symbol, "last_number": self.counters[symbol]}
            conn.execute(update(symbols).where(symbols.c.symbol == symbol).values(values)
                         if symbol in self.known_symbols else insert(symbols).values(values))
        advance_sequences(conn, (members.c.id, registrations.c.seq))
        create_indexes(conn, self.indexes)
        wrote = self.next_seq > self.first_seq
        import_id = conn.execute(insert(import_files).values(
            content_hash=result.content_hash, filename=result.filename, encoding=result.encoding,
            rows=result.rows, counts=result.counts, first_seq=self.first_seq if wrote else None,
            last_seq=self.next_seq - 1 if wrote else None, imported_at=datetime.now(timezone.utc),
            actor=actor.subject)).inserted_primary_key[0]
        result.status = "imported"
        audit(conn, actor, "import.notifications", str(import_id), **_audit_detail(result))
        return str(import_id)


_APPLY = {NotificationKind.ACQUISITION: _Loader._acquisition, NotificationKind.DEPENDENT: _Loader._dependent,
          NotificationKind.LOSS: _Loader._loss, NotificationKind.CHANGE: _Loader._change}


def _unpack(payload: bytes) -> tuple[Notification, dict | None]:
    values, vault = marshal.loads(payload)
    return Notification.unpack(values), vault


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _value(n: Notification, vault: dict | None, field_name: str | None) -> str:
    """The value an error about `field_name` shows (a 個人番号 only masked)."""
    if field_name == "my_number":
        return "*" * 8 + vault["my_number_last4"] if vault else ""
    attribute = {"symbol": "family_symbol", "number": "family_number", "insured_id": "family_number"}.get(
        field_name or "", field_name or "")
    value = getattr(n, attribute, None)
    return "" if value is None else str(_iso(value))


# ---------------------------------------------------------------------- exports

@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    my_numbers: int = 0


REGISTRATION_FIELDS = ("kind", "insurer_number", "symbol", "number", "branch", "kinship", "insured_symbol",
                       "insured_number", "name", "name_kana", "birth_date", "sex", "qualified_on",
                       "disqualified_on", "reason", "standard_monthly_remuneration", "resident_tax_exempt",
                       "income_declared_low", "coverage_ends_on", "my_number", "certificate_requested",
                       "registered_on", "effective_on")
REGISTRATION_COLUMNS = tuple(LABELS[f] for f in REGISTRATION_FIELDS)
FAMILIES_PER_BATCH = 1000


def export_registrations(ctx: Context, actor: Actor, on: date, path: Path) -> ExportResult:
    """The registration file of day `on` for the national intermediate server: one row per
    registration online verification shows from `on` for the first time (D-72), in the import
    format; the 個人番号 in clear on the rows that register it, each decryption audited."""
    authorize(actor, Permission.NATIONAL_WRITE)
    insurer = society.insurer_record(ctx)["insurer_number"]
    rows = my_numbers = 0
    with private_csv(path, REGISTRATION_COLUMNS) as out, ctx.writing() as conn:
        for family, member_rows in _families_published_on(conn, on):
            for identity, registration in _newly_visible(family, on):
                row = _registration_row(family, identity, registration, insurer)
                if row.pop("reveal", False):
                    row["my_number"] = reveal(ctx, conn, actor, member_rows[identity.member_id],
                                              "national_registration_file")
                    my_numbers += 1
                out.writerow([row.get(f, "") for f in REGISTRATION_FIELDS])
                rows += 1
        audit(conn, actor, "export.registrations", on.isoformat(), rows=rows, my_numbers=my_numbers,
              file=Path(path).name)
    return ExportResult(Path(path), rows, my_numbers)


def _families_published_on(conn: Connection, on: date) -> Iterator[tuple[FamilyHistory, dict]]:
    """The families with a registration published on `on`, with their member rows, in batches."""
    family_ids = conn.execute(select(registrations.c.family_id).distinct()
                              .where(registrations.c.publish_on == on)
                              .order_by(registrations.c.family_id)).scalars().all()
    for start in range(0, len(family_ids), FAMILIES_PER_BATCH):
        batch = family_ids[start:start + FAMILIES_PER_BATCH]
        histories = repo.load_families(conn, batch)
        rows = {row.id: row for row in conn.execute(select(members).where(members.c.family_id.in_(batch)))}
        for family_id in batch:
            yield histories[family_id], rows


def _newly_visible(family: FamilyHistory, on: date) -> Iterator[tuple[Identity, Registration]]:
    """Registrations visible to online verification on `on` and not the day before: published
    on `on` for a member already online, or earlier for a member going online on `on`
    (R-MYNA-3, -4): visible from the later of the two days. 認定 are not part of this file."""
    online_from: dict[int, date | None] = {}
    for registration in family.registrations:
        member_id = registration.member_id
        if member_id not in online_from:
            online_from[member_id] = family.state(member_id, on).online_from
        since = online_from[member_id]
        if registration.kind is not Kind.CERTIFICATION and since is not None \
                and max(since, registration.publish_on) == on:
            yield family.identities[member_id], registration


def _registration_row(family: FamilyHistory, identity: Identity, registration: Registration,
                      insurer: str) -> dict:
    enrolment = next(r for r in family.of(identity.member_id) if r.kind is Kind.ENROLMENT)
    insured = identity.relationship is Relationship.INSURED
    row = {"insurer_number": insurer, "symbol": identity.symbol, "number": identity.number,
           "branch": identity.branch, "kinship": _kinship_label(identity, enrolment.data),
           "registered_on": registration.registered_on.isoformat(),
           "birth_date": enrolment.data["birth_date"].isoformat()}
    if not insured:
        row.update(insured_symbol=identity.symbol, insured_number=identity.number)
    data, kind = registration.data, registration.kind
    if kind is Kind.ENROLMENT:
        row.update(_formatted(data), qualified_on=registration.effective_on.isoformat(),
                   kind=(NotificationKind.ACQUISITION if insured else NotificationKind.DEPENDENT).value,
                   reveal=bool(data.get("with_my_number")))
        row["sex"] = SEX_LABELS[data["sex"]]
    elif kind is Kind.DISQUALIFICATION:
        row.update(kind=NotificationKind.LOSS.value, disqualified_on=registration.effective_on.isoformat(),
                   reason=LOSS_REASON_LABELS[LossReason(data["reason"])])
    else:
        row.update(_formatted(data), kind=NotificationKind.CHANGE.value,
                   effective_on=registration.effective_on.isoformat(), reveal=kind is Kind.MY_NUMBER)
    return row


def _formatted(data) -> dict:
    """Registration data as the file writes it: dates ISO, flags 0/1, amounts in yen (numbers,
    which the CSV writer never escapes)."""
    out = {}
    for key in ("name", "name_kana", "standard_monthly_remuneration", "coverage_ends_on",
                "resident_tax_exempt", "income_declared_low", "certificate_requested"):
        value = data.get(key)
        if value is None:
            continue
        out[key] = "1" if value is True else "0" if value is False else _iso(value)
    return out


def _kinship_label(identity: Identity, enrolment_data, unknown: str = "その他") -> str:
    if identity.relationship is Relationship.INSURED:
        return "本人"
    return KINSHIP_LABELS.get(enrolment_data.get("kinship"), unknown)


WITHOUT_MYNA_COLUMNS = ("基準日", "記号", "番号", "枝番", "続柄", "氏名", "氏名カナ", "生年月日", "資格取得日",
                        "理由", "資格確認書有効期限", "交付希望", "職権交付対象")
UNUSABLE_LABELS = {
    Unusable.NO_MY_NUMBER: "個人番号未登録", Unusable.NOT_PUBLISHED: "個人番号の登録が未反映",
    Unusable.NO_CARD: "マイナンバーカードなし", Unusable.NOT_REGISTERED: "利用登録なし",
    Unusable.CANCELLED: "利用登録の解除", Unusable.CERTIFICATE_EXPIRED: "電子証明書の有効期限切れ"}
MEMBERS_PER_BATCH = 2000


def export_without_myna(ctx: Context, actor: Actor, month: date, path: Path) -> ExportResult:
    """The members eligible on the 1st of `month` who cannot use マイナ保険証 that day (D-73),
    with the reason and any 資格確認書 they hold: the input of 職権交付 runs."""
    authorize(actor, Permission.RUNS)
    day = month.replace(day=1)
    with private_csv(path, WITHOUT_MYNA_COLUMNS) as out:
        with ctx.reading() as conn:
            rows = sum(_write_without_myna(ctx, conn, batch, day, out) for batch in _member_batches(conn))
        with ctx.writing() as conn:
            audit(conn, actor, "export.without_myna", day.isoformat(), rows=rows, file=Path(path).name)
    return ExportResult(Path(path), rows)


def _member_batches(conn: Connection) -> Iterator[list]:
    last = 0
    while batch := list(conn.execute(select(members).where(members.c.id > last)
                                      .order_by(members.c.id).limit(MEMBERS_PER_BATCH))):
        yield batch
        last = batch[-1].id


def _write_without_myna(ctx: Context, conn: Connection, batch: list, day: date, out) -> int:
    families = repo.load_families(conn, (row.family_id for row in batch))
    cards = repo.cards_by_hash(conn, (row.my_number_hash for row in batch))
    held = held_by_member(conn, [row.id for row in batch])
    written = 0
    for row in batch:
        family = families[row.family_id]
        state = family.state(row.id, day)
        reason = unusable_reason(state.online_from, cards.get(row.my_number_hash, []), day, ctx.policy)
        if not state.eligible or reason is None:
            continue
        certificates = held.get(row.id, [])
        valid = [h.expires_on for h in certificates if h.valid_on(day)]
        enrolment = next(r for r in family.of(row.id) if r.kind is Kind.ENROLMENT).data
        identity = state.identity
        out.writerow([day.isoformat(), identity.symbol, identity.number, identity.branch,
                      _kinship_label(identity, enrolment, "家族"), state.name, state.name_kana,
                      state.birth_date.isoformat(), state.qualified_on.isoformat(), UNUSABLE_LABELS[reason],
                      max(valid).isoformat() if valid else "",
                      "1" if enrolment.get("certificate_requested") else "0",
                      "1" if in_ex_officio_cohort(state, "all_without_myna", day, False, certificates,
                                                  ctx.policy) else "0"])
        written += 1
    return written
