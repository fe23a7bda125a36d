"""The demo society (デモ用の健康保険組合): a realistic, reproducible registry written in bulk.

`generate` fills an initialised, empty database with a fictional society: about 200 employers
(記号), families of an insured (被保険者) with their spouse, children and sometimes a parent as
dependents (被扶養者), My Numbers in the vault, マイナンバーカード with and without the
health-insurance use registration (利用登録), leavers (資格喪失) and legacy cards (健康保険証).
A handful of named showcase families (記号 1000) come first and stay the same for every seed.

The same seed gives the same society (apart from the AES-GCM nonces) on any backend. Every row
is what the service layer would have written (`service_layer.members.enrol` and friends),
including the family snapshots the read side folds, but written in batches of 20,000 members
straight to the driver (executemany on SQLite, COPY on PostgreSQL) inside one transaction, with
the plain indexes of the loaded tables rebuilt at the end: a million members take about 80 s on
SQLite and 90 s on PostgreSQL on two cores (bench/demo_generation.py). An interrupted run
leaves nothing behind, so the next run starts again from scratch.

Generation runs in two passes. The first plans every family (ages, dates, who depends on whom,
who left) without names or numbers; the plans are then ordered by the insured's 資格取得日 so
that numbers per symbol and member ids grow with enrolment, as in a real registry. The second
pass draws names, My Numbers and cards, and writes.
"""
from __future__ import annotations

import bisect
import gc
import itertools
import random
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import orjson
from faker.providers.person.ja_JP import Provider as _JaPerson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Connection, Engine, func, select, text, update
from stdnum.jp.in_ import calc_check_digit

from ..adapters.db import repository as repo
from ..adapters.db.schema import (
    family_snapshots,
    legacy_cards,
    myna_cards,
    registrations,
    symbols,
)
from ..adapters.db.schema import members as member_table
from ..domain.age import anniversary
from ..domain.legacy import legacy_card_valid_until
from ..domain.registry import Kind, LossReason, Relationship
from ..domain.remuneration import GRADES
from ..service_layer.context import Context

DEMO_INSURER_NUMBER = "06139992"
DEMO_INSURER_NAME = "さくら産業健康保険組合"  # fictional

SHOWCASE_SYMBOL = "1000"  # 見本事業所: the named showcase families
BATCH_MEMBERS = 20_000  # members per executemany batch (their registrations, cards … with them)
FOUNDED = date(1975, 4, 1)  # the society's first day: no 資格取得日 before it
MY_NUMBER_SHARE = 0.93  # members whose 個人番号 the society holds
LATER_MY_NUMBER_SHARE = 0.12  # of those: registered after the enrolment (kind "my_number")
CARD_REGISTERED_SHARE = 0.67  # of those with a My Number: card with 利用登録
CARD_ONLY_SHARE = 0.09  # … and a card without 利用登録
CARD_EXPIRED_SHARE = 0.04  # of the cards: electronic certificate already expired
CANCELLED_SHARE = 0.015  # of the 利用登録: cancelled (解除)
LEGACY_PRINTED_EXPIRY_SHARE = 0.08  # legacy cards with a printed expiry date
# The society holds My Numbers from the start of 情報連携 (2017-11-13); members enrolled
# before gave theirs in a collection campaign ending before online verification (2021-10-20).
MY_NUMBERS_FROM = date(2017, 11, 13)
MY_NUMBER_CAMPAIGN_END = date(2021, 3, 31)
LEGACY_RENEWAL = date(2020, 4, 1)  # the society's last card renewal before the transition
_ONLINE_START = date(2021, 10, 20).toordinal()  # オンライン資格確認 and the 利用登録 began
_REGISTRATION_WAVES = tuple((a.toordinal(), b.toordinal()) for a, b in (
    (date(2021, 10, 20), date(2022, 5, 31)), (date(2022, 6, 1), date(2023, 9, 30)),
    (date(2023, 10, 1), date(2024, 12, 1))))
_PRINTED_EXPIRIES = (date(2025, 3, 31), date(2025, 9, 30), date(2026, 3, 31))

_INSURED, _DEPENDENT = Relationship.INSURED.value, Relationship.DEPENDENT.value
_ENROLMENT, _MY_NUMBER, _DISQUALIFICATION = (Kind.ENROLMENT.value, Kind.MY_NUMBER.value,
                                             Kind.DISQUALIFICATION.value)
_BRANCHES = tuple(f"{b:02d}" for b in range(100))
_YEAR = 365.2425

# Faker's ja_JP tables: (kanji, katakana, romaji); surnames weighted by frequency.
_SURNAMES = tuple(_JaPerson.last_name_pairs.keys())
_SURNAME_WEIGHTS = tuple(itertools.accumulate(float(w) for w in _JaPerson.last_name_pairs.values()))
_SURNAME_TOTAL = _SURNAME_WEIGHTS[-1]
_GIVEN = ((tuple(_JaPerson.first_name_male_pairs)), tuple(_JaPerson.first_name_female_pairs))
_SEX = ("male", "female")

# Insured by age today (18–74): a working-age pyramid with the 団塊ジュニア bulge in the late 40s
# and early 50s, and few beyond 65.
_AGE_BANDS = ((18, 0.3), (19, 0.45), (20, 0.6), (21, 0.7), (22, 0.9), (23, 1.0), (25, 1.0),
              (30, 1.0), (35, 1.05), (40, 1.12), (45, 1.3), (50, 1.3), (55, 1.15), (60, 0.8),
              (63, 0.55), (65, 0.32), (68, 0.2), (70, 0.1), (75, 0))
_INSURED_AGES = tuple(range(18, 75))
_INSURED_AGE_WEIGHTS = tuple(itertools.accumulate(
    next(w for (lo, w), (hi, _) in zip(_AGE_BANDS, _AGE_BANDS[1:]) if lo <= a < hi)
    for a in _INSURED_AGES))
