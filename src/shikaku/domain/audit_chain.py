"""The audit log's hash chain (監査ログの改ざん検知): the canonical form of a row, and the walk
that finds the first break. Pure: the keyed hash is handed in.

Each row carries `seq` (its place in the chain: 1, 2, 3 …), `prev_hash` (the previous row's
`row_hash`, GENESIS for the first) and `row_hash` = HMAC(audit key, canonical form), where the
canonical form covers seq, at, actor, role, action, target, remote, detail and prev_hash. The
table's `id` is the order the rows are read in and is not covered, so moving a row shows as a
row out of chain order rather than as an edit.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

GENESIS = "0" * 64
KEY_CHANGE = "keys.rotate"  # a verified row with this action names the key of the rows after it
KINDS = {"edited": "改ざん", "deleted": "削除", "reordered": "順序の入れ替え", "inserted": "挿入",
         "unknown_key": "鍵の不一致", "anchor": "控えとの不一致"}
FIELDS = ("seq", "at", "actor", "role", "action", "target", "remote", "detail", "prev_hash")


def utc_text(at: datetime) -> str:
    """`at` in UTC to the microsecond; SQLite hands back naive UTC, PostgreSQL an aware value."""
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return at.isoformat(timespec="microseconds")


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes the row hash covers: a JSON array in FIELDS order, keys of `detail` sorted,
    no whitespace, UTF-8."""
    values = [utc_text(row["at"]) if name == "at" else row[name] for name in FIELDS]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit row as read back."""

    id: int
    seq: int | None
    at: datetime
    actor: str
    role: str
    action: str
    target: str | None
    remote: str | None
    detail: Any
    prev_hash: str | None
    row_hash: str | None


@dataclass(frozen=True, slots=True)
class Head:
    """The chain's last link as the append side recorded it."""

    seq: int
    row_hash: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Break:
    """The first break: the row (by id; None past the end), the kind and a Japanese message."""

    id: int | None
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """A link of the chain kept outside the database: the row at `seq` has `row_hash` (the full
    hash, or a prefix of at least MIN_ANCHOR_HEX hex digits as an auditor may copy it)."""

    seq: int
    row_hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.row_hash}"

    def held_by(self, row_hash: str | None) -> bool:
        return row_hash is not None and row_hash.startswith(self.row_hash)


MIN_ANCHOR_HEX = 16
_ANCHOR = re.compile(r"([0-9]{1,18}):([0-9a-f]{%d,64})" % MIN_ANCHOR_HEX)


def parse_anchor(text: str) -> Anchor:
    """`42:ab12…` (seq, colon, row hash in hex) as `shikaku audit verify` prints it; ValueError
    when it is not one."""
    found = _ANCHOR.fullmatch(text.strip().lower())
    if not found or int(found[1]) < 1:
        raise ValueError(text)
    return Anchor(int(found[1]), found[2])


def anchor_of(head: Head) -> Anchor:
    return Anchor(head.seq, head.row_hash)


# mac(key_id, data) -> hex digest, or None when the key is not available
Mac = Callable[[str, bytes], "str | None"]


def check_chain(entries: Iterable[Entry], mac: Mac, keys: Iterable[str], head: Head | None,
                locate: Callable[[int], int | None], anchors: Iterable[Anchor] = ()) -> Break | None:
    """Walks the rows in id order and returns the first break, or None when the chain is whole.

    `keys`: the ids of the keys the first row may be under (any known key); later rows are under
    that key until a verified KEY_CHANGE row names the next. `head`: the append side's record of
    the last row and its key. `locate(seq)`: the id of the row with that seq, or None.
    `anchors`: links kept outside the database that the chain must still hold.
    """
    pinned: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        pinned.setdefault(anchor.seq, []).append(anchor)
    candidates, key = list(keys), None
    expected_seq, expected_prev, last_id = 1, GENESIS, None
    for entry, following in _with_next(entries):
        data = canonical(_fields(entry))
        if key is None:  # the first row names the chain's first key
            key = next((k for k in candidates if mac(k, data) == entry.row_hash), candidates[0] if candidates else "")
        if mac(key, data) != entry.row_hash:
            return _bad_row(entry, following, expected_prev, head, key, mac)
        if entry.seq != expected_seq or entry.prev_hash != expected_prev:
            return _misplaced(entry, expected_seq, locate)
        anchor = next((a for a in pinned.get(entry.seq, ()) if not a.held_by(entry.row_hash)), None)
        if anchor is not None:
            return Break(entry.id, "anchor", f"id {entry.id}: 連番 {entry.seq} の行が控え {_short(anchor)} と"
                         "一致しません（控えを取った後に、この連番までの行が削除され、別の行に置き換わっています）")
        if entry.action == KEY_CHANGE and isinstance(entry.detail, Mapping):
            key = entry.detail.get("key", key)
        expected_seq, expected_prev, last_id = entry.seq + 1, entry.row_hash, entry.id
    return _check_end(head, expected_seq - 1, expected_prev, key, last_id) or \
        _check_anchors([a for listed in pinned.values() for a in listed], expected_seq - 1, last_id)


