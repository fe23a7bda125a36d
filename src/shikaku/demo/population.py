"""The population of the demo society (デモの加入者): who the families are, when things happen to
them, and every random draw — a plan in day ordinals, with no registration made.

Planning runs in two passes. `Planner.plan_family` plans a family (ages, dates, who depends on
whom, who left, who changed their name) with no names or numbers, so that the plans can be
ordered by enrolment before anything is drawn for them; `Planner.draw` then gives each person a
name, maybe a 個人番号 (at the enrolment or later), a マイナンバーカード and a 健康保険証. What the
plan becomes in the registry is decided by the `Family` aggregate (`demo.loading`).
"""
from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from faker.providers.person.ja_JP import Provider as _JaPerson
from stdnum.jp.in_ import calc_check_digit

from ..domain.age import anniversary
from ..domain.registry import LossReason
from ..domain.remuneration import GRADES
from ..service_layer.context import Context

FOUNDED = date(1975, 4, 1)  # the society's first day: no 資格取得日 before it
MY_NUMBER_SHARE = 0.93  # members whose 個人番号 the society holds
LATER_MY_NUMBER_SHARE = 0.12  # of those: registered after the enrolment (kind "my_number")
RENAMED_SHARE = 0.9  # of the insured women who married after joining: 氏名変更 (変更届)
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
_YEAR = 365.2425

# Faker's ja_JP tables: (kanji, katakana, romaji); surnames weighted by frequency.
_SURNAMES = tuple(_JaPerson.last_name_pairs.keys())
_SURNAME_WEIGHTS = tuple(itertools.accumulate(float(w) for w in _JaPerson.last_name_pairs.values()))
_SURNAME_TOTAL = _SURNAME_WEIGHTS[-1]
_GIVEN = ((tuple(_JaPerson.first_name_male_pairs)), tuple(_JaPerson.first_name_female_pairs))

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


class Days(dict):
    """The date of a day ordinal, remembered: a million members look up the same few thousand
    days millions of times."""

    def __missing__(self, ordinal: int) -> date:
        day = self[ordinal] = date.fromordinal(ordinal)
        return day


@dataclass(slots=True)
class Card:
    """マイナンバーカード (national side): certificate expiry, 利用登録 and its 解除 (0: none)."""

    card_id: str
    expires: date
    registered: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class Fixed:
    """What the plan fixes of a person of the showcase families: the name (kanji, kana), the
    個人番号 (registered | none | today: registered today, not yet public) and the card
    (registered | none | card_only | expired_grace | cancelled)."""

    name: tuple[str, str]
    my_number: str = "registered"
    card: str = "registered"


@dataclass(slots=True)
class Person:
    """One member of a planned family, in day ordinals (0: does not happen). `role` is the
    insured or the 続柄 of a dependent; `name`/`kana` are the name today, and a 氏名変更 on
    `renamed` (registered on `renamed_registered`) replaced the name `former` at enrolment."""

    role: str  # insured | spouse | child | parent
    female: int
    birth: int
    qualified: int
    registered: int
    lost: int = 0  # 資格喪失日 of a registered loss
    lost_registered: int = 0
    reason: str = ""
    loss_corrected_to: int = 0  # a 訂正 of that 資格喪失日 (D-124) …
    loss_corrected_on: int = 0  # … registered on this day (the showcase's)
    remuneration: int = 0
    exempt: bool = False
    renamed: int = 0
    renamed_registered: int = 0
    # Drawn in the second pass:
    name: str = ""
    kana: str = ""
    former: tuple[str, str] | None = None
    my_number: str | None = None  # the clear 個人番号, sealed by the loader
    my_number_on: int = 0  # 登録日 of a 個人番号 given after the enrolment
    card: Card | None = None
    legacy: tuple[int, date | None] | None = None  # 健康保険証: issued, printed expiry


