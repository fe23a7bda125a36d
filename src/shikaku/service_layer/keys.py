"""鍵の入れ替え (`shikaku keys rotate`): every sealed 個人番号 re-encrypted and every look-up hash
recomputed under a new key, in batches, while the server keeps answering (D-38).

1. The new key is written to `<key file>.new` (0600, synced) before any row changes; every
   keyring re-reads the key files, so from then on servers seal and hash new values under it,
   and search both hashes.
2. Members are re-keyed in batches in id order, one transaction each. All rows sharing a look-up
   hash (a person's records and their My Number cards) change together, so the joins that
   online verification makes (card → person → records) hold at every moment.
3. Passes repeat until none finds a row under another key (values a writer sealed with the old
   key meanwhile), the last one in the closing transaction, which also stores the new check
   value, appends the `keys.rotate` audit row and moves the audit chain to the new key.
4. The old key file is kept as `<key file>.retired-<id>` and the new one takes its place.

Killed at any point, running the command again resumes: the ciphertexts name their key, so what
is left is found by a query, and the `.new` file is reused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from ..adapters.db.key_rotation import TRANSIENT_ERRORS, SealedRow
from ..adapters.vault import Keyring, Vault
from ..domain.audit_chain import KEY_CHANGE
from ..domain.errors import DomainError
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork

Progress = Callable[[int, int], None]
T = TypeVar("T")
RETRIES = 3  # a batch that meets a deadlock or a lock timeout is tried again


@dataclass(frozen=True)
class Rotation:
    key_id: str
    previous_key_id: str
    members: int  # member rows re-keyed by this run
    cards: int  # card rows re-hashed by this run
    unmatched_cards: int  # cards whose hash matches no member: no number to re-hash them from
    resumed: bool


def rotate(ctx: Context, actor: Actor, batch_size: int = 500, progress: Progress | None = None) -> Rotation:
    authorize(actor, Permission.MAINTENANCE)
    keys = ctx.vault
    if keys.files is None:
        raise DomainError("key_file_required", "SHIKAKU_SECRET_KEY で鍵を与えているときは入れ替えられません。"
                          "鍵ファイル (SHIKAKU_KEY_FILE) を使ってください", status=409)
    current, resumed = keys.current, keys.files.next_path.exists()
    target = keys.files.create_next()
    with ctx.reading() as uow:
        check = uow.society.get().key_check
    if check == target.key_check():  # killed after the switch, before the key file moved
        keys.files.promote_next(current)
        return Rotation(target.key_id, current.key_id, 0, 0, 0, True)
    if check != current.key_check():
        raise DomainError("wrong_key", "暗号鍵がこのデータベースのものではありません", status=409)
    with ctx.writing() as uow:
        uow.audit(actor, "keys.rotate.start", None, key=target.key_id, previous=current.key_id, resumed=resumed)
    done = _rekey(ctx, keys, target, batch_size, progress)

    def switch(uow: UnitOfWork) -> Rotation:
        uow.key_rotation.hold_writers()
        last = _rekey_rows(uow, keys, target, uow.key_rotation.pending(target.marker))
        unmatched = uow.key_rotation.unmatched_cards()
        result = Rotation(target.key_id, current.key_id, done[0] + last[0], done[1] + last[1], unmatched, resumed)
        uow.society.set_key_check(target.key_check())
        uow.audit(actor, KEY_CHANGE, None, key=target.key_id, previous=current.key_id, members=result.members,
                  cards=result.cards, unmatched_cards=unmatched, resumed=resumed)
        uow.key_rotation.change_audit_key(target.key_id)
        return result

    result = _retrying(ctx, switch)
    keys.files.promote_next(current)
    return result


def _retrying(ctx: Context, work: Callable[..., T], *args) -> T:
    """`work(uow, *args)` in a writing unit of work, tried again after a deadlock or a lock timeout."""
    for attempt in range(RETRIES):
        try:
            with ctx.writing() as uow:
                return work(uow, *args)
        except TRANSIENT_ERRORS:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _rekey(ctx: Context, keys: Keyring, target: Vault, batch_size: int,
           progress: Progress | None) -> tuple[int, int]:
    """Passes of batches until a pass finds nothing left; (member rows, card rows) re-keyed."""
    with ctx.reading() as uow:
        total = uow.key_rotation.count_pending(target.marker)
    done = [0, 0]
    while True:
        after, found = 0, 0
        while True:
            rows, counts = _retrying(ctx, _rekey_batch, keys, target, after, batch_size)
            if not rows:
                break
            after, found = rows[-1].id, found + counts[0]
            done = [done[0] + counts[0], done[1] + counts[1]]
            if progress:
                progress(done[0], max(total, done[0]))
        if not found:
            return done[0], done[1]


def _rekey_batch(uow: UnitOfWork, keys: Keyring, target: Vault, after: int,
                 batch_size: int) -> tuple[list[SealedRow], tuple[int, int]]:
    rows = uow.key_rotation.pending(target.marker, after, batch_size)
    return rows, _rekey_rows(uow, keys, target, rows)


def _rekey_rows(uow: UnitOfWork, keys: Keyring, target: Vault, rows: Iterable[SealedRow]) -> tuple[int, int]:
    """Re-keys each person among `rows`: all member rows and cards with the same hash at once."""
    re_keyed, cards, seen = 0, 0, set()
    for row in rows:
        if row.digest in seen:
            continue
        seen.add(row.digest)
        clear = keys.open(row.cipher)
        members, person_cards = uow.key_rotation.rekey(row.digest, target.seal(clear), target.lookup_hash(clear))
        re_keyed, cards = re_keyed + members, cards + person_cards
    return re_keyed, cards
