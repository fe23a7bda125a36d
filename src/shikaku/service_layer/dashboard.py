"""The society's figures (ダッシュボード): counts only, never a My Number.

The database does the counting, over the registry's current knowledge (every registration
entered so far, whatever its registration date), with the readings of the domain:

* eligible on day D: 資格取得日 ≤ D and no loss on or before D — a registered 資格喪失日, the 75th
  birthday, the day after a known coverage end, and for a dependent the same of the insured
  (D-2, D-3, D-4);
* usable マイナ保険証 on day D (R-MYNA-1, -2, -5, -6): eligible, the My Number registration
  published by D, and a card registered for insurance use by D, not cancelled by D, whose
  electronic certificate (with its grace) still works on D.

Rules that hang on a date (the 75th birthday, the grace after a card's expiry) become one
threshold per day, computed in Python with the domain's own functions, so SQL only compares
dates and runs the same on SQLite and PostgreSQL. For the rate over time each member (and each
card) gets the interval of days on which it counts — the first day it counts and the first day
it no longer does, both found by a bisecting CASE — and the database groups the intervals; a
running sum over the few groups gives the count of every day."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import Connection, Date, and_, case, cast, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.sql.elements import ColumnElement

from ..adapters.db import repository as repo
from ..adapters.db.schema import eligibility_certificates, members, myna_cards, registrations
from ..domain.myna import certificate_grace_end
from ..domain.ratio import late_elderly_from
from ..domain.registry import Kind
from .auth import Actor, Permission, authorize
from .context import Context

RATE_MONTHS = 24  # month ends on the registration-rate chart
EXPIRY_MONTHS = 12  # months ahead on the expiry chart
UNRETURNED_SHOWN = 50  # leavers listed by name (the count is of all)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RatePoint:
    on: date
    eligible: int  # members eligible on the day
    usable: int  # of them, with a usable マイナ保険証

    @property
    def rate(self) -> float | None:
        return self.usable / self.eligible if self.eligible else None


@dataclass(frozen=True, slots=True)
class Figures:
    on: date
    rate_today: RatePoint
    rate_by_month: list[RatePoint]  # month ends, oldest first, from the first with members
    certificates_by_reason: dict[str, int]  # every 資格確認書 issued, reissues included
    expiries_by_month: list[tuple[date, int]]  # (first day of the month, certificates)
    unreturned: list[dict]  # newest loss first, at most UNRETURNED_SHOWN
    unreturned_total: int


def figures(ctx: Context, actor: Actor, on: date | None = None) -> Figures:
    """Everything the dashboard shows, as of `on` (default today), read in one transaction. The
    list of unreturned certificates names members, so it takes the right to read them too."""
    authorize(actor, Permission.DASHBOARD)
    authorize(actor, Permission.MEMBERS_READ)
    on = on or ctx.today()
    days = [_Day.of(day, ctx) for day in sorted({*month_ends(on, RATE_MONTHS), on})]
    today = days[-1]
    with ctx.reading() as conn:
        rates = _rates(conn, days)
        unreturned = _unreturned(conn, today)
        return Figures(on=on, rate_today=rates[-1],
                       rate_by_month=[p for p in rates if p.eligible and (p.on + _DAY).day == 1],
                       certificates_by_reason=_certificates_by_reason(conn),
                       expiries_by_month=_expiries(conn, today),
                       unreturned=unreturned[:UNRETURNED_SHOWN], unreturned_total=len(unreturned))


def month_ends(on: date, count: int) -> list[date]:
    """The last `count` month ends on or before `on`, oldest first."""
    end = on if (on + _DAY).day == 1 else on.replace(day=1) - _DAY
    ends = []
    for _ in range(count):
        ends.append(end)
        end = end.replace(day=1) - _DAY
    return ends[::-1]


def _last_true(holds: Callable[[date], bool], guess: date) -> date:
    """The last day on which `holds` (true up to some day, false after) is true, searched from a
    guess a few days off."""
    while not holds(guess):
        guess -= _DAY
    while holds(guess + _DAY):
        guess += _DAY
    return guess


def born_75_by(day: date) -> date:
    """The latest birth date of someone whose 75th birthday is on or before `day` (R-RATIO-4)."""
    return _last_true(lambda birth: late_elderly_from(birth) <= day,
                      date(day.year - 75, day.month, min(day.day, 28)))


def card_expiry_floor(day: date, ctx: Context) -> date:
    """The earliest electronic-certificate expiry with which a card still works on `day` (R-MYNA-5)."""
    guess = day.replace(day=1) - timedelta(days=31 * ctx.policy.myna_certificate_grace_months)
    return _last_true(lambda expiry: certificate_grace_end(expiry, ctx.policy) < day, guess) + _DAY


@dataclass(frozen=True, slots=True)
class _Day:
    """A day with its thresholds."""

    on: date
    born_by: date  # born on or before: 75 by this day
    card_floor: date  # a card expiring before this no longer works

    @classmethod
    def of(cls, day: date, ctx: Context) -> _Day:
        return cls(day, born_75_by(day), card_expiry_floor(day, ctx))


# ----------------------------------------------------------------------------- member facts

def _json_date(conn: Connection, data, key: str) -> ColumnElement:
    """A date inside registration data (ISO text), comparable with dates on both databases."""
    text = data[key].as_string()
    return type_coerce(text, Date) if conn.dialect.name == "sqlite" else cast(text, Date)


def _json_has(conn: Connection, data, key: str) -> ColumnElement:
    """The registration data sets `key` (to a value or to null)."""
    if conn.dialect.name == "sqlite":
        return func.json_type(data, f"$.{key}").is_not(None)
    return data[key].is_not(None)  # json -> key: SQL NULL only when the key is absent


def _earlier(a, b) -> ColumnElement:
    """The earlier of two dates, either of which may be NULL (no such date)."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def _member_facts(conn: Connection, among=None):
    """One row per member (or per member of the query of ids `among`) with the dates their
    eligibility and マイナ保険証 depend on; a dependent's loss dates include the insured's."""
    r, m = registrations.c, members.c
    scope = None
    if among is not None:
        scope = select(m.id).where(m.family_id.in_(select(m.family_id).where(m.id.in_(among))))
    per_member = (select(
        r.member_id,
        func.min(case((r.kind == Kind.DISQUALIFICATION.value, r.effective_on))).label("lost_on"),
        func.min(case((or_(r.kind == Kind.MY_NUMBER.value, and_(
            r.kind == Kind.ENROLMENT.value, r.data["with_my_number"].as_boolean())), r.publish_on)))
        .label("online_from"),
        func.max(case((r.kind == Kind.ENROLMENT.value, _json_date(conn, r.data, "coverage_ends_on"))))
        .label("enrolled_ends_on"))
        .group_by(r.member_id))
    # An amendment that sets the coverage end overrides the enrolment's; the latest one counts.
    amended = (select(r.member_id, _json_date(conn, r.data, "coverage_ends_on").label("ends_on"),
                      func.row_number().over(partition_by=r.member_id,
                                             order_by=(r.effective_on.desc(), r.seq.desc())).label("n"))
               .where(r.kind == Kind.AMENDMENT.value, _json_has(conn, r.data, "coverage_ends_on")))
    if scope is not None:
        per_member, amended = per_member.where(r.member_id.in_(scope)), amended.where(r.member_id.in_(scope))
    per_member, amended = per_member.subquery(), amended.subquery()
    own = (select(m.id, m.birth_date, per_member.c.lost_on, per_member.c.online_from,
                  case((amended.c.n.is_(None), per_member.c.enrolled_ends_on), else_=amended.c.ends_on)
                  .label("ends_on"))
           .join(per_member, per_member.c.member_id == m.id)
           .outerjoin(amended, and_(amended.c.member_id == m.id, amended.c.n == 1))
           .cte("own").prefix_with("MATERIALIZED"))
    insured = own.alias("insured")
    return (select(m.id, m.family_id, m.qualified_on, m.my_number_hash, own.c.online_from,
                   _earlier(own.c.lost_on, insured.c.lost_on).label("lost_on"),
                   _earlier(own.c.ends_on, insured.c.ends_on).label("ends_on"),
                   _earlier(own.c.birth_date, insured.c.birth_date).label("oldest_birth"))
            .join(own, own.c.id == m.id).join(insured, insured.c.id == m.family_id)
            .cte("facts").prefix_with("MATERIALIZED"))


