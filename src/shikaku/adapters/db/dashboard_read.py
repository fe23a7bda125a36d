"""Read model of the society's figures (ダッシュボード): counts the database makes over the
registry's current knowledge (every registration entered so far, whatever its registration
date), with the readings of the domain:

* eligible on day D: 資格取得日 ≤ D and no loss on or before D — a registered 資格喪失日, the 75th
  birthday, the day after a known coverage end, and for a dependent the same of the insured
  (D-2, D-3, D-4);
* usable マイナ保険証 on day D (R-MYNA-1, -2, -5, -6): eligible, the My Number registration
  published by D, and a card registered for insurance use by D, not cancelled by D, whose
  electronic certificate (with its grace) still works on D.

Rules that hang on a date come as one threshold per day (`service_layer.dashboard.Day`: `on`,
`born_by` — born on or before it, 75 by the day —, `card_floor` — a card whose certificate
expired before it no longer works), so SQL only compares dates and runs the same on SQLite and
PostgreSQL. For the rate over time each member (and each card) gets the interval of days on
which it counts — the first day it counts and the first day it no longer does, both found by a
bisecting CASE — and the database groups the intervals; a running sum over the few groups gives
the count of every day. The registration `data` keys read here (`with_my_number`,
`coverage_ends_on`) are those `domain.registrations.encode` stores."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Callable, Protocol, Sequence

from sqlalchemy import Connection, Date, and_, case, cast, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.sql.elements import ColumnElement

from ...domain.certificates import EligibilityCertificate
from ...domain.registry import Kind
from .certificates import certificate_from_row
from .schema import eligibility_certificates, members, myna_cards, registrations


class Day(Protocol):
    """A day with its thresholds (`service_layer.dashboard.Day`)."""

    on: date
    born_by: date  # born on or before: 75 by this day
    card_floor: date  # a card whose certificate expired before this no longer works


def first_day(count: int, holds: Callable[[int], ColumnElement]) -> ColumnElement:
    """The index of the first of `count` ascending days on which `holds(k)` is true (`count` when
    none), for a condition that stays true once true: a CASE that bisects, log2(count) tests."""
    def within(low: int, high: int) -> ColumnElement:
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case((holds(middle), within(low, middle)), else_=within(middle + 1, high))
    return within(0, count)


def _earlier(a, b) -> ColumnElement:
    """The earlier of two dates, either of which may be NULL (no such date)."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def _lost_by(facts, day: Day) -> ColumnElement:
    """Lost eligibility on or before the day (facts: the columns of `_member_facts`)."""
    return or_(and_(facts.lost_on.is_not(None), facts.lost_on <= day.on),
               facts.oldest_birth <= day.born_by,
               and_(facts.ends_on.is_not(None), facts.ends_on < day.on))


def _eligible_on(facts, day: Day) -> ColumnElement:
    return and_(facts.qualified_on <= day.on, ~_lost_by(facts, day))