_INSURED_AGE_TOTAL = _INSURED_AGE_WEIGHTS[-1]
# Married share by the insured's age (upper bound of the band, share).
_MARRIED = ((24, 0.08), (29, 0.32), (34, 0.56), (39, 0.66), (49, 0.7), (59, 0.72), (74, 0.76))
_CHILDREN_WEIGHTS = tuple(itertools.accumulate((0.22, 0.28, 0.35, 0.12, 0.03)))
# Wage curve by age (upper bound, factor) for the 標準報酬月額.
_WAGE_CURVE = ((24, 0.7), (29, 0.84), (34, 0.97), (39, 1.08), (44, 1.17), (49, 1.25),
               (54, 1.3), (59, 1.24), (64, 0.88), (74, 0.74))


def _band(table: tuple[tuple[int, float], ...], age: int) -> float:
    return next(value for upper, value in table if age <= upper)


@dataclass(slots=True)
class _Person:
    """One member of a planned family (ordinals for dates; no name or number yet)."""

    role: str  # insured | spouse | child | parent
    female: int
    birth: int
    qualified: int
    registered: int
    lost: int = 0  # 資格喪失日 of a registered loss, 0 when none
    lost_registered: int = 0
    reason: str = ""
    remuneration: int = 0
    exempt: bool = False


@dataclass(slots=True)
class _Showcase:
    """A named person of the showcase families, with the facts the newcomer should find."""

    person: _Person
    name: tuple[str, str]  # kanji, kana
    my_number: str = "registered"  # registered | none | today (registered today, not yet public)
    card: str = "registered"  # registered | none | card_only | expired_grace | cancelled


@dataclass
class _Counts:
    insured: int = 0
    dependents: int = 0
    lost: int = 0
    with_my_number: int = 0
    my_number_later: int = 0
    cards: int = 0
    myna_registered: int = 0
    myna_cancelled: int = 0
    legacy_cards: int = 0
    families: int = 0