def _lost_by(facts, day: _Day) -> ColumnElement:
    """Lost eligibility on or before the day (facts: the columns of `_member_facts`)."""
    return or_(and_(facts.lost_on.is_not(None), facts.lost_on <= day.on),
               facts.oldest_birth <= day.born_by,
               and_(facts.ends_on.is_not(None), facts.ends_on < day.on))


def _eligible_on(facts, day: _Day) -> ColumnElement:
    return and_(facts.qualified_on <= day.on, ~_lost_by(facts, day))


# ------------------------------------------------------------------------ rate over time

def first_day(count: int, holds: Callable[[int], ColumnElement]) -> ColumnElement:
    """The index of the first of `count` ascending days on which `holds(k)` is true (`count` when
    none), for a condition that stays true once true: a CASE that bisects, log2(count) tests."""
    def within(low: int, high: int) -> ColumnElement:
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case((holds(middle), within(low, middle)), else_=within(middle + 1, high))
    return within(0, count)


def _rates(conn: Connection, days: list[_Day]) -> list[RatePoint]:
    """Eligible members and those with a usable マイナ保険証 on each of the ascending days."""
    facts = _member_facts(conn).c
    n = len(days)
    start = first_day(n, lambda k: facts.qualified_on <= days[k].on)
    end = first_day(n, lambda k: _lost_by(facts, days[k]))
    eligible = select(literal("eligible").label("counts"), start.label("start"), end.label("end"))
    card = myna_cards.c
    usable_from = first_day(n, lambda k: and_(
        facts.qualified_on <= days[k].on, facts.online_from <= days[k].on,
        card.insurance_registered_on <= days[k].on))
    usable_until = first_day(n, lambda k: or_(
        _lost_by(facts, days[k]), card.insurance_cancelled_on <= days[k].on,
        card.certificate_expires_on < days[k].card_floor))
    per_card = (select(facts.id, usable_from.label("start"), usable_until.label("end"))
                .join(myna_cards, card.my_number_hash == facts.my_number_hash)
                .cte("per_card").prefix_with("MATERIALIZED"))
    # A member with several cards counts once: each card adds only the days after those of the
    # member's cards that start earlier.
    covered = func.max(per_card.c.end).over(partition_by=per_card.c.id,
                                            order_by=(per_card.c.start, per_card.c.end), rows=(None, -1))
    clipped = select(per_card.c.start, per_card.c.end, covered.label("covered")).subquery()
    usable = select(literal("usable").label("counts"),
                    case((clipped.c.covered > clipped.c.start, clipped.c.covered),
                         else_=clipped.c.start).label("start"),
                    clipped.c.end)
    # Materialized, so that each bisecting CASE runs once a row.
    both = union_all(eligible, usable).cte("intervals").prefix_with("MATERIALIZED")
    grouped = (select(both.c.counts, both.c.start, both.c.end, func.count())
               .where(both.c.start < both.c.end).group_by(both.c.counts, both.c.start, both.c.end))
    changes = {"eligible": Counter(), "usable": Counter()}
    for counts, first, after, number in conn.execute(grouped):
        changes[counts][first] += number
        changes[counts][after] -= number
    points, running = [], Counter()
    for k, day in enumerate(days):
        for counts in changes:
            running[counts] += changes[counts][k]
        points.append(RatePoint(day.on, running["eligible"], running["usable"]))
    return points