class DashboardFigures:
    def __init__(self, conn: Connection):
        self.conn = conn

    # ------------------------------------------------------------------------- member facts

    def _json_date(self, value) -> ColumnElement:
        """A date inside registration data (ISO text), comparable with dates on both databases."""
        return self._as_date(value.as_string())

    def _as_date(self, text) -> ColumnElement:
        return type_coerce(text, Date) if self.conn.dialect.name == "sqlite" else cast(text, Date)

    def _json_has(self, data, *path: str) -> ColumnElement:
        """The registration data sets the key at `path` (to a value or to null)."""
        if self.conn.dialect.name == "sqlite":
            return func.json_type(data, "$." + ".".join(path)).is_not(None)
        # json -> key (#> path): SQL NULL only when the key is absent
        return (data[path[0]] if len(path) == 1 else data[path]).is_not(None)

    def _current(self, scope):
        """The registrations as the society knows them now (取消・訂正, D-124): a cancelled one left
        out, a corrected one with its corrected 効力発生日 and coverage end (the only values read
        here that a 訂正 may change); the corrections themselves are not counted."""
        r, fix = registrations.c, registrations.alias("fix").c
        fixes = select(fix.member_id, fix.data["corrects"].as_integer().label("corrects"),
                       fix.data["effective_on"].as_string().label("effective_on"),
                       self._json_has(fix.data, "values").label("has_values"),
                       self._json_has(fix.data, "values", "coverage_ends_on").label("sets_ends_on"),
                       self._json_date(fix.data[("values", "coverage_ends_on")]).label("ends_on"))
        fixes = fixes.where(fix.kind == Kind.CORRECTION.value)
        if scope is not None:
            fixes = fixes.where(fix.member_id.in_(scope))
        fixes = fixes.subquery()
        ends_on = self._json_date(r.data["coverage_ends_on"])
        current = (select(r.seq, r.member_id, r.kind, r.publish_on, r.data,
                          case((fixes.c.effective_on.is_not(None), self._as_date(fixes.c.effective_on)),
                               else_=r.effective_on).label("effective_on"),
                          case((fixes.c.sets_ends_on, fixes.c.ends_on), else_=ends_on).label("ends_on"),
                          or_(fixes.c.sets_ends_on, self._json_has(r.data, "coverage_ends_on")).label("sets_ends_on"))
                   .outerjoin(fixes, and_(fixes.c.member_id == r.member_id, fixes.c.corrects == r.seq))
                   .where(r.kind != Kind.CORRECTION.value,
                          or_(fixes.c.corrects.is_(None), fixes.c.effective_on.is_not(None), fixes.c.has_values)))
        if scope is not None:
            current = current.where(r.member_id.in_(scope))
        return current.subquery("current")

    def _member_facts(self, among=None):
        """One row per member (or per member of the query of ids `among`) with the dates their
        eligibility and マイナ保険証 depend on; a dependent's loss dates include the insured's."""
        m = members.c
        scope = None
        if among is not None:
            scope = select(m.id).where(m.family_id.in_(select(m.family_id).where(m.id.in_(among))))
        r = self._current(scope).c
        per_member = (select(
            r.member_id,
            func.min(case((r.kind == Kind.DISQUALIFICATION.value, r.effective_on))).label("lost_on"),
            func.min(case((or_(r.kind == Kind.MY_NUMBER.value, and_(
                r.kind == Kind.ENROLMENT.value, r.data["with_my_number"].as_boolean())), r.publish_on)))
            .label("online_from"),
            func.max(case((r.kind == Kind.ENROLMENT.value, r.ends_on))).label("enrolled_ends_on"))
            .group_by(r.member_id))
        # An amendment that sets the coverage end overrides the enrolment's; the latest one counts.
        amended = (select(r.member_id, r.ends_on,
                          func.row_number().over(partition_by=r.member_id,
                                                 order_by=(r.effective_on.desc(), r.seq.desc())).label("n"))
                   .where(r.kind == Kind.AMENDMENT.value, r.sets_ends_on))
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

    # ------------------------------------------------------------------------ rate over time

    def rates(self, days: Sequence[Day]) -> list[tuple[int, int]]:
        """(members eligible, of them with a usable マイナ保険証) on each of the ascending days."""
        facts = self._member_facts().c
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
        for counts, first, after, number in self.conn.execute(grouped):
            changes[counts][first] += number
            changes[counts][after] -= number
        points, running = [], Counter()
        for k in range(n):
            for counts in changes:
                running[counts] += changes[counts][k]
            points.append((running["eligible"], running["usable"]))
        return points

    # ----------------------------------------------------------------------------- certificates

    def certificates_by_reason(self) -> dict[str, int]:
        """Every 資格確認書 issued, reissues included, by 交付理由."""
        c = eligibility_certificates.c
        return dict(self.conn.execute(select(c.reason, func.count()).group_by(c.reason)).all())

    def expiries(self, today: Day, firsts: Sequence[date]) -> list[int]:
        """Certificates not superseded by today whose 有効期限 falls in each month beginning on
        `firsts[k]` (the last of `firsts` ends the last month), held by members eligible today
        (those a renewal concerns)."""
        cert = eligibility_certificates.c
        held = self._member_facts(among=select(cert.member_id))
        facts = held.c
        months = len(firsts) - 1
        month = first_day(months, lambda k: cert.expires_on < firsts[k + 1])
        rows = self.conn.execute(
            select(month, func.count())
            .join(held, facts.id == cert.member_id)
            .where(cert.expires_on.between(today.on, firsts[-1] - timedelta(days=1)),
                   or_(cert.superseded_on.is_(None), cert.superseded_on > today.on),
                   _eligible_on(facts, today))
            .group_by(month))
        counted = dict(rows.all())
        return [counted.get(k, 0) for k in range(months)]

    def leavers_certificates(self, today: Day) -> list[tuple[EligibilityCertificate, int]]:
        """The 資格確認書 of members who lost eligibility by today (by the facts above), each with
        its holder's family id: the candidates for 未回収, which the domain's fold of those
        families decides."""
        cert = eligibility_certificates.c
        held = self._member_facts(among=select(cert.member_id))
        facts = held.c
        rows = self.conn.execute(
            select(eligibility_certificates, facts.family_id).join(held, facts.id == cert.member_id)
            .where(facts.qualified_on <= today.on, _lost_by(facts, today)))
        return [(certificate_from_row(row), row.family_id) for row in rows]