class _Generator:
    def __init__(self, ctx: Context, conn: Connection, members_wanted: int, seed: int):
        self.ctx, self.conn = ctx, conn
        self.rng = random.Random(seed)
        self.wanted = members_wanted
        self.today = ctx.today()
        self.t = self.today.toordinal()
        self.min_birth = self._reached_75_limit()
        self.grades = GRADES.on(self.today)
        self._grade_mids = [(a + b) / 2 for a, b in zip(self.grades, self.grades[1:])]
        self.legacy_last = ctx.policy.legacy_card_issue.last.toordinal()
        self.my_number_start = min(MY_NUMBERS_FROM.toordinal(), self.t)
        self.my_number_campaign_days = max(
            1, min(MY_NUMBER_CAMPAIGN_END.toordinal(), self.t) - self.my_number_start + 1)
        self.legacy_renewal = min(LEGACY_RENEWAL.toordinal(), self.legacy_last)
        self._seal, self._lookup_hash = ctx.vault.storing.seal, ctx.vault.storing.lookup_hash
        self.counts = _Counts()
        self._dates: dict[int, date] = {}
        # Every day from the oldest birth to today, as ISO text and as publish_on (R-MYNA-2,
        # memoised by the calendar too): the rows of a million members look these up millions
        # of times.
        self._base = min(self.min_birth, FOUNDED.toordinal())
        self._isos = [date.fromordinal(o).isoformat() for o in range(self._base, self.t + 1)]
        self._publish: dict[int, str] = {}
        self._valid_until: dict[tuple, str] = {}
        self._numbers_used: set[str] = set()
        self._cards_used: set[str] = set()
        self.showcase_lines: list[str] = []
        self._reset_batch()

    # ------------------------------------------------------------------ helpers

    def _reached_75_limit(self) -> int:
        """The earliest birth ordinal of someone still under 75 today (R-RATIO-4)."""
        t = self.today
        try:
            birthday_75 = t.replace(year=t.year - 75)
        except ValueError:  # 02-29
            birthday_75 = date(t.year - 75, 2, 28)
        return birthday_75.toordinal() + 1

    def d(self, ordinal: int) -> date:
        value = self._dates.get(ordinal)
        if value is None:
            value = self._dates[ordinal] = date.fromordinal(ordinal)
        return value

    def iso(self, ordinal: int) -> str:
        if self._base <= ordinal <= self.t:
            return self._isos[ordinal - self._base]
        return self.d(ordinal).isoformat()

    def publish(self, ordinal: int) -> str:
        """publish_on (ISO) of a registration entered on `ordinal` (R-MYNA-2)."""
        value = self._publish.get(ordinal)
        if value is None:
            value = self._publish[ordinal] = self.ctx.publish_on(self.d(ordinal)).isoformat()
        return value

    def birth_for_age(self, age: float) -> int:
        """A birth ordinal for someone `age` years old today (fraction = into the year)."""
        return min(self.t, max(self.min_birth, self.t - int(age * _YEAR)))

    def registered_after(self, qualified: int, not_before: int = 0) -> int:
        """登録日: 1–10 days after the 資格取得日, never after today nor before `not_before`."""
        return max(not_before, min(self.t, qualified + 1 + int(self.rng.random() * 10)))

    def grade(self, amount: float) -> int:
        return self.grades[bisect.bisect(self._grade_mids, amount)]

    # ------------------------------------------------------------------ pass 1: family plans

    def plan_family(self) -> list[_Person]:
        rng, t = self.rng, self.t
        age = _INSURED_AGES[bisect.bisect(_INSURED_AGE_WEIGHTS, rng.random() * _INSURED_AGE_TOTAL)]
        birth = self.birth_for_age(age + rng.random())
        female = int(rng.random() < (0.42 if age < 40 else 0.36 if age < 60 else 0.28))
        qualified = self._hire(age, birth)
        insured = _Person("insured", female, birth, qualified, self.registered_after(qualified))
        insured.remuneration = self._remuneration(age, female)
        insured.exempt = rng.random() < (0.08 if insured.remuneration <= 126_000 else 0.006)
        # The insured leaves: recent years, more often when young or past 60.
        if rng.random() < (0.07 if age < 30 else 0.09 if age >= 60 else 0.045):
            first = max(qualified + 30, t - 3 * 365)
            if first < t:
                insured.lost = rng.randint(first, t - 1)
                insured.lost_registered = min(t, insured.lost + rng.randint(1, 14))
                u = rng.random()
                death = 0.05 if age >= 60 else 0.015
                insured.reason = (LossReason.DEATH if u < death else
                                  LossReason.EMPLOYER_LEFT if u < death + 0.09 else
                                  LossReason.RETIREMENT).value
        dependents: list[_Person] = []
        married_age = self._married_age(age)
        spouse_birth = 0
        spouse_dependent = False
        if married_age is not None:
            marriage = birth + int((married_age + rng.random()) * _YEAR)
            gap = round(rng.gauss(2, 3))
            spouse_age = age - gap if not female else age + gap
            if 18 <= spouse_age <= 74 and rng.random() < (0.2 if female else 0.78):
                spouse_dependent = True
                spouse_birth = self.birth_for_age(spouse_age + rng.random())
                q = max(qualified, marriage, spouse_birth + int(18 * _YEAR))
                dependents.append(_Person("spouse", 1 - female, spouse_birth, q, 0))
            dependents.extend(self._children(insured, marriage, spouse_dependent))
        if 30 <= age <= 50 and rng.random() < 0.025:
            parent_age = age + rng.randint(25, 35)
            if 60 <= parent_age <= 74:
                parent_birth = self.birth_for_age(parent_age + rng.random())
                q = max(qualified, parent_birth + int((60 + rng.random() * 5) * _YEAR))
                dependents.append(_Person("parent", int(rng.random() < 0.65), parent_birth, q, 0))
        family = [insured]
        for person in dependents:
            if person.qualified > t or (insured.lost and person.qualified >= insured.lost):
                continue  # not (yet) covered
            person.registered = self.registered_after(person.qualified, insured.registered)
            self._dependent_leaves(person, insured)
            family.append(person)
        # 枝番 in order of enrolment (registration), spouse before children on the same day.
        family[1:] = sorted(family[1:], key=lambda p: (p.registered, p.qualified, p.role != "spouse",
                                                       p.birth))
        return family

    def _hire(self, age: int, birth: int) -> int:
        """資格取得日: straight from school (on April 1st), or a mid-career hire."""
        rng, t = self.rng, self.t
        u = rng.random()
        start = 22 if u < 0.55 else 18 if u < 0.75 else 20 if u < 0.9 else 24
        if age < start:
            start = 18
        if rng.random() < (0.5 if age >= 55 else 0.4):
            year = self.d(birth + int((start + 0.5) * _YEAR)).year
            qualified = date(year, 4, 1).toordinal()
        else:
            hire_age = start + rng.random() ** 1.4 * (age + 1 - start)
            qualified = birth + int(hire_age * _YEAR)
            if rng.random() < 0.6:  # most mid-career hires start on the 1st of a month
                day = self.d(min(qualified, t))
                qualified = date(day.year, day.month, 1).toordinal()
        return min(t, max(qualified, FOUNDED.toordinal(), birth + int(18 * _YEAR) + 1))

    def _remuneration(self, age: int, female: int) -> int:
        amount = 345_000 * _band(_WAGE_CURVE, age) * (0.8 if female else 1.0) \
            * self.rng.lognormvariate(0, 0.33)
        return self.grade(amount)

    def _married_age(self, age: int) -> float | None:
        if self.rng.random() >= _band(_MARRIED, age):
            return None
        return max(18.0, min(age - self.rng.random() * 3, max(20.0, self.rng.gauss(30, 4))))

    def _children(self, insured: _Person, marriage: int, spouse_dependent: bool) -> list[_Person]:
        """Children born after the marriage; dependents up to 22 (students from 19)."""
        rng, t = self.rng, self.t
        if not spouse_dependent and rng.random() >= (0.35 if insured.female else 0.6):
            return []  # covered through the other parent's insurance
        count = bisect.bisect(_CHILDREN_WEIGHTS, rng.random() * _CHILDREN_WEIGHTS[-1])
        children = []
        born = marriage + int((0.8 + rng.random() * 3) * _YEAR)
        for _ in range(count):
            if born > t:
                break
            age = (t - born) / _YEAR
            if age < 25:
                child = _Person("child", int(rng.random() < 0.49), born,
                                max(born, insured.qualified), 0)
                if age < 18 or (age < 22 and rng.random() < 0.6):
                    children.append(child)
                else:  # a dependent until starting work (on April 1st after school)
                    start = date(self.d(born + int((18 if age < 22 else 22) * _YEAR)).year + 1, 4, 1)
                    child.lost = start.toordinal()
                    child.reason = LossReason.OTHER_INSURANCE.value
                    recent = t - 2 * 365 <= child.lost <= t
                    if child.lost > child.qualified and (recent or (age < 23 and child.lost > t)) \
                            and rng.random() < 0.5:
                        children.append(child)
            born += int((1.2 + rng.random() * 3) * _YEAR)
        return children

    def _dependent_leaves(self, person: _Person, insured: _Person) -> None:
        """A dependent's own registered loss, only when it comes before the insured's."""
        rng, t = self.rng, self.t
        if not person.lost:
            u = rng.random()
            if person.role == "spouse" and u < 0.04:
                person.reason = (LossReason.OTHER_INSURANCE if u < 0.028 else
                                 LossReason.DEPENDENT_INELIGIBLE).value
            elif person.role == "parent" and u < 0.03:
                person.reason = LossReason.DEATH.value
            elif person.role == "child" and u < 0.004:
                person.reason = LossReason.DEPENDENT_INELIGIBLE.value
            else:
                return
            first = max(person.qualified + 30, t - 3 * 365)
            person.lost = rng.randint(first, t - 1) if first < t else 0
        end = insured.lost or t + 1
        if not person.qualified < person.lost <= min(end - 1, t):
            person.lost, person.reason = 0, ""
            return
        person.lost_registered = max(person.registered,
                                     min(t, person.lost + rng.randint(1, 14)))

    # ------------------------------------------------------------------ pass 2: rows

    def _reset_batch(self) -> None:
        self.batch: dict[str, list[tuple]] = {name: [] for name in _COLUMNS}
        self.member_rows = self.batch["members"]
        self.registration_rows = self.batch["registrations"]
        self.snapshot_rows = self.batch["family_snapshots"]
        self.card_rows = self.batch["myna_cards"]
        self.legacy_rows = self.batch["legacy_cards"]

    def new_my_number(self) -> str:
        """A fresh valid 個人番号 (R-NUM-2): 11 random digits, the first not 0, and the check digit."""
        random_ = self.rng.random
        while True:
            first11 = str(10_000_000_000 + int(random_() * 90_000_000_000))
            number = first11 + calc_check_digit(first11)
            if number not in self._numbers_used:
                self._numbers_used.add(number)
                return number

    def new_card_id(self) -> str:
        while True:
            card_id = f"C{self.rng.getrandbits(60):015X}"
            if card_id not in self._cards_used:
                self._cards_used.add(card_id)
                return card_id

    def emit_family(self, symbol: str, number: str, family: list[_Person],
                    showcase: list[_Showcase] | None = None) -> list[int]:
        """Appends the rows of one family to the batch; returns the member ids."""
        random_, t, counts = self.rng.random, self.t, self.counts
        seal, lookup_hash = self._seal, self._lookup_hash
        isos, base = self._isos, self._base  # every date of a member lies in [base, today]
        member_rows = self.member_rows
        family_id = self.next_id
        size = len(family)
        self.next_id += size
        insured = family[0]
        surname = _SURNAMES[bisect.bisect(_SURNAME_WEIGHTS, random_() * _SURNAME_TOTAL)]
        identities: list[list] = []
        events: list[tuple] = []
        counts.families += 1
        for branch_index, person in enumerate(family):
            member_id = family_id + branch_index
            special = showcase[branch_index] if showcase else None
            if special:
                name, kana = special.name
            else:
                own = surname if person.role != "parent" or random_() < 0.8 else \
                    _SURNAMES[bisect.bisect(_SURNAME_WEIGHTS, random_() * _SURNAME_TOTAL)]
                names = _GIVEN[person.female]
                given = names[int(random_() * len(names))]
                name, kana = f"{own[0]} {given[0]}", f"{own[1]} {given[1]}"
            relationship = _INSURED if branch_index == 0 else _DEPENDENT
            branch = _BRANCHES[branch_index]
            # 個人番号: most have one; some gave it only after the enrolment.
            has_my_number = special.my_number != "none" if special else random_() < MY_NUMBER_SHARE
            later = 0
            if not has_my_number:
                pass
            elif special and special.my_number == "today":
                later = t
            elif person.registered < self.my_number_start:
                # Enrolled before the society could hold My Numbers: the collection campaign.
                later = self.my_number_start + int(random_() * self.my_number_campaign_days)
            elif not special and person.registered < t - 5 and random_() < LATER_MY_NUMBER_SHARE:
                later = min(t, person.registered + 5 + int(random_() * 396))
            if has_my_number:
                clear = self.new_my_number()
                digest = lookup_hash(clear)
                cipher, last4 = seal(clear), clear[-4:]
                counts.with_my_number += 1
                if later:
                    counts.my_number_later += 1
                self._card(person, digest, special.card if special else None)
            else:
                digest = cipher = last4 = None
            birth = isos[person.birth - base]
            member_rows.append((
                member_id, family_id, relationship, symbol, number, branch,
                size - 1 if branch_index == 0 else 0, name, kana, birth,
                isos[person.qualified - base],
                cipher, digest, last4))
            identities.append([member_id, family_id, relationship, symbol, number, branch])
            if branch_index == 0:
                data: dict[str, Any] = {
                    "name": name, "name_kana": kana, "birth_date": birth,
                    "sex": _SEX[person.female], "coverage_ends_on": None,
                    "with_my_number": has_my_number and not later,
                    "standard_monthly_remuneration": person.remuneration,
                    "resident_tax_exempt": person.exempt}
                counts.insured += 1
            else:
                data = {"name": name, "name_kana": kana, "birth_date": birth,
                        "sex": _SEX[person.female], "coverage_ends_on": None,
                        "with_my_number": has_my_number and not later}
                counts.dependents += 1
            events.append((person.registered, 0, branch_index, member_id, _ENROLMENT,
                           person.qualified, data))
            if later:
                events.append((later, 1, branch_index, member_id, _MY_NUMBER, later, {}))
            if person.lost:
                events.append((person.lost_registered, 2, branch_index, member_id,
                               _DISQUALIFICATION, person.lost, {"reason": person.reason}))
            lost = person.lost or (insured.lost if branch_index else 0)
            if lost and lost <= t:
                counts.lost += 1
            if person.registered <= self.legacy_last:
                self._legacy_card(member_id, person, lost)
        if len(events) > 1:
            events.sort(key=_event_order)
        snapshot = []
        registration_rows, dumps, publish = self.registration_rows, orjson.dumps, self.publish
        seq = self.next_seq
        for registered, _, _, member_id, kind, effective, data in events:
            effective_on, registered_on = isos[effective - base], isos[registered - base]
            publish_on = publish(registered)
            registration_rows.append((seq, family_id, member_id, kind, effective_on, registered_on,
                                      publish_on, dumps(data).decode()))
            snapshot.append([seq, member_id, kind, effective_on, registered_on, publish_on, data])
            seq += 1
        self.next_seq = seq
        self.snapshot_rows.append((family_id, repo.snapshot_payload(identities, snapshot)))
        return list(range(family_id, family_id + size))

    def _card(self, person: _Person, digest: str, kind: str | None) -> None:
        """マイナンバーカード of a member with a My Number (national side), maybe registered."""
        rng, t = self.rng, self.t
        if kind is None:
            u = rng.random()
            if u >= CARD_REGISTERED_SHARE + CARD_ONLY_SHARE:
                return
            kind = "registered" if u < CARD_REGISTERED_SHARE else "card_only"
            if rng.random() < CARD_EXPIRED_SHARE:
                kind = "expired"
            elif kind == "registered" and rng.random() < CANCELLED_SHARE:
                kind = "cancelled"
        if kind == "none":
            return
        birth = self.d(person.birth)
        # The electronic certificate expires on a birthday: a few in the last two years (the
        # showcase within the 3-month grace, R-MYNA-5), most in the next five.
        if kind in ("expired", "expired_grace"):
            back = self.d(t - 40 if kind == "expired_grace" else t - rng.randint(1, 700))
            expires = anniversary(birth, back.year - birth.year)
            if expires.toordinal() >= t:
                expires = anniversary(birth, expires.year - 1 - birth.year)
        else:
            expires = anniversary(birth, self.today.year + rng.randint(1, 5) - birth.year)
        registered = cancelled = None
        if kind != "card_only":
            first = max(_ONLINE_START, person.birth + 60)
            # A cancelled registration is at least a month old, so that the 解除 fits before today.
            last = min(t - 31 if kind == "cancelled" else t - 1, expires.toordinal())
            if first <= last:
                registered_ord = self._insurance_registration(first, last)
                registered = self.iso(registered_ord)
                if kind == "cancelled":
                    cancelled = self.iso(rng.randint(registered_ord + 30, t))
        self.card_rows.append((self.new_card_id(), digest, expires.isoformat(), registered,
                               cancelled))
        counts = self.counts
        counts.cards += 1
        if registered and not cancelled:
            counts.myna_registered += 1
        if cancelled:
            counts.myna_cancelled += 1

    def _insurance_registration(self, first: int, last: int) -> int:
        """利用登録日: waves of 2022–2023 (マイナポイント) and late 2024 (end of the legacy card)."""
        u = self.rng.random()
        lo, hi = (_REGISTRATION_WAVES[0] if u < 0.12 else _REGISTRATION_WAVES[1] if u < 0.57 else
                  _REGISTRATION_WAVES[2] if u < 0.85 else (_REGISTRATION_WAVES[2][1] + 1, self.t))
        lo, hi = max(first, lo), min(last, hi)
        if lo > hi:
            lo, hi = first, last
        return self.rng.randint(lo, hi)

    def _legacy_card(self, member_id: int, person: _Person, lost: int) -> None:
        """健康保険証 of a member registered on or before 2024-12-01 (R-LEG-1): issued on
        registration or at the last renewal, unless they had left by then."""
        issued = max(person.registered, self.legacy_renewal)
        if lost and lost <= issued:
            return
        expires = None
        if self.rng.random() < LEGACY_PRINTED_EXPIRY_SHARE:
            expires = self.rng.choice(_PRINTED_EXPIRIES)
            if expires.toordinal() < issued:
                expires = None
        key = (issued, expires)
        valid_until = self._valid_until.get(key)
        if valid_until is None:
            valid_until = self._valid_until[key] = legacy_card_valid_until(
                self.d(issued), expires, self.ctx.policy).isoformat()
        self.legacy_rows.append((member_id, self.iso(issued),
                                 expires.isoformat() if expires else None, valid_until))
        self.counts.legacy_cards += 1

    @property
    def batch_size(self) -> int:
        return len(self.member_rows)

    def take_batch(self) -> dict[str, list[tuple]]:
        batch = self.batch
        self._reset_batch()
        return batch


