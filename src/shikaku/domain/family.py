"""世帯 (a family: one 記号・番号, the 被保険者 and their 被扶養者) as the one place where the
society's registrations are decided.

Every writer — the members use cases (API and web forms), the import of an employer's
notification file, the demo generator, and later the online applications — loads a `Family`,
calls one of its methods and stores what it made. Each method checks the rules, appends the new
registrations (and member records) to the family and returns them, or raises `DomainError`
with nothing changed. A family gets the numbers and dates it cannot know from a `Ledger`: the
member ids and the order of entry, the 番号 of a new insured and the 公開日 (R-MYNA-2).

The family keeps what it added since it was loaded (`new_members`, `changed`,
`new_registrations`) so that a repository — one family at a time, or in bulk — writes exactly
that; `saved()` clears it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Protocol, Sequence

from .employers import Employer, check_employer
from .errors import DomainError
from .numbers import normalize_kana
from .ratio import late_elderly_from
from .registrations import (
    INSURED_ATTRIBUTES,
    NO_DATA,
    Certified,
    Disqualified,
    Enrolled,
    RegistrationData,
    amendment,
    with_values,
)
from .registry import (
    REGISTRABLE_LOSS_REASONS,
    FamilyHistory,
    Identity,
    Kind,
    LossReason,
    MemberState,
    Registration,
    Relationship,
    check_loss_reason,
    in_order_of_entry,
)
from .remuneration import validate_remuneration

MAX_BRANCH = 99  # 枝番 are two digits and never reused (D-7)
INSURED_BRANCH = "00"
MEMBER_NOT_FOUND = "該当する加入者が見つかりません"


@dataclass(frozen=True, slots=True)
class SealedMyNumber:
    """個人番号 as the registry keeps it (D-11): ciphertext, keyed look-up hash, last 4 digits."""

    cipher: bytes
    digest: str
    last4: str


@dataclass(slots=True)
class MemberRecord:
    """加入者: a member's identity and what the registry lists of them (氏名 as last changed,
    生年月日 and 資格取得日 as enrolled, the sealed 個人番号)."""

    identity: Identity
    name: str
    name_kana: str
    birth_date: date
    qualified_on: date
    my_number: SealedMyNumber | None = None

    @property
    def member_id(self) -> int:
        return self.identity.member_id


@dataclass(frozen=True, slots=True)
class Holder:
    """Another family's record of the same 個人番号 (found by its look-up hash), for D-6."""

    history: FamilyHistory
    member_id: int

    def state(self, on: date) -> MemberState:
        return self.history.state(self.member_id, on)

    @property
    def family_id(self) -> int:
        return self.history.identities[self.member_id].family_id


class Ledger(Protocol):
    """What a family takes from outside when it records a change (採番・公開日)."""

    def new_member_id(self) -> int: ...

    def new_seq(self) -> int: ...

    def new_number(self, symbol: str, given: str | None) -> str:
        """番号 of a new insured: a given one is recorded so it is never handed out (D-7)."""

    def publish_on(self, registered_on: date) -> date:
        """R-MYNA-2: the second business day after `registered_on`."""


