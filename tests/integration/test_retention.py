"""`shikaku my-number purge`: leavers' 個人番号 are deleted once the retention period after the
資格喪失日 is over (boundary dates), a dry run changes nothing, the audit row has counts only."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shikaku.adapters.db.schema import audit_log, members
from shikaku.entrypoints.cli import app
from shikaku.service_layer import commands, retention
from shikaku.service_layer import members as member_service
from tests.builders import dependent_body, enrolled, insured_body, my_number


@pytest.fixture
def society_with_leavers(ctx, admin):
    """An insured and dependent who left on 2019-06-01, one who left on 2019-06-02, one still in."""
    def enrol(body):
        return enrolled(ctx, admin, body).id

    def leave(member_id, on):
        member_service.disqualify(ctx, admin, member_id, commands.Disqualification(
            disqualified_on=on, registered_on=on, reason="retirement"))

    old = dict(qualified_on="2010-04-01", registered_on="2010-04-02")
    left = enrol(insured_body(**old))
    dependent = enrol(dependent_body(left, **old))
    later = enrol(insured_body(**old))
    staying = enrol(insured_body(**old))
    leave(left, "2019-06-01")  # the dependent loses coverage with the insured (D-2)
    leave(later, "2019-06-02")
    return {"left": left, "dependent": dependent, "later": later, "staying": staying}


def holders(ctx) -> set[str]:
    with ctx.connection() as conn:
        rows = conn.execute(select(members.c.id).where(members.c.my_number_cipher.is_not(None)))
        return {str(r.id) for r in rows}


def test_kept_through_the_last_day_of_the_period(ctx, admin, society_with_leavers):
    ctx.today = lambda: date(2026, 5, 31)
    result = retention.purge_my_numbers(ctx, admin, years=7)
    assert (result.checked, result.purged) == (4, 0)
    assert len(holders(ctx)) == 4


def test_deleted_from_the_anniversary_of_the_loss(ctx, admin, society_with_leavers):
    ids = society_with_leavers
    ctx.today = lambda: date(2026, 6, 1)
    result = retention.purge_my_numbers(ctx, admin, years=7)
    assert result.purged == 2
    assert holders(ctx) == {ids["later"], ids["staying"]}
    with ctx.connection() as conn:
        gone = conn.execute(select(members).where(members.c.id == int(ids["left"]))).one()
        row = conn.execute(select(audit_log).where(audit_log.c.action == "my_number.purge")).one()
    assert (gone.my_number_cipher, gone.my_number_hash, gone.my_number_last4) == (None, None, None)
    assert row.detail == {"on": "2026-06-01", "years": 7, "checked": 4, "purged": 2}
    assert member_service.get_member(ctx, admin, ids["left"]).my_number_masked is None
    ctx.today = lambda: date(2026, 6, 2)
    assert retention.purge_my_numbers(ctx, admin, years=7).purged == 1  # the one who left a day later


def test_a_dry_run_counts_and_changes_nothing(ctx, admin, society_with_leavers):
    ctx.today = lambda: date(2030, 1, 1)
    result = retention.purge_my_numbers(ctx, admin, dry_run=True)  # the policy's 7 years
    assert (result.years, result.purged, result.dry_run) == (7, 3, True)
    assert len(holders(ctx)) == 4
    with ctx.connection() as conn:
        assert not conn.execute(select(audit_log).where(audit_log.c.action == "my_number.purge")).first()


def test_the_command_takes_the_period_and_never_prints_a_number(ctx, admin, db_url):
    mn = my_number()
    member = enrolled(ctx, admin, insured_body(my_number=mn, qualified_on="2010-04-01", registered_on="2010-04-02"))
    member_service.disqualify(ctx, admin, member.id, commands.Disqualification(
        disqualified_on="2019-06-01", registered_on="2019-06-01", reason="retirement"))
    runner = CliRunner()
    tried = runner.invoke(app, ["my-number", "purge", "--before-years", "5", "--dry-run", "--db", db_url])
    assert tried.exit_code == 0 and "削除の対象: 1 人" in tried.output, tried.output
    done = runner.invoke(app, ["my-number", "purge", "--before-years", "5", "--db", db_url])
    assert done.exit_code == 0 and "削除しました: 1 人" in done.output and mn not in done.output
    assert not holders(ctx)