def _event_order(event: tuple) -> tuple:
    """Registrations of a family in order of entry: day, then enrolment before My Number before
    loss, then branch."""
    return event[0], event[1], event[2]


# ---------------------------------------------------------------------- writing

# The columns written, in the order of the row tuples (dates as ISO strings, JSON as text).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("id", "family_id", "relationship", "symbol", "number", "branch", "last_branch",
                "name", "name_kana", "birth_date", "qualified_on", "my_number_cipher",
                "my_number_hash", "my_number_last4"),
    "registrations": ("seq", "family_id", "member_id", "kind", "effective_on", "registered_on",
                      "publish_on", "data"),
    "family_snapshots": ("family_id", "payload"),
    "myna_cards": ("card_id", "my_number_hash", "certificate_expires_on",
                   "insurance_registered_on", "insurance_cancelled_on"),
    "legacy_cards": ("member_id", "issued_on", "expires_on", "valid_until"),
}
_TABLES = {table.name: table for table in (member_table, registrations, family_snapshots,
                                           myna_cards, legacy_cards)}


def _check_columns() -> None:
    """Fails loudly when the schema gained a required column this generator does not write."""
    for name, columns in _COLUMNS.items():
        table = _TABLES[name]
        missing = [c.name for c in table.columns if c.name not in columns and not c.nullable
                   and c.default is None and c.server_default is None
                   and not (c.primary_key and c.autoincrement in (True, "auto"))]
        unknown = [c for c in columns if c not in table.c]
        if missing or unknown:
            raise RuntimeError(f"demo generator out of date for table {name}: "
                               f"missing {missing}, unknown {unknown}")


