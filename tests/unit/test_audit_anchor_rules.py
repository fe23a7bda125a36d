"""Anchors of the audit chain (D-93), pure: the `seq:hash` form, and the walk that finds a chain
cut below an anchor, or holding another row at the anchored seq."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

import pytest

from shikaku.domain.audit_chain import (
    GENESIS,
    Anchor,
    Entry,
    Head,
    canonical,
    check_chain,
    parse_anchor,
)

KEY = b"unit-test-audit-key"


def mac(_key_id: str, data: bytes) -> str:
    return hmac.new(KEY, data, hashlib.sha256).hexdigest()


def chain(n: int, start: int = 1, prev: str = GENESIS, action: str = "member.enrol") -> list[Entry]:
    rows = []
    for seq in range(start, start + n):
        fields = {"seq": seq, "at": datetime(2026, 6, 1, 9, 0, seq % 60, tzinfo=timezone.utc), "actor": "a",
                  "role": "admin", "action": action, "target": str(seq), "remote": None, "detail": {},
                  "prev_hash": prev}
        prev = mac("k", canonical(fields))
        rows.append(Entry(id=seq, row_hash=prev, **fields))
    return rows


def walk(rows: list[Entry], anchors=()):
    last = rows[-1] if rows else None
    head = Head(last.seq, last.row_hash, "k") if last else Head(0, GENESIS, "k")
    return check_chain(rows, mac, ["k"], head, lambda seq: None, anchors)


@pytest.mark.parametrize("text, anchor", [
    ("42:" + "ab" * 32, Anchor(42, "ab" * 32)),
    (" 7:0123456789ABCDEF ", Anchor(7, "0123456789abcdef")),  # a 16-digit prefix, as copied
])
def test_anchor_parses(text, anchor):
    assert parse_anchor(text) == anchor
    assert parse_anchor(str(anchor)) == anchor


@pytest.mark.parametrize("text", ["", "42", "42:", ":abcdef0123456789", "0:" + "a" * 64, "42:" + "g" * 64,
                                  "42:0123456789abcde", "-1:" + "a" * 64, "42:" + "a" * 65])
def test_malformed_anchors_are_refused(text):
    with pytest.raises(ValueError):
        parse_anchor(text)


def test_a_whole_chain_holds_its_anchors():
    rows = chain(10)
    assert walk(rows, [Anchor(4, rows[3].row_hash), Anchor(10, rows[9].row_hash[:16])]) is None


def test_a_cut_tail_with_the_head_rewound_passes_without_an_anchor_and_fails_with_one():
    rows = chain(10)
    anchor = Anchor(10, rows[9].row_hash)
    cut = rows[:7]  # rows 8-10 deleted and the head set back to row 7: the exact attack
    assert walk(cut) is None
    found = walk(cut, [anchor])
    assert found.kind == "deleted" and found.id is None
    assert "連番 10" in found.message and "連番 8 以降" in found.message and "id 7" in found.message


def test_a_cut_tail_refilled_past_the_anchor_is_caught_at_the_anchored_seq():
    rows = chain(10)
    anchor = Anchor(9, rows[8].row_hash)
    refilled = rows[:6] + chain(5, start=7, prev=rows[5].row_hash, action="token.issue")  # new 7-11
    assert walk(refilled) is None
    found = walk(refilled, [anchor])
    assert (found.kind, found.id) == ("anchor", 9) and "連番 9" in found.message


def test_every_anchor_is_checked_and_an_empty_log_holds_none():
    rows = chain(5)
    found = walk(rows, [Anchor(2, rows[1].row_hash), Anchor(3, "f" * 64)])
    assert (found.kind, found.id) == ("anchor", 3)
    found = walk([], [Anchor(1, rows[0].row_hash)])
    assert found.kind == "deleted" and "ひとつも" in found.message
