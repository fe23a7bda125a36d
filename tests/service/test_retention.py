"""保存期間 (service_layer.retention): the 個人番号 of leavers past the retention period are
deleted in one unit of work with one audit row of counts; a dry run stores nothing."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.registry import LossReason
from shikaku.service_layer import commands, members, retention
from shikaku.service_layer.auth import Actor, Forbidden, Role
from tests.builders import my_number
from tests.service.test_members import insured

ADMIN = Actor(Role.ADMIN, "admin")


def leaver(ctx, clerk, lost_on: date | None) -> int:
    """An insured holding a 個人番号 who left on `lost_on` (None: still a member)."""
    enrolled = members.enrol(ctx, clerk, insured(my_number=my_number(), qualified_on=date(2010, 4, 1),
                                                 registered_on=date(2010, 4, 5)))
    if lost_on:
        members.disqualify(ctx, clerk, enrolled.id, commands.Disqualification(
            disqualified_on=lost_on, reason=LossReason.RETIREMENT, registered_on=lost_on))
    return int(enrolled.id)


@pytest.fixture
def leavers(ctx, clerk):
    """A leaver of 2015 (past 7 years on 2026-06-01), one of 2024, and a member."""
    return leaver(ctx, clerk, date(2015, 4, 1)), leaver(ctx, clerk, date(2024, 4, 1)), leaver(ctx, clerk, None)


def my_numbers(store) -> dict[int, bool]:
    return {m: r.my_number is not None for f in store.families.values() for m, r in f.members.items()}


def test_the_numbers_past_the_retention_are_deleted(ctx, store, leavers):
    old, recent, member = leavers
    result = retention.purge_my_numbers(ctx, ADMIN, years=7)
    assert (result.on, result.checked, result.purged, result.dry_run) == (date(2026, 6, 1), 3, 1, False)
    assert my_numbers(store) == {old: False, recent: True, member: True}
    assert store.audit[-1] == dict(actor="admin", role="admin", action="my_number.purge", target=None,
                                   detail={"on": "2026-06-01", "years": 7, "checked": 3, "purged": 1})
    again = retention.purge_my_numbers(ctx, ADMIN, years=7)
    assert (again.checked, again.purged) == (2, 0)


def test_the_policy_gives_the_period_and_a_dry_run_stores_nothing(ctx, store, leavers):
    audited = len(store.audit)
    result = retention.purge_my_numbers(ctx, ADMIN, dry_run=True)
    assert (result.years, result.purged) == (ctx.policy.my_number_retention_years, 1)
    assert my_numbers(store) == {m: True for m in leavers} and len(store.audit) == audited


def test_a_shorter_period_takes_the_recent_leaver_too(ctx, store, leavers):
    old, recent, member = leavers
    assert retention.purge_my_numbers(ctx, ADMIN, years=2).purged == 2
    assert my_numbers(store) == {old: False, recent: False, member: True}


def test_only_an_admin_may(ctx, store, clerk, leavers):
    with pytest.raises(Forbidden):
        retention.purge_my_numbers(ctx, clerk)
    assert my_numbers(store) == {m: True for m in leavers}