class _Writer:
    """Writes batches on the transaction's own DBAPI connection: executemany on SQLite, COPY on
    PostgreSQL. Parameters go to the driver as they are (ISO dates, JSON text): SQLAlchemy's
    per-row type processing doubled the run time. (A writer thread was slower still: the
    sqlite3 module releases the GIL around every row, and the handoffs cost more than the
    overlap gained.)"""

    def __init__(self, conn: Connection):
        _check_columns()
        self.raw = conn.connection.dbapi_connection
        self.postgres = conn.dialect.name == "postgresql"
        quote = conn.dialect.identifier_preparer.quote
        self.statements = {}
        for name, columns in _COLUMNS.items():
            names = ", ".join(quote(c) for c in columns)
            self.statements[name] = (
                f"COPY {quote(name)} ({names}) FROM STDIN" if self.postgres else
                f"INSERT INTO {quote(name)} ({names}) VALUES ({', '.join('?' * len(columns))})")

    def write(self, batch: dict[str, list[tuple]]) -> None:
        cursor = self.raw.cursor()
        try:
            for name in _COLUMNS:  # members first: the others refer to them
                rows = batch[name]
                if not rows:
                    continue
                if self.postgres:
                    with cursor.copy(self.statements[name]) as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.executemany(self.statements[name], rows)
        finally:
            cursor.close()