# ----------------------------------------------------------------------------- certificates

def _certificates_by_reason(conn: Connection) -> dict[str, int]:
    c = eligibility_certificates.c
    return dict(conn.execute(select(c.reason, func.count()).group_by(c.reason)).all())


def _expiries(conn: Connection, today: _Day) -> list[tuple[date, int]]:
    """Certificates not superseded whose 有効期限 falls in each of the coming months, held by
    members eligible today (those a renewal concerns)."""
    cert = eligibility_certificates.c
    held = _member_facts(conn, among=select(cert.member_id))
    facts = held.c
    firsts = [today.on.replace(day=1)]
    for _ in range(EXPIRY_MONTHS):
        firsts.append((firsts[-1] + timedelta(days=32)).replace(day=1))
    month = first_day(EXPIRY_MONTHS, lambda k: cert.expires_on < firsts[k + 1])
    rows = conn.execute(
        select(month, func.count())
        .join(held, facts.id == cert.member_id)
        .where(cert.expires_on.between(today.on, firsts[-1] - _DAY),
               or_(cert.superseded_on.is_(None), cert.superseded_on > today.on),
               _eligible_on(facts, today))
        .group_by(month))
    counted = dict(rows.all())
    return [(first, counted.get(k, 0)) for k, first in enumerate(firsts[:-1])]


def _unreturned(conn: Connection, today: _Day) -> list[dict]:
    """資格確認書 of leavers not returned. The registry records no return, so a certificate counts
    as unreturned when its holder lost eligibility by today while holding it: issued before the
    資格喪失日, expiring on or after it, not superseded on or before it. SQL narrows to the
    certificates of members who lost eligibility; their loss dates come from the domain's fold
    of those families."""
    cert, m = eligibility_certificates.c, members.c
    held = _member_facts(conn, among=select(cert.member_id))
    facts = held.c
    rows = conn.execute(
        select(cert.serial, cert.issued_on, cert.expires_on, cert.superseded_on, m.id, m.family_id,
               m.symbol, m.number, m.branch, m.name)
        .join(members, m.id == cert.member_id).join(held, facts.id == cert.member_id)
        .where(facts.qualified_on <= today.on, _lost_by(facts, today))).all()
    families = repo.load_families(conn, (row.family_id for row in rows))
    found = []
    for row in rows:
        lost_on = families[row.family_id].state(row.id, today.on).loss.on
        if row.issued_on < lost_on <= row.expires_on and \
                (row.superseded_on is None or row.superseded_on > lost_on):
            found.append({"member_id": str(row.id), "symbol": row.symbol, "number": row.number,
                          "branch": row.branch, "name": row.name, "lost_on": lost_on,
                          "serial": row.serial, "expires_on": row.expires_on})
    found.sort(key=lambda item: (item["lost_on"], item["serial"]), reverse=True)
    return found