class Family:
    """世帯: one 記号・番号 with its member records and registrations."""

    def __init__(self, symbol: str, number: str, members: Iterable[MemberRecord] = (),
                 registrations: Iterable[Registration] = (), last_branch: int = 0):
        self.symbol, self.number, self.last_branch = symbol, number, last_branch
        self.members = {m.member_id: m for m in members}
        self.insured_id = next((m for m, r in self.members.items()
                                if r.identity.relationship is Relationship.INSURED), None)
        self.registrations = sorted(registrations, key=in_order_of_entry)
        self.new_members: list[int] = []
        self.changed: set[int] = set()
        self.new_registrations: list[Registration] = []
        self._history: FamilyHistory | None = None
        self._insured_window: tuple[date, date] | None = None  # 資格取得日, 資格喪失日

    # ------------------------------------------------------------------ opening a family

    @classmethod
    def open(cls, ledger: Ledger, symbol: str, given_number: str | None,
             existing: Family | None) -> Family:
        """The 記号・番号 of a new insured (資格取得届): a given 番号 must be free."""
        if existing is not None:
            raise DomainError("number_in_use", "この記号・番号はすでに使われています", "number", status=409)
        return cls(symbol, ledger.new_number(symbol, given_number))

    # ------------------------------------------------------------------ reading

    @property
    def family_id(self) -> int | None:
        """The insured's member id (None until the insured is enrolled)."""
        return self.insured_id

    @property
    def history(self) -> FamilyHistory:
        if self._history is None:
            self._history = FamilyHistory((m.identity for m in self.members.values()), self.registrations)
        return self._history

    def member(self, member_id: int) -> MemberRecord:
        record = self.members.get(member_id)
        if record is None:
            raise DomainError("member_not_found", MEMBER_NOT_FOUND, status=404)
        return record

    def member_named(self, relationship: Relationship, branch: str | None,
                     birth_date: date | None) -> int:
        """The member a 資格喪失 or 変更 notification names (D-66): the insured, or a dependent
        by 枝番 or else by 生年月日; a 生年月日 given must match."""
        if self.insured_id is None:
            raise DomainError("member_not_found", MEMBER_NOT_FOUND, "number", status=404)
        if relationship is Relationship.INSURED:
            found = [self.insured_id]
        elif branch:
            found = [m for m, r in self.members.items() if r.identity.branch == branch]
        else:
            found = [m for m, r in self.members.items()
                     if m != self.insured_id and r.birth_date == birth_date]
        if not found:
            raise DomainError("member_not_found", MEMBER_NOT_FOUND, "branch" if branch else "birth_date",
                              status=404)
        if len(found) > 1:
            raise DomainError("ambiguous_member", "生年月日が同じ被扶養者が複数います。枝番を指定してください",
                              "birth_date")
        if birth_date and self.members[found[0]].birth_date != birth_date:
            raise DomainError("member_mismatch", "記号・番号・枝番と生年月日が登録内容と一致しません", "birth_date")
        return found[0]

    # ------------------------------------------------------------------ registrations

    def enrol_insured(self, ledger: Ledger, enrolment: Enrolled, qualified_on: date,
                      registered_on: date, my_number: SealedMyNumber | None = None,
                      holders: Sequence[Holder] = (), *, employer: Employer | None,
                      employers_kept: bool) -> Registration:
        """資格取得届 of the insured (枝番 00), whose member id becomes the family's id.
        `employer` is the 事業所 of the family's 記号 (None when unknown) and `employers_kept`
        whether the society keeps employers at all: every writer passes both (D-111)."""
        enrolment = _normalized(enrolment, my_number, insured=True)
        if self.insured_id is not None:
            raise DomainError("number_in_use", "この記号・番号はすでに使われています", "number", status=409)
        check_employer(employer, qualified_on, employers_kept, self.symbol)
        if enrolment.standard_monthly_remuneration is None:
            raise DomainError("missing_field", "この項目は必須です", "standard_monthly_remuneration")
        validate_remuneration(enrolment.standard_monthly_remuneration, qualified_on)
        check_enrolment(enrolment.birth_date, qualified_on, None)
        self._check_my_number_free(None, my_number, qualified_on, holders)
        registration = self._enrol(ledger, Relationship.INSURED, INSURED_BRANCH, enrolment,
                                   qualified_on, registered_on, my_number)
        self.insured_id = registration.member_id
        return registration

    def add_dependent(self, ledger: Ledger, enrolment: Enrolled, qualified_on: date,
                      registered_on: date, my_number: SealedMyNumber | None = None,
                      holders: Sequence[Holder] = ()) -> Registration:
        """被扶養者異動届 (追加): a dependent with the next 枝番, while the insured is eligible."""
        enrolment = _normalized(enrolment, my_number, insured=False)
        if self.insured_id is None:
            raise DomainError("unknown_insured", "指定された被保険者が見つかりません", "insured_id")
        given = [f for f in INSURED_ATTRIBUTES if getattr(enrolment, f) is not None]
        if given:
            raise DomainError("not_for_dependent", "被扶養者には指定できない項目です", given[0])
        check_enrolment(enrolment.birth_date, qualified_on, self._insured_unless_eligible(qualified_on))
        self._check_my_number_free(None, my_number, qualified_on, holders)
        branch = branch_label(self.last_branch + 1)
        registration = self._enrol(ledger, Relationship.DEPENDENT, branch, enrolment, qualified_on,
                                   registered_on, my_number)
        self.last_branch += 1
        self.changed.add(self.insured_id)
        return registration

    def register_my_number(self, ledger: Ledger, member_id: int, my_number: SealedMyNumber,
                           registered_on: date, holders: Sequence[Holder] = ()) -> Registration:
        """個人番号の登録 (or its correction): the record can be published from now (R-MYNA-3)."""
        record = self.member(member_id)
        self._check_my_number_free(member_id, my_number, record.qualified_on, holders)
        record.my_number = my_number
        self.changed.add(member_id)
        return self._record(ledger, member_id, Kind.MY_NUMBER, registered_on, registered_on, NO_DATA)

    def disqualify(self, ledger: Ledger, member_id: int, disqualified_on: date, reason: LossReason,
                   registered_on: date) -> Registration:
        """資格喪失届; an insured's loss takes their dependents with them on the same day (the
        fold derives it: `LossReason.INSURED_LOST`)."""
        if reason not in REGISTRABLE_LOSS_REASONS:
            raise DomainError("invalid_reason", "この喪失理由は届出では指定できません", "reason")
        check_loss_reason(reason, self.member(member_id).identity.relationship)
        history = self.history
        check_disqualification(history.state(member_id, disqualified_on), disqualified_on,
                               any(r.kind is Kind.DISQUALIFICATION for r in history.of(member_id)))
        return self._record(ledger, member_id, Kind.DISQUALIFICATION, disqualified_on, registered_on,
                            Disqualified(reason.value))

    def amend(self, ledger: Ledger, member_id: int, changes: Mapping[str, Any], effective_on: date,
              registered_on: date) -> Registration:
        """変更届: new attribute values from `effective_on` (氏名, フリガナ, 標準報酬月額 …)."""
        record = self.member(member_id)
        data = amendment(changes)
        changes = dict(data.changes)
        if "name_kana" in changes:
            changes["name_kana"] = normalize_kana(changes["name_kana"], "name_kana")
        insured_only = sorted(set(INSURED_ATTRIBUTES) & changes.keys())
        if record.identity.relationship is Relationship.DEPENDENT and insured_only:
            raise DomainError("not_for_dependent", "被扶養者には指定できない項目です", insured_only[0])
        if "standard_monthly_remuneration" in changes:
            validate_remuneration(changes["standard_monthly_remuneration"], effective_on)
        if "name" in changes or "name_kana" in changes:
            record.name = changes.get("name", record.name)
            record.name_kana = changes.get("name_kana", record.name_kana)
            self.changed.add(member_id)
        return self._record(ledger, member_id, Kind.AMENDMENT, effective_on, registered_on,
                            type(data)(changes))

    def notify_change(self, ledger: Ledger, member_id: int, changes: Mapping[str, Any],
                      effective_on: date | None, my_number: SealedMyNumber | None,
                      registered_on: date, holders: Sequence[Holder] = ()) -> list[Registration]:
        """変更 as a notification file states it: the attributes given and, when it differs from
        the one registered, the 個人番号."""
        made = []
        if changes:
            made.append(self.amend(ledger, member_id, changes, effective_on, registered_on))
        held = self.member(member_id).my_number
        if my_number is not None and (held is None or held.digest != my_number.digest):
            made.append(self.register_my_number(ledger, member_id, my_number, registered_on, holders))
        elif not changes:
            raise DomainError("nothing_to_change", "変更する項目がありません（個人番号は登録済みです）")
        return made

    def certify(self, ledger: Ledger, member_id: int, certified: Certified, valid_from: date,
                registered_on: date) -> Registration:
        """認定 (限度額・減額, 特定疾病): it reaches online verification like any registration (R-MYNA-4)."""
        self.member(member_id)
        return self._record(ledger, member_id, Kind.CERTIFICATION, valid_from, registered_on, certified)

    def cancel(self, ledger: Ledger, member_id: int, seq: int, reason: str, by: str,
               registered_on: date, holders: Sequence[Holder] = ()) -> Registration:
        """取消 of the registration `seq` entered in error (domain.corrections, D-124…D-126)."""
        from .corrections import decide_cancellation
        data = decide_cancellation(self, member_id, seq, reason, by, registered_on, holders)
        return self._correction(ledger, member_id, data, registered_on)

    def correct(self, ledger: Ledger, member_id: int, seq: int, reason: str, by: str,
                registered_on: date, effective_on: date | None = None,
                values: Mapping[str, Any] | None = None, holders: Sequence[Holder] = ()) -> Registration:
        """訂正 of the registration `seq`: its effective date and/or values (domain.corrections)."""
        from .corrections import decide_correction
        data = decide_correction(self, member_id, seq, reason, by, registered_on, effective_on, values,
                                 holders)
        return self._correction(ledger, member_id, data, registered_on)

    def _correction(self, ledger: Ledger, member_id: int, data, registered_on: date) -> Registration:
        """Records a decided correction (effective on its 登録日) and brings the member record
        (the search projection) in line with the corrected history."""
        target = next(r for r in self.registrations if r.seq == data.corrects)
        made = self._record(ledger, member_id, Kind.CORRECTION, registered_on, registered_on, data)
        record, history = self.members[member_id], self.history
        if target.kind is Kind.MY_NUMBER:
            record.my_number = None  # its only registration is cancelled (D-126)
        own = history.of(member_id)
        enrolment = next(r for r in own if r.kind is Kind.ENROLMENT)
        latest = history.state(member_id, max(r.effective_on for r in own))
        record.name, record.name_kana = latest.name, latest.name_kana
        record.birth_date, record.qualified_on = enrolment.data.birth_date, enrolment.effective_on
        self.changed.add(member_id)
        if member_id == self.insured_id:
            self._insured_window = None
        return made

    def saved(self) -> None:
        """Forgets what was added: a repository has written it."""
        self.new_members, self.changed, self.new_registrations = [], set(), []

    # ------------------------------------------------------------------ helpers

    def _enrol(self, ledger: Ledger, relationship: Relationship, branch: str, enrolment: Enrolled,
               qualified_on: date, registered_on: date, my_number: SealedMyNumber | None) -> Registration:
        member_id = ledger.new_member_id()
        family_id = member_id if relationship is Relationship.INSURED else self.insured_id
        identity = Identity(member_id, family_id, relationship, self.symbol, self.number, branch)
        self.members[member_id] = MemberRecord(identity, enrolment.name, enrolment.name_kana,
                                               enrolment.birth_date, qualified_on, my_number)
        self.new_members.append(member_id)
        return self._record(ledger, member_id, Kind.ENROLMENT, qualified_on, registered_on, enrolment)

    def _record(self, ledger: Ledger, member_id: int, kind: Kind, effective_on: date,
                registered_on: date, data: RegistrationData) -> Registration:
        registration = Registration(ledger.new_seq(), member_id, kind, effective_on, registered_on,
                                    ledger.publish_on(registered_on), data)
        self.registrations.append(registration)
        self.new_registrations.append(registration)
        self._history = None
        if member_id == self.insured_id:
            self._insured_window = None
        return registration

    def _insured_unless_eligible(self, on: date) -> MemberState | None:
        """The insured on `on` when they are not eligible that day (for the refusal), else None.
        Eligibility runs from the 資格取得日 to the 資格喪失日, neither of which depends on the
        day: one fold serves every dependent until the insured's own registrations change."""
        if self._insured_window is None:
            qualified_on, loss = self.history.period(self.insured_id)
            self._insured_window = qualified_on, loss.on
        first, loss_on = self._insured_window
        return None if first <= on < loss_on else self.history.state(self.insured_id, on)

    def _check_my_number_free(self, member_id: int | None, my_number: SealedMyNumber,
                              qualified_on: date, holders: Sequence[Holder]) -> None:
        """D-6: no other record — in this family or another — holds the 個人番号 while eligible."""
        if my_number is None:
            return
        same = [m for m, r in self.members.items() if m != member_id and r.my_number is not None
                and r.my_number.digest == my_number.digest]
        if not same and not holders:
            return
        states = [self.history.state(m, qualified_on) for m in same]
        states += [holder.state(qualified_on) for holder in holders]
        if my_number_in_use(states, qualified_on):
            raise DomainError("duplicate_my_number",
                              "この個人番号は資格のある別の加入者に登録されています", "my_number", status=409)