# ---------------------------------------------------------------------- showcase

def _showcase(g: _Generator) -> list[tuple[list[_Showcase], Callable[[list[int]], str]]]:
    """見本の世帯 (記号 1000): stable, easy cases for a newcomer. Dates follow today."""
    t = g.t

    def born(years: int, days: int) -> int:
        """Birth ordinal of someone `years` old today whose birthday was `days` ago."""
        birthday = anniversary(g.d(t - days), -years)
        return birthday.toordinal()

    def p(role, female, birth, qualified, remuneration=0, **kw) -> _Person:
        person = _Person(role, female, birth, qualified, 0, remuneration=remuneration, **kw)
        return person

    def reg(person: _Person, days: int = 3, not_before: int = 0) -> _Person:
        person.registered = max(not_before, min(t, person.qualified + days))
        return person

    def pub(ordinal: int) -> str:
        return _japanese_date(date.fromisoformat(g.publish(ordinal)))

    families = []
    # 1 新生児のいる世帯: 未就学2割の子、個人番号は本日登録 (公開は翌々営業日).
    taro = reg(p("insured", 0, born(36, 80), date(2013, 4, 1).toordinal(), 380_000))
    hanako = reg(p("spouse", 1, born(34, 200), date(2016, 6, 1).toordinal()), 5, taro.registered)
    shota_birth = born(4, 150)
    shota = reg(p("child", 0, shota_birth, shota_birth), 7, taro.registered)
    yui_birth = t - 20
    yui = p("child", 1, yui_birth, yui_birth)
    reg(yui, 6)
    families.append(([
        _Showcase(taro, ("山田 太郎", "ヤマダ タロウ")),
        _Showcase(hanako, ("山田 花子", "ヤマダ ハナコ")),
        _Showcase(shota, ("山田 翔太", "ヤマダ ショウタ"), card="none"),
        _Showcase(yui, ("山田 結衣", "ヤマダ ユイ"), my_number="today", card="none"),
    ], lambda ids: (
        f"山田 太郎（ID {ids[0]}、番号 1）の世帯：妻 花子（枝番 01）、4歳の翔太（枝番 02、未就学2割、"
        f"カードなし）、生後20日の結衣（ID {ids[3]}、枝番 03）。結衣の個人番号は本日登録したため、"
        f"オンライン資格確認に載るのは翌々営業日の {pub(t)} から")))
    # 2 高齢受給者 (72歳) 現役並み3割、妻70歳 (証明書は失効後の猶予期間中).
    minoru = reg(p("insured", 0, born(72, 120), date(1977, 4, 1).toordinal(), 410_000))
    chiyo = reg(p("spouse", 1, born(70, 45), date(1980, 10, 1).toordinal()), 5, minoru.registered)
    families.append(([
        _Showcase(minoru, ("鈴木 稔", "スズキ ミノル")),
        _Showcase(chiyo, ("鈴木 千代", "スズキ チヨ"), card="expired_grace"),
    ], lambda ids: (
        f"鈴木 稔（ID {ids[0]}、番号 2）は72歳の高齢受給者で標準報酬月額41万円のため現役並み3割、"
        f"妻 千代（70歳、枝番 01）も3割。千代のカードは電子証明書の期限切れ後の猶予期間中")))
    # 3 個人番号未登録: online verification cannot find her; legacy card no longer valid.
    naoko = reg(p("insured", 1, born(45, 30), date(2008, 4, 1).toordinal(), 260_000))
    families.append(([_Showcase(naoko, ("佐藤 直子", "サトウ ナオコ"), my_number="none",
                                card="none")],
                     lambda ids: (f"佐藤 直子（ID {ids[0]}、番号 3）は個人番号が未登録で、"
                                  "オンライン資格確認では見つからず資格確認書の対象")))
    # 4 利用登録を解除した人 (⑨), 標準報酬月額53万円 (区分イ).
    kenichi = reg(p("insured", 0, born(58, 10), date(1991, 4, 1).toordinal(), 530_000))
    families.append(([_Showcase(kenichi, ("高橋 健一", "タカハシ ケンイチ"), card="cancelled")],
                     lambda ids: (f"高橋 健一（ID {ids[0]}、番号 4）はマイナ保険証の利用登録を解除済み、"
                                  "限度額区分イ")))
    # 5 2024-12-02 以後の加入: 健康保険証なし, マイナ保険証あり.
    yoko = reg(p("insured", 1, born(29, 60), t - 40, 240_000), 2)
    families.append(([_Showcase(yoko, ("田中 陽子", "タナカ ヨウコ"))],
                     lambda ids: (f"田中 陽子（ID {ids[0]}、番号 5）は40日前に加入、健康保険証はなく"
                                  "マイナ保険証を利用")))
    # 6 退職した被保険者と、それに伴い資格を失った被扶養者.
    osamu = reg(p("insured", 0, born(63, 90), date(1986, 4, 1).toordinal(), 440_000))
    osamu.lost, osamu.reason = t - 60, LossReason.RETIREMENT.value
    osamu.lost_registered = t - 55
    akemi = reg(p("spouse", 1, born(61, 40), date(1990, 5, 1).toordinal()), 5, osamu.registered)
    families.append(([
        _Showcase(osamu, ("伊藤 治", "イトウ オサム")),
        _Showcase(akemi, ("伊藤 明美", "イトウ アケミ")),
    ], lambda ids: (f"伊藤 治（ID {ids[0]}、番号 6）は60日前に退職して資格喪失、妻 明美（枝番 01）も"
                    "被保険者の喪失に伴い資格なし")))
    # 7 住民税非課税の被保険者; 就職して扶養を外れた子.
    mikako = reg(p("insured", 1, born(52, 170), date(2012, 7, 1).toordinal(), 98_000, exempt=True))
    nanami = reg(p("child", 1, born(21, 300), date(2012, 7, 1).toordinal()), 5, mikako.registered)
    nanami.lost, nanami.reason = t - 100, LossReason.OTHER_INSURANCE.value
    nanami.lost_registered = t - 92
    families.append(([
        _Showcase(mikako, ("渡辺 美加子", "ワタナベ ミカコ"), card="card_only"),
        _Showcase(nanami, ("渡辺 七夏", "ワタナベ ナナミ")),
    ], lambda ids: (f"渡辺 美加子（ID {ids[0]}、番号 7）は住民税非課税（カードはあるが利用登録なし）、"
                    f"娘 七夏（枝番 01）は就職して100日前に扶養を外れた")))
    # 8 75歳の誕生日が近い人 (後期高齢者医療へ移行予定).
    manabu_birth = anniversary(g.d(t + 20), -75).toordinal()
    manabu = reg(p("insured", 0, manabu_birth, date(1975, 4, 1).toordinal(), 300_000))
    families.append(([_Showcase(manabu, ("山本 学", "ヤマモト マナブ"))],
                     lambda ids: (f"山本 学（ID {ids[0]}、番号 8）は20日後に75歳の誕生日を迎え、"
                                  f"その日に資格を喪失して後期高齢者医療へ移行")))
    # 9 個人番号はあるがカードを持たない人 (⑤).
    kazuya = reg(p("insured", 0, born(40, 15), date(2009, 4, 1).toordinal(), 320_000))
    families.append(([_Showcase(kazuya, ("中村 和也", "ナカムラ カズヤ"), card="none")],
                     lambda ids: (f"中村 和也（ID {ids[0]}、番号 9）は個人番号登録済みだがマイナンバー"
                                  "カードなし")))
    return families


