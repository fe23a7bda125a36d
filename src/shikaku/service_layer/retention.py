"""保存期間を過ぎた個人番号の削除 (`shikaku my-number purge`): the ciphertext, look-up hash and last
four digits of every leaver whose 資格喪失日 is older than the retention period are cleared, in
one transaction with one audit row that carries the counts (never a number)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator, TypeVar

from ..domain.retention import my_number_due_for_deletion
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork

CHUNK = 1000  # members whose families are loaded (and whose numbers are deleted) at a time
T = TypeVar("T")


@dataclass(frozen=True)
class Purge:
    on: date
    years: int
    checked: int  # members holding a 個人番号
    purged: int  # members whose 個人番号 is (or, in a dry run, would be) deleted
    dry_run: bool


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def purge_my_numbers(ctx: Context, actor: Actor, years: int | None = None, dry_run: bool = False) -> Purge:
    authorize(actor, Permission.MAINTENANCE)
    years = ctx.policy.my_number_retention_years if years is None else years
    today = ctx.today()
    with ctx.reading() if dry_run else ctx.writing() as uow:
        holders = uow.my_number_retention.holders()
        due = [member for chunk in _chunks(holders) for member in _due(uow, chunk, today, years)]
        result = Purge(today, years, len(holders), len(due), dry_run)
        if dry_run:
            return result
        for chunk in _chunks(due):
            uow.my_number_retention.purge(chunk)
        uow.audit(actor, "my_number.purge", None, on=today.isoformat(), years=years,
                  checked=result.checked, purged=result.purged)
    return result


def _due(uow: UnitOfWork, holders: list[tuple[int, int]], today: date, years: int) -> list[int]:
    """The members among (member id, family id) whose 個人番号 is past its retention on `today`."""
    families = uow.families.of_families(family_id for _, family_id in holders)
    return [member for member, family_id in holders
            if (state := families[family_id].history.state(member, today))
            and my_number_due_for_deletion(state, today, years)]
