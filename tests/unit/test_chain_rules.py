"""The audit chain's pure parts: canonical form and the walk that names the first break."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from shikaku.domain.audit_chain import GENESIS, KEY_CHANGE, Entry, Head, canonical, check_chain

KEYS = {"k1": b"first key", "k2": b"second key"}
T0 = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)


def mac(key_id, data):
    return hmac.new(KEYS[key_id], data, hashlib.sha256).hexdigest() if key_id in KEYS else None


def chain(n, key="k1", actions=None):
    """n rows chained under `key` (a KEY_CHANGE row switches keys), and the head."""
    rows, prev, seq = [], GENESIS, 0
    for i in range(n):
        seq += 1
        action = (actions or {}).get(seq, "member.enrol")
        detail = {"key": "k2"} if action == KEY_CHANGE else {"n": i, "名前": "試験"}
        fields = dict(seq=seq, at=T0 + timedelta(seconds=i), actor="clerk", role="clerk", action=action,
                      target=str(i), remote=None, detail=detail, prev_hash=prev)
        prev = mac(key, canonical(fields))
        rows.append(Entry(id=10 + i, row_hash=prev, **fields))
        if action == KEY_CHANGE:
            key = detail["key"]
    return rows, Head(seq, prev, key)


def walk(rows, head, keys=("k1", "k2")):
    """The walk with only `keys` available."""
    by_seq = {r.seq: r.id for r in rows}
    return check_chain(iter(rows), lambda k, data: mac(k, data) if k in keys else None, keys, head,
                       by_seq.get)


def test_canonical_form_is_stable_across_key_order_time_zone_and_naive_utc():
    row = dict(seq=1, at=T0, actor="a", role="clerk", action="x", target=None, remote="127.0.0.1",
               detail={"b": 1, "a": [1, "二"]}, prev_hash=GENESIS)
    same = dict(row, at=T0.astimezone(timezone(timedelta(hours=9))), detail={"a": [1, "二"], "b": 1})
    naive = dict(row, at=T0.replace(tzinfo=None))  # SQLite hands back naive UTC
    assert canonical(row) == canonical(same) == canonical(naive)
    assert canonical(row).startswith(b'[1,"2026-06-01T00:00:00.000000+00:00","a"')
    assert "二".encode() in canonical(row)
    assert canonical(dict(row, detail={"b": 2, "a": [1, "二"]})) != canonical(row)


def test_an_intact_chain_and_an_empty_one_pass():
    rows, head = chain(5)
    assert walk(rows, head) is None
    assert walk([], Head(0, GENESIS, "k1")) is None


def test_an_edited_row_is_named():
    rows, head = chain(5)
    rows[2] = dataclasses.replace(rows[2], detail={"n": 99})
    found = walk(rows, head)
    assert (found.id, found.kind) == (rows[2].id, "edited")


def test_an_edited_last_row_is_named():
    rows, head = chain(3)
    rows[2] = dataclasses.replace(rows[2], actor="someone else")
    assert (walk(rows, head).id, walk(rows, head).kind) == (rows[2].id, "edited")


def test_a_deleted_row_is_named_by_the_row_after_the_gap():
    rows, head = chain(5)
    found = walk(rows[:2] + rows[3:], head)
    assert (found.id, found.kind) == (rows[3].id, "deleted") and "連番 3（1 行）" in found.message


def test_deleted_rows_at_the_end_are_found_by_the_head():
    rows, head = chain(5)
    found = walk(rows[:3], head)
    assert (found.id, found.kind) == (None, "deleted") and "連番 4〜5（2 行）" in found.message


def test_two_rows_swapped_are_reordered():
    rows, head = chain(5)
    a, b = rows[1], rows[3]  # swap their ids: the table now reads them in the other order
    swapped = [rows[0], dataclasses.replace(b, id=a.id), rows[2], dataclasses.replace(a, id=b.id), rows[4]]
    found = walk(swapped, head)
    assert (found.id, found.kind) == (a.id, "reordered")


def test_a_forged_row_is_inserted_in_the_middle_or_at_the_end():
    rows, head = chain(4)
    forged = dataclasses.replace(rows[1], id=rows[1].id + 100, detail={"forged": True}, row_hash="f" * 64)
    middle = walk(rows[:2] + [forged] + rows[2:], head)
    assert (middle.id, middle.kind) == (forged.id, "inserted")
    tail = dataclasses.replace(forged, seq=5, prev_hash=rows[-1].row_hash)
    found = walk(rows + [tail], head)
    assert (found.id, found.kind) == (tail.id, "inserted")


def test_a_copied_genuine_row_is_inserted():
    rows, head = chain(4)
    found = walk(rows + [dataclasses.replace(rows[1], id=99)], head)
    assert (found.id, found.kind) == (99, "inserted")


def test_the_key_changes_after_a_key_rotation_row_only():
    rows, head = chain(5, actions={3: KEY_CHANGE})
    assert head.key_id == "k2" and walk(rows, head) is None
    # without the second key the rows after the change cannot be verified
    found = walk(rows, head, keys=("k1",))
    assert found.kind == "unknown_key" and found.id == rows[3].id


def test_a_chain_rewritten_under_an_old_key_does_not_match_the_head_key():
    rows, head = chain(3)  # all under k1, but the society's head says k2
    found = walk(rows, Head(head.seq, head.row_hash, "k2"))
    assert found.kind == "unknown_key"
