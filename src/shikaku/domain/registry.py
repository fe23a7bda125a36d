"""The bitemporal registry (資格の記録): every change is dated twice.

A `Registration` (登録) is one change the society entered into its core system (基幹システム):
it takes effect on `effective_on` (valid time) and was entered on `registered_on` (transaction
time). National online verification sees it from `publish_on`, the second business day after
`registered_on` (翌々営業日, R-MYNA-2).

A family (one 記号・番号: the 被保険者 and their 被扶養者) is the unit of history, because a
dependent's ratio, limit category and eligibility follow the insured. From one `FamilyHistory`
the core answers two questions for any day D:

* the society's view: `history.state(member_id, D)` — what is true on D as far as the society
  knows today (every registration);
* the facilities' view: `history.published_by(D).state(member_id, D)` — what online
  verification showed on D: only registrations published by D (R-MYNA-4), and only once the
  member's My Number registration itself was published (R-MYNA-3).

`known_by(K)` gives the view as the society knew it on day K (transaction time), for audits.
Changes that follow from data already there — 未就学, 70–74, the 75th birthday, the end of a
known coverage — are computed on their own day, with no lag (R-MYNA-4).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from .errors import DomainError
from .limits import LimitCategory, limit_category
from .ratio import InsuredIncome, copay_ratio, late_elderly_from
from .registrations import NO_DATA, Certified, Corrected, RegistrationData, with_values


class Relationship(StrEnum):
    """続柄の区分: 被保険者 (本人, code 1) or 被扶養者 (家族, code 2)."""

    INSURED = "insured"
    DEPENDENT = "dependent"


# 本人・家族 and 性別 as documents, pages and files print them (the one place of these words).
RELATIONSHIP_LABELS = {Relationship.INSURED: "本人", Relationship.DEPENDENT: "家族"}
SEX_LABELS = {"male": "男", "female": "女"}


class Kind(StrEnum):
    """What a registration records."""

    ENROLMENT = "enrolment"  # 資格取得届 / 被扶養者異動届 (追加): effective on 資格取得日
    AMENDMENT = "amendment"  # 変更届: name, kana, remuneration … from `effective_on`
    MY_NUMBER = "my_number"  # 個人番号の登録 (R-MYNA-3): effective on its registration day
    DISQUALIFICATION = "disqualification"  # 資格喪失届: effective on 資格喪失日
    CERTIFICATION = "certification"  # 認定 (限度額・減額, 特定疾病): effective on its first day
    CORRECTION = "correction"  # 取消・訂正 of an earlier registration (D-124): effective on its 登録日


class LossReason(StrEnum):
    """資格喪失の理由."""

    RETIREMENT = "retirement"  # 退職
    DEATH = "death"  # 死亡
    EMPLOYER_LEFT = "employer_left"  # 事業所の脱退・転籍
    DEPENDENT_INELIGIBLE = "dependent_ineligible"  # 被扶養者の要件を満たさなくなった
    OTHER_INSURANCE = "other_insurance"  # 他の保険の資格取得
    OTHER = "other"
    # Derived, never registered:
    LATE_ELDERLY = "late_elderly"  # 75歳到達 (後期高齢者医療へ, R-RATIO-4)
    COVERAGE_END = "coverage_end"  # 任意継続等の期間満了
    INSURED_LOST = "insured_lost"  # 被保険者の資格喪失に伴う喪失


REGISTRABLE_LOSS_REASONS = frozenset(LossReason) - {
    LossReason.LATE_ELDERLY, LossReason.COVERAGE_END, LossReason.INSURED_LOST}

# 喪失理由 by 続柄 (D-155): 退職 and 事業所脱退 end an employment, so only an insured's; 被扶養者非該当
# only a dependent's; 死亡, 他保険加入 and その他 either's. In the order the forms offer them.
LOSS_REASONS_BY_RELATIONSHIP = {
    Relationship.INSURED: (LossReason.RETIREMENT, LossReason.EMPLOYER_LEFT, LossReason.DEATH,
                           LossReason.OTHER_INSURANCE, LossReason.OTHER),
    Relationship.DEPENDENT: (LossReason.DEPENDENT_INELIGIBLE, LossReason.DEATH,
                             LossReason.OTHER_INSURANCE, LossReason.OTHER)}


def check_loss_reason(reason: LossReason, relationship: Relationship, field: str = "reason") -> None:
    """A registered 喪失理由 must be one of the member's 続柄 (`LOSS_REASONS_BY_RELATIONSHIP`),
    else `loss_reason_not_applicable`."""
    if reason not in LOSS_REASONS_BY_RELATIONSHIP[relationship]:
        whose = "被保険者" if relationship is Relationship.INSURED else "被扶養者"
        raise DomainError("loss_reason_not_applicable", f"{whose}の喪失理由には指定できません", field)



class Identity(NamedTuple):
    """The unchanging part of a member: who they are in the family and the 記号・番号・枝番.
    (Named tuples: a verification builds a family's worth of these from a snapshot.)"""

    member_id: int
    family_id: int  # the insured's member_id
    relationship: Relationship
    symbol: str
    number: str
    branch: str


class Registration(NamedTuple):
    """登録: one change entered into the core system, dated twice (see module docstring)."""

    seq: int  # order of entry; breaks ties between registrations of the same days
    member_id: int
    kind: Kind
    effective_on: date
    registered_on: date
    publish_on: date
    data: RegistrationData = NO_DATA  # the kind's dataclass (domain.registrations)


in_order_of_entry = attrgetter("seq")  # the sort key of registrations
_kind = attrgetter("kind")


@dataclass(frozen=True, slots=True)
class Certification:
    """認定 in force: an approved limit category (オ, 低所得Ⅱ・Ⅰ) or a 特定疾病."""

    kind: str  # "limit" | "limit_reduction" | "specific_disease"
    valid_from: date
    valid_until: date | None
    category_code: str | None = None
    disease: str | None = None
    limit_yen: int | None = None


class Loss(NamedTuple):
    """資格喪失: the first day not covered, its cause, and whether it follows by itself from data
    already registered (75th birthday, end of a known coverage) rather than from a 喪失届. (A
    tuple: every fold makes a few, and a frozen dataclass costs several times more to build.)"""

    on: date
    reason: LossReason
    scheduled: bool


class MemberState(NamedTuple):
    """A member on one day, as seen through one `FamilyHistory`. (A tuple, as `Loss`: each
    verification folds one per record found.)"""

    identity: Identity
    on: date
    name: str
    name_kana: str
    birth_date: date
    sex: str
    qualified_on: date
    loss: Loss
    coverage_ends_on: date | None
    insured: InsuredIncome
    resident_tax_exempt: bool
    my_number_registered_on: date | None
    online_from: date | None  # R-MYNA-2 date of the My Number registration
    certifications: tuple[Certification, ...]

    @property
    def eligible(self) -> bool:
        """資格あり on `on`: on or after 資格取得日 and before 資格喪失日."""
        return self.qualified_on <= self.on < self.loss.on

    @property
    def disqualified_on(self) -> date | None:
        """資格喪失日 as a record shows it on `on`: a registered loss always, a scheduled one
        (75th birthday, end of coverage) once it has happened."""
        return self.loss.on if not self.loss.scheduled or self.loss.on <= self.on else None

    @property
    def copay_ratio(self) -> int:
        """一部負担金の割合 on `on`, in percent (R-RATIO-1, R-RATIO-2, R-RATIO-3)."""
        return copay_ratio(self.birth_date, self.insured, self.on)

    @property
    def limit(self) -> LimitCategory:
        """適用区分 on `on` (R-LIM-1), with an approved reduction category when one is in force."""
        approved = next((c.category_code for c in self.certifications
                         if c.kind == "limit_reduction"), None)
        return limit_category(self.birth_date, self.insured, self.on, approved)

    @property
    def specific_diseases(self) -> tuple[Certification, ...]:
        """特定疾病 approvals in force on `on` (R-SPD-1)."""
        return tuple(c for c in self.certifications if c.kind == "specific_disease")


class FamilyHistory:
    """The registrations of one family (記号・番号): the bitemporal record of its members."""

    def __init__(self, identities: Iterable[Identity], registrations: Iterable[Registration]):
        self.identities = {i.member_id: i for i in identities}
        self.registrations = tuple(sorted(registrations, key=in_order_of_entry))
        self._own: dict[int, list[Registration]] | None = None

    def _filtered(self, keep) -> FamilyHistory:
        subset = FamilyHistory.__new__(FamilyHistory)  # same members, registrations still in order
        subset.identities = self.identities
        subset.registrations = tuple(filter(keep, self.registrations))
        subset._own = None
        return subset

    def known_by(self, day: date) -> FamilyHistory:
        """The history as the society knew it at the end of `day` (transaction time)."""
        return self._filtered(lambda r: r.registered_on <= day)

    def published_by(self, day: date) -> FamilyHistory:
        """What online verification had received by `day` (R-MYNA-2, R-MYNA-4)."""
        return self._filtered(lambda r: r.publish_on <= day)

    def of(self, member_id: int) -> list[Registration]:
        """The member's registrations in order of entry (grouped once per history: a fold asks
        for the same member's several times)."""
        if self._own is None:
            own: dict[int, list[Registration]] = {}
            registrations = self.registrations
            if Kind.CORRECTION in map(_kind, registrations):  # a scan in C: else as before (D-124)
                registrations = resolve_corrections(registrations)
            for r in registrations:
                own.setdefault(r.member_id, []).append(r)
            self._own = own
        return self._own.get(member_id, [])

    def corrections(self) -> dict[int, list[Registration]]:
        """取消・訂正 in this history by the seq of the registration each corrects, in order of
        entry (the timeline shows the original struck through beside them)."""
        found: dict[int, list[Registration]] = {}
        for r in self.registrations:
            if r.kind is Kind.CORRECTION:
                found.setdefault(r.data.corrects, []).append(r)
        return found

    def state(self, member_id: int, on: date) -> MemberState | None:
        """The member on `on` by this history; None when their enrolment is not in it."""
        own = self.of(member_id)
        enrolment = next((r for r in own if r.kind is Kind.ENROLMENT), None)
        if enrolment is None:
            return None
        identity = self.identities[member_id]
        attributes = _attributes_on(enrolment, own, on)
        insured = attributes if identity.relationship is Relationship.INSURED else \
            self._insured_attributes(identity.family_id, on)
        my_number = [r for r in own if r.kind is Kind.MY_NUMBER
                     or (r.kind is Kind.ENROLMENT and r.data.with_my_number)]
        first_my_number = min(my_number, key=lambda r: (r.registered_on, r.seq), default=None)
        return MemberState(
            identity=identity, on=on,
            name=attributes["name"], name_kana=attributes["name_kana"],
            birth_date=attributes["birth_date"], sex=attributes["sex"],
            qualified_on=enrolment.effective_on,
            loss=self._loss(member_id),
            coverage_ends_on=attributes.get("coverage_ends_on"),
            insured=_insured_income(insured),
            resident_tax_exempt=bool(insured.get("resident_tax_exempt")),
            my_number_registered_on=first_my_number.registered_on if first_my_number else None,
            online_from=first_my_number.publish_on if first_my_number else None,
            certifications=_certifications_on(own, on),
        )

    def period(self, member_id: int) -> tuple[date, Loss]:
        """資格期間: the 資格取得日 and the loss, as `state` gives them on any day (neither
        depends on the day); cheaper than a state when only eligibility is asked."""
        enrolment = next(r for r in self.of(member_id) if r.kind is Kind.ENROLMENT)
        return enrolment.effective_on, self._loss(member_id)

    def visible_state(self, member_id: int, service_date: date) -> MemberState | None:
        """What online verification answers for the member on `service_date` (R-MYNA-3, R-MYNA-4):
        None unless a registration of their My Number has been published by then."""
        state = self.published_by(service_date).state(member_id, service_date)
        return state if state is not None and state.my_number_registered_on else None

    def newly_visible(self, on: date) -> list[tuple[Identity, Registration]]:
        """What online verification shows on `on` and did not the day before (the registration
        file of the day, D-72): a registration published on `on` for a member already online,
        or published earlier for a member going online on `on` (R-MYNA-3, R-MYNA-4) — visible
        from the later of the two days. 認定 (certifications) are not part of it."""
        online_from: dict[int, date | None] = {}
        visible = []
        for registration in self.registrations:
            member_id = registration.member_id
            if member_id not in online_from:
                online_from[member_id] = self.state(member_id, on).online_from
            since = online_from[member_id]
            if registration.kind is not Kind.CERTIFICATION and since is not None \
                    and max(since, registration.publish_on) == on:
                visible.append((self.identities[member_id], registration))
        return visible

    def _insured_attributes(self, family_id: int, on: date) -> Mapping[str, Any]:
        own = self.of(family_id)
        enrolment = next(r for r in own if r.kind is Kind.ENROLMENT)
        return _attributes_on(enrolment, own, on)

    def _loss(self, member_id: int) -> Loss:
        """The earliest of a registered loss, the 75th birthday (R-RATIO-4), the day after a
        known coverage end and, for a dependent, the insured's loss. Uses the latest attribute
        values: a loss is a fact about the whole timeline, not about one day."""
        own = self.of(member_id)
        enrolment = next(r for r in own if r.kind is Kind.ENROLMENT)
        attributes = _attributes_on(enrolment, own, date.max)
        causes = [Loss(late_elderly_from(attributes["birth_date"]), LossReason.LATE_ELDERLY, True)]
        registered = [r for r in own if r.kind is Kind.DISQUALIFICATION]
        if registered:
            latest = registered[-1]
            causes.append(Loss(latest.effective_on, LossReason(latest.data.reason), False))
        if attributes.get("coverage_ends_on"):
            causes.append(Loss(attributes["coverage_ends_on"] + timedelta(days=1),
                               LossReason.COVERAGE_END, True))
        identity = self.identities[member_id]
        if identity.relationship is Relationship.DEPENDENT:
            insured = self._loss(identity.family_id)
            causes.append(Loss(insured.on, LossReason.INSURED_LOST, insured.scheduled))
        return min(causes, key=_first_loss)


def resolve_corrections(registrations: Sequence[Registration]) -> tuple[Registration, ...]:
    """The registrations as corrected (D-124): in order of entry, a 取消 removes its target and
    a 訂正 replaces the target's effective date and/or data values; the correction itself is
    not folded. The target keeps its place (seq) and its own 登録日 and 公開日: the history was
    already filtered (`known_by`, `published_by`), so a correction counts only in the views that
    hold it. A correction whose target is not in the history (removed already) changes nothing;
    a further correction of the same target applies to it as corrected."""
    live: dict[int, Registration] = {}
    for r in registrations:
        if r.kind is not Kind.CORRECTION:
            live[r.seq] = r
            continue
        c: Corrected = r.data
        target = live.get(c.corrects)
        if target is None:
            continue
        if c.cancels:
            del live[c.corrects]
        else:
            live[c.corrects] = corrected(target, c)
    return tuple(live.values())


def corrected(target: Registration, correction: Corrected) -> Registration:
    """The target registration as a 訂正 states it: its effective date and/or data values."""
    data = target.data
    if correction.values:
        data = type(data)({**data.changes, **correction.values}) if target.kind is Kind.AMENDMENT \
            else with_values(data, **correction.values)
    return target._replace(effective_on=correction.effective_on or target.effective_on, data=data)


def _first_loss(loss: Loss) -> tuple[date, bool]:
    """The loss that ends coverage: the earliest, a registered one before a scheduled one."""
    return loss.on, loss.scheduled


def _attributes_on(enrolment: Registration, own: Sequence[Registration], on: date) -> dict[str, Any]:
    """Attribute values on `on`: the enrolment's, overridden by amendments in force, applied in
    order of effect and, for the same day, of entry (a later correction wins)."""
    values = enrolment.data.attributes()
    amendments = [r for r in own if r.kind is Kind.AMENDMENT and r.effective_on <= on]
    for amendment in sorted(amendments, key=_in_force_order) if amendments else ():
        values.update(amendment.data.changes)
    return values


def _in_force_order(r: Registration) -> tuple[date, int]:
    return r.effective_on, r.seq


def _insured_income(attributes: Mapping[str, Any]) -> InsuredIncome:
    return InsuredIncome(birth_date=attributes["birth_date"],
                         standard_monthly_remuneration=attributes.get("standard_monthly_remuneration") or 0,
                         income_declared_low=bool(attributes.get("income_declared_low")))


def _certifications_on(own: Sequence[Registration], on: date) -> tuple[Certification, ...]:
    in_force = []
    for r in own:
        if r.kind is Kind.CERTIFICATION and r.effective_on <= on and (
                r.data.valid_until is None or on <= r.data.valid_until):
            c: Certified = r.data
            in_force.append(Certification(c.kind, r.effective_on, c.valid_until, c.category_code,
                                          c.disease, c.limit_yen))
    return tuple(in_force)