def showcase_card(ctx: Context) -> str:
    """The card id of 山田 太郎 (記号 1000 番号 1), the showcase member of the portal."""
    with ctx.reading() as conn:
        return conn.execute(
            select(myna_cards.c.card_id).join(
                member_table, member_table.c.my_number_hash == myna_cards.c.my_number_hash)
            .where(member_table.c.symbol == SHOWCASE_SYMBOL, member_table.c.number == "1",
                   member_table.c.branch == "00")
        ).scalar_one()


def _japanese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------------- entry point

def generate(ctx: Context, members: int, seed: int, console: Console | None = None) -> str:
    """Generates a demo society of about `members` members (insured and dependents) into the
    initialised database of `ctx`; returns a Japanese summary. Does nothing when the database
    already has members."""
    started = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of long-lived small objects: the cycle collector would rescan them
    with ctx.engine.connect() as conn:
        restore = _bulk_settings(conn)
        try:
            conn = conn.execution_options(write=True)
            with conn.begin():
                existing = conn.execute(select(func.count()).select_from(member_table)).scalar_one()
                if existing:
                    return _existing_summary(conn, existing)
                g = _Generator(ctx, conn, members, seed)
                _run(g, console)
                _finish(conn, g)
        finally:
            restore()
            if gc_was_enabled:
                gc.enable()
    _vacuum(ctx.engine)
    return _summary(g, time.perf_counter() - started)


def _run(g: _Generator, console: Console | None) -> None:
    conn = g.conn
    g.next_id = (conn.execute(select(func.max(member_table.c.id))).scalar() or 0) + 1
    g.next_seq = (conn.execute(select(func.max(registrations.c.seq))).scalar() or 0) + 1
    last_numbers = {row.symbol: row.last_number for row in conn.execute(select(symbols))}
    g.existing_symbols = set(last_numbers)
    showcase = _showcase(g)
    shown = sum(len(f) for f, _ in showcase)
    employers = _employers(g.rng, max(5, min(200, g.wanted // 50)), set(last_numbers))
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(employers))))
    total_weight = weights[-1]
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=console is None)
    with progress:
        planning = progress.add_task("世帯を設計", total=max(0, g.wanted - shown))
        plans: list[tuple[int, int, int, list[_Person]]] = []
        planned = 0
        random_ = g.rng.random
        while planned < g.wanted - shown:
            family = g.plan_family()
            employer = bisect.bisect(weights, random_() * total_weight)
            plans.append((family[0].qualified, family[0].registered, employer, family))
            planned += len(family)
            if len(plans) % 10_000 == 0:
                progress.update(planning, completed=planned)
        progress.update(planning, completed=planned)
        # Numbers per symbol and ids follow the order of enrolment.
        plans.sort(key=_plan_order)
        writing = progress.add_task("書き込み", total=shown + planned)
        indexes = _drop_secondary_indexes(conn)
        writer = _Writer(conn)
        last_numbers.setdefault(SHOWCASE_SYMBOL, 0)
        for family, describe in showcase:
            last_numbers[SHOWCASE_SYMBOL] += 1
            ids = g.emit_family(SHOWCASE_SYMBOL, str(last_numbers[SHOWCASE_SYMBOL]),
                                [s.person for s in family], family)
            g.showcase_lines.append(describe(ids))
        written = 0
        for index, (_, _, employer, family) in enumerate(plans):
            plans[index] = None  # type: ignore[call-overload]  # free the plan as we go
            symbol = employers[employer]
            number = last_numbers.get(symbol, 0) + 1
            last_numbers[symbol] = number
            g.emit_family(symbol, str(number), family)
            if g.batch_size >= BATCH_MEMBERS:
                written += g.batch_size
                writer.write(g.take_batch())
                progress.update(writing, completed=written)
        written += g.batch_size
        writer.write(g.take_batch())
        progress.update(writing, completed=written)
        indexing = progress.add_task("索引を作成", total=len(indexes))
        for definition in indexes:
            conn.exec_driver_sql(definition)
            progress.advance(indexing)
    g.last_numbers = last_numbers
    g.employers = len(set(last_numbers) - g.existing_symbols)  # symbols used, showcase included


