"""保存期間を過ぎた個人番号の削除 (`shikaku my-number purge`): the ciphertext, look-up hash and last
four digits of every leaver whose 資格喪失日 is older than the retention period are cleared, in
one transaction with one audit row that carries the counts (never a number)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from ..adapters.db import repository as repo
from ..adapters.db.schema import members
from ..domain.retention import my_number_due_for_deletion
from .auth import Actor, Permission, authorize
from .context import Context, audit

CHUNK = 1000  # members whose families are loaded at a time


@dataclass(frozen=True)
class Purge:
    on: date
    years: int
    checked: int  # members holding a 個人番号
    purged: int  # members whose 個人番号 is (or, in a dry run, would be) deleted
    dry_run: bool


def purge_my_numbers(ctx: Context, actor: Actor, years: int | None = None, dry_run: bool = False) -> Purge:
    authorize(actor, Permission.MAINTENANCE)
    years = ctx.policy.my_number_retention_years if years is None else years
    today = ctx.today()
    with ctx.reading() if dry_run else ctx.writing() as conn:
        holders = conn.execute(select(members.c.id, members.c.family_id)
                               .where(members.c.my_number_cipher.is_not(None)).order_by(members.c.id)).all()
        due: list[int] = []
        for start in range(0, len(holders), CHUNK):
            chunk = holders[start:start + CHUNK]
            families = repo.load_families(conn, (row.family_id for row in chunk))
            due += [row.id for row in chunk
                    if (state := families[row.family_id].state(row.id, today))
                    and my_number_due_for_deletion(state, today, years)]
        result = Purge(today, years, len(holders), len(due), dry_run)
        if dry_run:
            return result
        for start in range(0, len(due), CHUNK):
            conn.execute(update(members).where(members.c.id.in_(due[start:start + CHUNK]))
                         .values(my_number_cipher=None, my_number_hash=None, my_number_last4=None))
        audit(conn, actor, "my_number.purge", None, on=today.isoformat(), years=years,
              checked=result.checked, purged=result.purged)
    return result