def _check_anchors(anchors: Iterable[Anchor], last_seq: int, last_id: int | None) -> Break | None:
    """An anchor past the last row: the tail was cut (and the head rewound with it)."""
    beyond = max((a for a in anchors if a.seq > last_seq), key=lambda a: a.seq, default=None)
    if beyond is None:
        return None
    rest = f"残っている最後の行は id {last_id}、連番 {last_seq}" if last_id is not None else "行がひとつも残っていません"
    return Break(None, "deleted", f"控え {_short(beyond)} の行（連番 {beyond.seq}）がありません: 末尾の連番 "
                 f"{last_seq + 1} 以降が削除されています（少なくとも {beyond.seq - last_seq} 行。{rest}）")


def _short(anchor: Anchor) -> str:
    return f"{anchor.seq}:{anchor.row_hash[:MIN_ANCHOR_HEX]}…"


def _fields(entry: Entry) -> dict:
    return {name: getattr(entry, name) for name in FIELDS}


def _with_next(entries: Iterable[Entry]) -> Iterator[tuple[Entry, Entry | None]]:
    it = iter(entries)
    current = next(it, None)
    while current is not None:
        following = next(it, None)
        yield current, following
        current = following


def _bad_row(entry: Entry, following: Entry | None, expected_prev: str, head: Head | None,
             key: str, mac: Mac) -> Break:
    """A row whose hash does not match: an original row whose content changed (the chain still
    runs through it) or a row that was never in the chain (the chain runs past it)."""
    if mac(key, b"") is None:
        return Break(entry.id, "unknown_key", f"id {entry.id}: 鍵 {key} がないため検証できません"
                     "（鍵ファイル .retired-… を用意してください）")
    if following is not None:
        original = following.prev_hash == entry.row_hash
        inserted = following.prev_hash == expected_prev
    else:
        original = head is not None and (head.seq, head.row_hash) == (entry.seq, entry.row_hash)
        inserted = not original
    if inserted and not original:
        return Break(entry.id, "inserted", f"id {entry.id}: 監査ログにない行が挿入されています")
    return Break(entry.id, "edited", f"id {entry.id}: 行の内容が改ざんされています（連番 {entry.seq}）")


def _misplaced(entry: Entry, expected_seq: int, locate: Callable[[int], int | None]) -> Break:
    """A genuine row in the wrong place: rows before it are missing, or it moved."""
    if entry.seq is not None and entry.seq > expected_seq:
        elsewhere = locate(expected_seq)
        if elsewhere is None:
            missing = _span(expected_seq, entry.seq - 1)
            return Break(entry.id, "deleted", f"id {entry.id}: この行の前の {missing} が削除されています")
        return Break(entry.id, "reordered", f"id {entry.id}: 行の順序が入れ替えられています"
                     f"（ここに連番 {entry.seq} の行、連番 {expected_seq} の行は id {elsewhere}）")
    if entry.seq is not None and entry.seq < expected_seq:
        return Break(entry.id, "inserted", f"id {entry.id}: 連番 {entry.seq} の行の写しが挿入されています")
    return Break(entry.id, "edited", f"id {entry.id}: 前の行とのつながりが改ざんされています")


def _check_end(head: Head | None, last_seq: int, last_hash: str, key: str | None,
               last_id: int | None) -> Break | None:
    if head is None:
        return None
    if head.seq > last_seq:
        return Break(None, "deleted", f"末尾の {_span(last_seq + 1, head.seq)} が削除されています"
                     + (f"（最後の行は id {last_id}）" if last_id is not None else ""))
    if head.row_hash != last_hash:
        return Break(last_id, "edited", f"id {last_id}: 最後の行が記録と一致しません")
    if key is not None and key != head.key_id:
        return Break(last_id, "unknown_key", f"id {last_id}: 監査ログの鍵 {key} が現在の鍵 {head.key_id} と異なります")
    return None


def _span(first: int, last: int) -> str:
    count = last - first + 1
    return f"連番 {first}（1 行）" if count == 1 else f"連番 {first}〜{last}（{count} 行）"