def _plan_order(plan: tuple) -> tuple[int, int]:
    return plan[0], plan[1]


def _employers(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """記号 of the employers: 4–6 digits, the older (bigger) ones shorter."""
    found: list[str] = []
    taken = taken | {SHOWCASE_SYMBOL}
    while len(found) < count:
        digits = 4 if len(found) < count * 0.3 else 5 if len(found) < count * 0.7 else 6
        symbol = str(rng.randrange(10 ** (digits - 1), 10 ** digits))
        if symbol not in taken:
            taken.add(symbol)
            found.append(symbol)
    return found


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drops the plain indexes of the (empty) tables about to be loaded and returns their exact
    definitions: building an index once after the load is several times faster than keeping
    it up to date row by row (random keys: My Number hashes, kana, dates). The DDL is part of
    the load's transaction, so a failed load leaves the schema as it was. Primary keys and
    unique constraints stay."""
    tables = list(_COLUMNS)
    if conn.dialect.name == "sqlite":
        found = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (" + ", ".join(f"'{t}'" for t in tables) + ")")).all()
    elif conn.dialect.name == "postgresql":
        found = conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(:tables) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT x.indisprimary AND NOT x.indisunique"), {"tables": tables}).all()
    else:
        return []
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in found:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [definition for _, definition in found]


def _finish(conn: Connection, g: _Generator) -> None:
    """記号 counters, and on PostgreSQL the sequences past the ids given here."""
    new = [{"symbol": s, "last_number": n} for s, n in g.last_numbers.items()
           if s not in g.existing_symbols]
    if new:
        conn.execute(symbols.insert(), new)
    for s in g.existing_symbols:
        conn.execute(update(symbols).where(symbols.c.symbol == s)
                     .values(last_number=g.last_numbers[s]))
    if conn.dialect.name == "postgresql":
        for table, column in (("members", "id"), ("registrations", "seq")):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                              f"(SELECT max({column}) FROM {table}))"))


def _vacuum(engine: Engine) -> None:
    """On PostgreSQL, once the load has committed: VACUUM (ANALYZE) the loaded tables, so that
    their statistics, visibility maps and hint bits are written now rather than by an
    autovacuum and the first readers while the society is already serving (D-91)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in (*_COLUMNS, "symbols"):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {conn.dialect.identifier_preparer.quote(table)}")


def _bulk_settings(conn: Connection) -> Callable[[], None]:
    """On SQLite: no fsync and a large page cache for the load, restored afterwards (on this
    connection only)."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    raw = conn.connection.dbapi_connection
    before = {name: raw.execute(f"PRAGMA {name}").fetchone()[0]
              for name in ("synchronous", "cache_size")}
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-262144")  # 256 MiB

    def restore() -> None:
        for name, value in before.items():
            raw.execute(f"PRAGMA {name}={int(value)}")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    return restore


def _existing_summary(conn: Connection, existing: int) -> str:
    insured = conn.execute(select(func.count()).select_from(member_table)
                           .where(member_table.c.relationship == _INSURED)).scalar_one()
    return (f"データベースにはすでに加入者が {existing:,} 人（被保険者 {insured:,} 人、"
            f"被扶養者 {existing - insured:,} 人）登録されているため、デモデータは生成しませんでした。")


def _summary(g: _Generator, elapsed: float) -> str:
    c = g.counts
    total = c.insured + c.dependents
    share = c.with_my_number / total * 100 if total else 0
    head = (
        f"{DEMO_INSURER_NAME}（保険者番号 {DEMO_INSURER_NUMBER}）のデモデータを {elapsed:.1f} 秒で"
        f"生成しました：加入者 {total:,} 人（被保険者 {c.insured:,} 人、被扶養者 {c.dependents:,} 人、"
        f"{c.families:,} 世帯、事業所 {g.employers} か所）、うち資格喪失者 {c.lost:,} 人、"
        f"個人番号登録済み {c.with_my_number:,} 人（{share:.1f}%、うち加入後に登録 "
        f"{c.my_number_later:,} 人）、マイナ保険証利用登録 {c.myna_registered:,} 人（ほかに解除 "
        f"{c.myna_cancelled:,} 人）、健康保険証（令和6年12月1日以前の交付）{c.legacy_cards:,} 件。"
        f"基準日は {_japanese_date(g.today)}、見本の世帯は記号 {SHOWCASE_SYMBOL} にあります：")
    return "\n".join([head, *(f"・{line}。" for line in g.showcase_lines)])
