"""The society's figures (ダッシュボード): counts only, never a My Number.

The database counts (`adapters.db.dashboard_read`) over the registry's current knowledge, with
the readings of the domain; rules that hang on a date (the 75th birthday, the grace after a
card's expiry) become one threshold per day (`Day`), computed here with the domain's own
functions, so that the database only compares dates. Which certificates of leavers are still
out is decided by the domain's fold of their families."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from ..domain.myna import certificate_grace_end
from ..domain.ratio import late_elderly_from
from ..domain.returns import unreturned
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork

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
    days = [Day.of(day, ctx) for day in sorted({*month_ends(on, RATE_MONTHS), on})]
    today = days[-1]
    with ctx.reading() as uow:
        rates = [RatePoint(day.on, *counts) for day, counts in zip(days, uow.dashboard.rates(days))]
        unreturned = unreturned_certificates(uow, today)
        return Figures(on=on, rate_today=rates[-1],
                       rate_by_month=[p for p in rates if p.eligible and (p.on + _DAY).day == 1],
                       certificates_by_reason=uow.dashboard.certificates_by_reason(),
                       expiries_by_month=_expiries(uow, today),
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
class Day:
    """A day with its thresholds."""

    on: date
    born_by: date  # born on or before: 75 by this day
    card_floor: date  # a card expiring before this no longer works

    @classmethod
    def of(cls, day: date, ctx: Context) -> Day:
        return cls(day, born_75_by(day), card_expiry_floor(day, ctx))


# ----------------------------------------------------------------------------- certificates

def _expiries(uow: UnitOfWork, today: Day) -> list[tuple[date, int]]:
    """Certificates not superseded whose 有効期限 falls in each of the coming months, held by
    members eligible today (those a renewal concerns)."""
    firsts = [today.on.replace(day=1)]
    for _ in range(EXPIRY_MONTHS):
        firsts.append((firsts[-1] + timedelta(days=32)).replace(day=1))
    return list(zip(firsts[:-1], uow.dashboard.expiries(today, firsts)))


def unreturned_certificates(uow: UnitOfWork, today: Day) -> list[dict]:
    """資格確認書 of leavers not returned (未返納): held when the holder lost eligibility by today
    and not returned by today (the domain's `returns.unreturned`, D-118). The database narrows to the certificates of members who lost eligibility;
    their loss dates come from the domain's fold of those families."""
    candidates = uow.dashboard.leavers_certificates(today)
    families = uow.families.of_families(family_id for _, family_id in candidates)
    found = []
    for cert, family_id in candidates:
        family = families[family_id]
        lost_on = family.history.state(cert.member_id, today.on).loss.on
        if unreturned(cert, lost_on, today.on):
            record = family.members[cert.member_id]
            i = record.identity
            found.append({"member_id": str(cert.member_id), "symbol": i.symbol, "number": i.number,
                          "branch": i.branch, "name": record.name, "lost_on": lost_on,
                          "serial": cert.serial, "expires_on": cert.expires_on,
                          "certificate_id": str(cert.id), "family_id": family_id,
                          "issued_on": cert.issued_on, "valid_from": cert.valid_from})
    found.sort(key=lambda item: (item["lost_on"], item["serial"]), reverse=True)
    return found