class Planner:
    """Plans families and draws their people; one seeded random stream for the whole society."""

    def __init__(self, ctx: Context, seed: int):
        self.rng = random.Random(seed)
        self.today = ctx.today()
        self.t = self.today.toordinal()
        self.days = Days()
        self.min_birth = self._reached_75_limit()
        self.grades = GRADES.on(self.today)
        self._grade_mids = [(a + b) / 2 for a, b in zip(self.grades, self.grades[1:])]
        self.legacy_last = ctx.policy.legacy_card_issue.last.toordinal()
        self.my_number_start = min(MY_NUMBERS_FROM.toordinal(), self.t)
        self.my_number_campaign_days = max(
            1, min(MY_NUMBER_CAMPAIGN_END.toordinal(), self.t) - self.my_number_start + 1)
        self.legacy_renewal = min(LEGACY_RENEWAL.toordinal(), self.legacy_last)
        self._numbers_used: set[str] = set()
        self._cards_used: set[str] = set()

    # ------------------------------------------------------------------ helpers

    def _reached_75_limit(self) -> int:
        """The earliest birth ordinal of someone still under 75 today (R-RATIO-4)."""
        t = self.today
        try:
            birthday_75 = t.replace(year=t.year - 75)
        except ValueError:  # 02-29
            birthday_75 = date(t.year - 75, 2, 28)
        return birthday_75.toordinal() + 1

    def birth_for_age(self, age: float) -> int:
        """A birth ordinal for someone `age` years old today (fraction = into the year)."""
        return min(self.t, max(self.min_birth, self.t - int(age * _YEAR)))

    def registered_after(self, qualified: int, not_before: int = 0) -> int:
        """登録日: 1–10 days after the 資格取得日, never after today nor before `not_before`."""
        return max(not_before, min(self.t, qualified + 1 + int(self.rng.random() * 10)))

    def grade(self, amount: float) -> int:
        return self.grades[bisect.bisect(self._grade_mids, amount)]

    def employers(self, count: int, taken: set[str]) -> list[str]:
        """記号 of the employers: 4–6 digits, the older (bigger) ones shorter."""
        found: list[str] = []
        taken = set(taken)
        while len(found) < count:
            digits = 4 if len(found) < count * 0.3 else 5 if len(found) < count * 0.7 else 6
            symbol = str(self.rng.randrange(10 ** (digits - 1), 10 ** digits))
            if symbol not in taken:
                taken.add(symbol)
                found.append(symbol)
        return found

    # ------------------------------------------------------------------ pass 1: family plans

    def plan_family(self) -> list[Person]:
        """The insured first, then the dependents in order of enrolment (their 枝番)."""
        rng, t = self.rng, self.t
        age = _INSURED_AGES[bisect.bisect(_INSURED_AGE_WEIGHTS, rng.random() * _INSURED_AGE_TOTAL)]
        birth = self.birth_for_age(age + rng.random())
        female = int(rng.random() < (0.42 if age < 40 else 0.36 if age < 60 else 0.28))
        qualified = self._hire(age, birth)
        insured = Person("insured", female, birth, qualified, self.registered_after(qualified))
        insured.remuneration = self._remuneration(age, female)
        insured.exempt = rng.random() < (0.08 if insured.remuneration <= 126_000 else 0.006)
        self._insured_leaves(insured, age)
        dependents: list[Person] = []
        married_age = self._married_age(age)
        spouse_dependent = False
        if married_age is not None:
            marriage = birth + int((married_age + rng.random()) * _YEAR)
            self._name_change(insured, marriage)
            gap = round(rng.gauss(2, 3))
            spouse_age = age - gap if not female else age + gap
            if 18 <= spouse_age <= 74 and rng.random() < (0.2 if female else 0.78):
                spouse_dependent = True
                spouse_birth = self.birth_for_age(spouse_age + rng.random())
                q = max(qualified, marriage, spouse_birth + int(18 * _YEAR))
                dependents.append(Person("spouse", 1 - female, spouse_birth, q, 0))
            dependents.extend(self._children(insured, marriage, spouse_dependent))
        if 30 <= age <= 50 and rng.random() < 0.025:
            parent_age = age + rng.randint(25, 35)
            if 60 <= parent_age <= 74:
                parent_birth = self.birth_for_age(parent_age + rng.random())
                q = max(qualified, parent_birth + int((60 + rng.random() * 5) * _YEAR))
                dependents.append(Person("parent", int(rng.random() < 0.65), parent_birth, q, 0))
        family = [insured]
        for person in dependents:
            if person.qualified > t or (insured.lost and person.qualified >= insured.lost):
                continue  # not (yet) covered: a dependent only while the insured is
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
            year = self.days[birth + int((start + 0.5) * _YEAR)].year
            qualified = date(year, 4, 1).toordinal()
        else:
            hire_age = start + rng.random() ** 1.4 * (age + 1 - start)
            qualified = birth + int(hire_age * _YEAR)
            if rng.random() < 0.6:  # most mid-career hires start on the 1st of a month
                day = self.days[min(qualified, t)]
                qualified = date(day.year, day.month, 1).toordinal()
        return min(t, max(qualified, FOUNDED.toordinal(), birth + int(18 * _YEAR) + 1))

    def _insured_leaves(self, insured: Person, age: int) -> None:
        """資格喪失 of the insured: in recent years, more often when young or past 60."""
        rng, t = self.rng, self.t
        if rng.random() >= (0.07 if age < 30 else 0.09 if age >= 60 else 0.045):
            return
        first = max(insured.qualified + 30, t - 3 * 365)
        if first >= t:
            return
        insured.lost = rng.randint(first, t - 1)
        insured.lost_registered = min(t, insured.lost + rng.randint(1, 14))
        u = rng.random()
        death = 0.05 if age >= 60 else 0.015
        insured.reason = (LossReason.DEATH if u < death else
                          LossReason.EMPLOYER_LEFT if u < death + 0.09 else
                          LossReason.RETIREMENT).value

    def _name_change(self, insured: Person, marriage: int) -> None:
        """An insured woman who married while covered takes the family's surname (氏名変更,
        registered within a month of the marriage: after her enrolment, before her loss)."""
        end = insured.lost or self.t + 1
        if not insured.female or not insured.registered < marriage < end - 30:
            return
        if self.rng.random() < RENAMED_SHARE:
            insured.renamed = marriage
            insured.renamed_registered = min(self.t, marriage + self.rng.randint(5, 30))

    def _remuneration(self, age: int, female: int) -> int:
        amount = 345_000 * _band(_WAGE_CURVE, age) * (0.8 if female else 1.0) \
            * self.rng.lognormvariate(0, 0.33)
        return self.grade(amount)

    def _married_age(self, age: int) -> float | None:
        if self.rng.random() >= _band(_MARRIED, age):
            return None
        return max(18.0, min(age - self.rng.random() * 3, max(20.0, self.rng.gauss(30, 4))))

    def _children(self, insured: Person, marriage: int, spouse_dependent: bool) -> list[Person]:
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
                child = Person("child", int(rng.random() < 0.49), born, max(born, insured.qualified), 0)
                if age < 18 or (age < 22 and rng.random() < 0.6):
                    children.append(child)
                else:  # a dependent until starting work (on April 1st after school)
                    start = date(self.days[born + int((18 if age < 22 else 22) * _YEAR)].year + 1, 4, 1)
                    child.lost = start.toordinal()
                    child.reason = LossReason.OTHER_INSURANCE.value
                    recent = t - 2 * 365 <= child.lost <= t
                    if child.lost > child.qualified and (recent or (age < 23 and child.lost > t)) \
                            and rng.random() < 0.5:
                        children.append(child)
            born += int((1.2 + rng.random() * 3) * _YEAR)
        return children

    def _dependent_leaves(self, person: Person, insured: Person) -> None:
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
        person.lost_registered = max(person.registered, min(t, person.lost + rng.randint(1, 14)))

    # ------------------------------------------------------------------ pass 2: people

    def surname(self) -> tuple[str, str, str]:
        return _SURNAMES[bisect.bisect(_SURNAME_WEIGHTS, self.rng.random() * _SURNAME_TOTAL)]

    def draw(self, family: list[Person], fixed: Sequence[Fixed] | None = None) -> None:
        """Names, 個人番号, cards of a planned family, person by person (`fixed`: what the
        showcase fixes of each)."""
        random_ = self.rng.random
        surname = self.surname()
        insured_lost = family[0].lost
        for index, person in enumerate(family):
            if fixed:
                self._fixed(person, fixed[index])
            else:
                own = surname if person.role != "parent" or random_() < 0.8 else self.surname()
                names = _GIVEN[person.female]
                given = names[int(random_() * len(names))]
                person.name, person.kana = f"{own[0]} {given[0]}", f"{own[1]} {given[1]}"
                if person.renamed:
                    maiden = self.surname()
                    person.former = f"{maiden[0]} {given[0]}", f"{maiden[1]} {given[1]}"
                self._draw_my_number(person)
            lost = person.lost or (insured_lost if index else 0)
            if person.registered <= self.legacy_last:
                self._legacy_card(person, lost)

    def _fixed(self, person: Person, fixed: Fixed) -> None:
        person.name, person.kana = fixed.name
        if fixed.my_number != "none":
            self._give_my_number(person, self.t if fixed.my_number == "today" else 0, fixed.card)

    def _draw_my_number(self, person: Person) -> None:
        """個人番号: most have one; some gave it only after the enrolment."""
        random_ = self.rng.random
        if random_() >= MY_NUMBER_SHARE:
            return
        later = 0
        if self.my_number_start <= person.registered < self.t - 5 and random_() < LATER_MY_NUMBER_SHARE:
            later = min(self.t, person.registered + 5 + int(random_() * 396))
        self._give_my_number(person, later, None)

    def _give_my_number(self, person: Person, later: int, card: str | None) -> None:
        """A 個人番号 registered on `later` (0: with the enrolment, or in the collection campaign
        for those enrolled before the society could hold My Numbers), and maybe a card."""
        if not later and person.registered < self.my_number_start:
            later = self.my_number_start + int(self.rng.random() * self.my_number_campaign_days)
        person.my_number_on = later
        person.my_number = self.new_my_number()
        person.card = self.card(person, card)

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

    def card(self, person: Person, kind: str | None) -> Card | None:
        """マイナンバーカード of a member with a My Number (national side), maybe registered;
        `kind` given for the showcase, drawn otherwise."""
        rng, t = self.rng, self.t
        if kind is None:
            u = rng.random()
            if u >= CARD_REGISTERED_SHARE + CARD_ONLY_SHARE:
                return None
            kind = "registered" if u < CARD_REGISTERED_SHARE else "card_only"
            if rng.random() < CARD_EXPIRED_SHARE:
                kind = "expired"
            elif kind == "registered" and rng.random() < CANCELLED_SHARE:
                kind = "cancelled"
        if kind == "none":
            return None
        birth = self.days[person.birth]
        # The electronic certificate expires on a birthday: a few in the last two years (the
        # showcase within the 3-month grace, R-MYNA-5), most in the next five.
        if kind in ("expired", "expired_grace"):
            back = self.days[t - 40 if kind == "expired_grace" else t - rng.randint(1, 700)]
            expires = anniversary(birth, back.year - birth.year)
            if expires.toordinal() >= t:
                expires = anniversary(birth, expires.year - 1 - birth.year)
        else:
            expires = anniversary(birth, self.today.year + rng.randint(1, 5) - birth.year)
        card = Card(self.new_card_id(), expires)
        if kind != "card_only":
            first = max(_ONLINE_START, person.birth + 60)
            # A cancelled registration is at least a month old, so that the 解除 fits before today.
            last = min(t - 31 if kind == "cancelled" else t - 1, expires.toordinal())
            if first <= last:
                card.registered = self._insurance_registration(first, last)
                if kind == "cancelled":
                    card.cancelled = rng.randint(card.registered + 30, t)
        return card

    def _insurance_registration(self, first: int, last: int) -> int:
        """利用登録日: waves of 2022–2023 (マイナポイント) and late 2024 (end of the legacy card)."""
        u = self.rng.random()
        lo, hi = (_REGISTRATION_WAVES[0] if u < 0.12 else _REGISTRATION_WAVES[1] if u < 0.57 else
                  _REGISTRATION_WAVES[2] if u < 0.85 else (_REGISTRATION_WAVES[2][1] + 1, self.t))
        lo, hi = max(first, lo), min(last, hi)
        if lo > hi:
            lo, hi = first, last
        return self.rng.randint(lo, hi)

    def _legacy_card(self, person: Person, lost: int) -> None:
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
        person.legacy = issued, expires
