"""The stored form of a family (family_snapshots.payload): the read model that verification
and every view fold, rewritten by each write to the family in the writer's transaction.

Version 2 (issue 13) is a JSON object with a version and named columns:

    {"v": 2,
     "members": {"keys": ["id", "family_id", "relationship", "symbol", "number", "branch"],
                 "rows": [[…], …]},
     "registrations": {"keys": ["seq", "member_id", "kind", "effective_on", "registered_on",
                                "publish_on", "data"],
                       "rows": [[…], …]}}

with ISO dates and each registration's data an object in the codec of `domain.registrations`.
The keys are written once per table rather than once per row: a verification decodes one of
these per query, and a million families are written by the demo and by imports. A reader
that finds other keys (a later version) refuses it rather than guessing. Migration 0009
re-encodes the positional, unversioned payloads of earlier releases.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

import orjson

from ...domain.registrations import decode, encode
from ...domain.registry import FamilyHistory, Identity, Kind, Registration, Relationship, in_order_of_entry

VERSION = 2
_KINDS = {kind.value: kind for kind in Kind}
_RELATIONSHIPS = {relationship.value: relationship for relationship in Relationship}
_KIND_VALUES = {kind: kind.value for kind in Kind}


MEMBER_KEYS = ["id", "family_id", "relationship", "symbol", "number", "branch"]
REGISTRATION_KEYS = ["seq", "member_id", "kind", "effective_on", "registered_on", "publish_on", "data"]


def member_rows(identities: Iterable[Identity]) -> list[list]:
    """The members table of a snapshot, by member id."""
    return [[i.member_id, i.family_id, i.relationship.value, i.symbol, i.number, i.branch]
            for i in sorted(identities, key=lambda i: i.member_id)]


def registration_rows(registrations: Iterable[Registration]) -> list[list]:
    """The registrations table of a snapshot, in order of entry (data as stored: `encode`)."""
    kinds = _KIND_VALUES
    return [[r.seq, r.member_id, kinds[r.kind], r.effective_on.isoformat(), r.registered_on.isoformat(),
             r.publish_on.isoformat(), encode(r.data)] for r in sorted(registrations, key=in_order_of_entry)]


def snapshot_payload(members: list[list], registrations: list[list]) -> str:
    return orjson.dumps({"v": VERSION, "members": {"keys": MEMBER_KEYS, "rows": members},
                         "registrations": {"keys": REGISTRATION_KEYS, "rows": registrations}}).decode()


def encode_snapshot(identities: Iterable[Identity], registrations: Iterable[Registration]) -> str:
    """The same family always encodes the same."""
    return snapshot_payload(member_rows(identities), registration_rows(registrations))


def decode_snapshot(payload: str | bytes) -> FamilyHistory:
    """A stored family; on the verification hot path, hence the plain look-ups."""
    parsed = orjson.loads(payload)
    if parsed.get("v") != VERSION or parsed["members"]["keys"] != MEMBER_KEYS \
            or parsed["registrations"]["keys"] != REGISTRATION_KEYS:
        raise ValueError(f"family snapshot version {parsed.get('v')!r}: run the migrations")
    day = date.fromisoformat
    identities = [Identity(member, family, _RELATIONSHIPS[relationship], symbol, number, branch)
                  for member, family, relationship, symbol, number, branch in parsed["members"]["rows"]]
    regs = [Registration(seq, member, _KINDS[kind], day(effective), day(registered), day(publish),
                         decode(kind, data))
            for seq, member, kind, effective, registered, publish, data in parsed["registrations"]["rows"]]
    return FamilyHistory(identities, regs)