def _normalized(enrolment: Enrolled, my_number: SealedMyNumber | None, insured: bool) -> Enrolled:
    """The enrolment as registered: フリガナ normalised, whether the 個人番号 came with it, and no
    続柄 for an insured (the same object when it is so already: a bulk load enrols millions)."""
    kana = normalize_kana(enrolment.name_kana, "name_kana")
    with_my_number = my_number is not None
    if kana == enrolment.name_kana and with_my_number is enrolment.with_my_number \
            and not (insured and enrolment.kinship is not None):
        return enrolment
    fixed = {"name_kana": kana, "with_my_number": with_my_number}
    return with_values(enrolment, **fixed, **({"kinship": None} if insured else {}))


def branch_label(branch: int) -> str:
    """枝番 as printed, or a refusal past the last one (D-7)."""
    if branch > MAX_BRANCH:
        raise DomainError("branch_exhausted", "この世帯の枝番が上限に達しました", status=409)
    return f"{branch:02d}"


# ---------------------------------------------------------------------- checks before registering

def check_enrolment(birth_date: date, qualified_on: date, insured: MemberState | None) -> None:
    """資格取得届 / 被扶養者異動届 checks: covered from birth at the earliest, never from the 75th
    birthday (R-RATIO-4), and a dependent only while their insured is eligible."""
    if qualified_on < birth_date:
        raise DomainError("invalid_period", "資格取得日が生年月日より前になっています", "qualified_on")
    if qualified_on >= late_elderly_from(birth_date):
        raise DomainError("late_elderly", "75歳以上の方は後期高齢者医療制度の対象のため加入できません",
                          "birth_date")
    if insured is not None and not insured.eligible:
        raise DomainError("insured_not_eligible",
                          "被扶養者の資格取得日に被保険者の資格がありません", "qualified_on")


def check_disqualification(state: MemberState, disqualified_on: date,
                           already_registered: bool) -> None:
    """資格喪失届 checks: after the 資格取得日, and only one registered loss per member."""
    if disqualified_on <= state.qualified_on:
        raise DomainError("invalid_period", "資格喪失日は資格取得日より後の日付にしてください",
                          "disqualified_on")
    if already_registered:
        raise DomainError("already_disqualified", "この方の資格喪失は登録済みです", status=409)


def my_number_in_use(holders: Iterable[MemberState], qualified_on: date) -> bool:
    """R-NUM-2 / duplicates: another record with the same 個人番号 is still eligible on or after
    the new record's 資格取得日 (a re-enrolment after a loss is allowed)."""
    return any(holder.loss.on > qualified_on for holder in holders)
