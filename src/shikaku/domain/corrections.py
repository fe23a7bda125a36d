"""取消・訂正 (issue 14, D-124…D-127): what a correction of a registration entered in error may
change, decided for `Family.cancel` / `Family.correct` (the one place, whoever writes).

A correction is itself a registration (`Kind.CORRECTION`, data `registrations.Corrected`) that
the fold resolves (`registry.resolve_corrections`): the society's view follows it from its
登録日, facilities from its 公開日 (R-MYNA-2), and what they were shown before stays so. Here:
the target must be an original registration of the member, not corrected already (D-125); a
取消 is not offered for an enrolment nor, while another one stands, for a 個人番号 registration
(D-126); the result must pass the checks the original passed.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import DomainError
from .numbers import normalize_kana
from .registrations import AMENDABLE, INSURED_ATTRIBUTES, Corrected
from .registry import (
    REGISTRABLE_LOSS_REASONS,
    FamilyHistory,
    Kind,
    LossReason,
    Registration,
    Relationship,
    check_loss_reason,
)
from .remuneration import validate_remuneration

if TYPE_CHECKING:
    from .family import Family, Holder

REASON_MAX = 200  # 理由 fits cancel_reason of the documents too
# What a 訂正 may change of each kind, besides its effective date (D-125).
CORRECTABLE: dict[Kind, frozenset[str]] = {
    Kind.ENROLMENT: frozenset({"name", "name_kana", "birth_date", "sex", "coverage_ends_on", "kinship",
                               *INSURED_ATTRIBUTES}),
    Kind.AMENDMENT: AMENDABLE,
    Kind.DISQUALIFICATION: frozenset({"reason"}),
    Kind.CERTIFICATION: frozenset({"valid_until"}),
    Kind.MY_NUMBER: frozenset(),
}
KINSHIPS = frozenset({"spouse", "child", "parent", "other"})


def check_reason(reason: str | None) -> str:
    """理由 is required (at most REASON_MAX characters)."""
    text = (reason or "").strip()
    if not text:
        raise DomainError("missing_field", "取消・訂正の理由を入力してください", "reason")
    if len(text) > REASON_MAX:
        raise DomainError("too_long", f"理由は{REASON_MAX}文字以内で入力してください", "reason")
    return text


def target_of(family: Family, member_id: int, seq: int, registered_on: date) -> Registration:
    """The registration a correction names: the member's, an original one, not corrected yet,
    entered on or before the correction's 登録日."""
    family.member(member_id)
    target = next((r for r in family.registrations if r.seq == seq and r.member_id == member_id), None)
    if target is None:
        raise DomainError("registration_not_found", "該当する登録が見つかりません", status=404)
    if target.kind is Kind.CORRECTION:
        raise DomainError("not_correctable", "取消・訂正の登録は取消・訂正できません", status=409)
    if any(r.kind is Kind.CORRECTION and r.data.corrects == seq for r in family.registrations):
        raise DomainError("already_corrected", "この登録はすでに取消・訂正されています", status=409)
    if registered_on < target.registered_on:
        raise DomainError("invalid_period", "登録日は取消・訂正する登録の登録日以後にしてください",
                          "registered_on")
    return target


def decide_cancellation(family: Family, member_id: int, seq: int, reason: str, by: str,
                        registered_on: date, holders: Sequence[Holder] = ()) -> Corrected:
    """取消 of a registration entered in error (D-126)."""
    reason = check_reason(reason)
    target = target_of(family, member_id, seq, registered_on)
    if target.kind is Kind.ENROLMENT:
        raise DomainError("not_cancellable",
                          "資格取得の登録は取消できません（日付や内容の誤りは訂正してください）", status=409)
    if target.kind is Kind.MY_NUMBER and _other_my_numbers(family.history, target):
        raise DomainError("not_cancellable",
                          "ほかに個人番号の登録があるため取消できません（正しい個人番号を登録してください）",
                          status=409)
    data = Corrected(seq, reason, by)
    _check_result(family, target, data, registered_on, holders)
    return data


def decide_correction(family: Family, member_id: int, seq: int, reason: str, by: str,
                      registered_on: date, effective_on: date | None,
                      values: Mapping[str, Any] | None, holders: Sequence[Holder] = ()) -> Corrected:
    """訂正: a new effective date and/or data values of a registration (D-125)."""
    reason = check_reason(reason)
    target = target_of(family, member_id, seq, registered_on)
    allowed = CORRECTABLE[target.kind]
    if target.kind is Kind.MY_NUMBER:
        raise DomainError("not_correctable",
                          "個人番号の登録は訂正できません（正しい個人番号を登録してください）", status=409)
    values = dict(values or {})
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise DomainError("not_correctable", "この登録では訂正できない項目です", unknown[0])
    values = _normalized(family, target, values)
    current = _stored_values(target)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    new_on = effective_on if effective_on is not None and effective_on != target.effective_on else None
    if new_on is None and not changed:
        raise DomainError("nothing_to_change", "訂正する項目がありません（登録内容と同じです）")
    data = Corrected(seq, reason, by, new_on, changed or None)
    _check_result(family, target, data, registered_on, holders)
    return data


def _other_my_numbers(history: FamilyHistory, target: Registration) -> bool:
    return any(r.seq != target.seq and (r.kind is Kind.MY_NUMBER or (
        r.kind is Kind.ENROLMENT and r.data.with_my_number)) for r in history.of(target.member_id))


def _stored_values(target: Registration) -> dict[str, Any]:
    data = target.data
    if target.kind is Kind.AMENDMENT:
        return dict(data.changes)
    return {name: getattr(data, name) for name in CORRECTABLE[target.kind]}


def _normalized(family: Family, target: Registration, values: dict[str, Any]) -> dict[str, Any]:
    """The values as their registration would have stored them, checked as it was."""
    relationship = family.members[target.member_id].identity.relationship
    if "name_kana" in values:
        values["name_kana"] = normalize_kana(values["name_kana"], "name_kana")
    for key in ("name", "name_kana", "birth_date", "sex"):
        if key in values and values[key] in (None, ""):
            raise DomainError("missing_field", "この項目は必須です", key)
    insured_only = sorted(set(INSURED_ATTRIBUTES) & {k for k, v in values.items() if v is not None})
    if relationship is Relationship.DEPENDENT and insured_only:
        raise DomainError("not_for_dependent", "被扶養者には指定できない項目です", insured_only[0])
    if relationship is Relationship.INSURED and values.get("kinship") is not None:
        raise DomainError("not_for_insured", "被保険者には指定できない項目です", "kinship")
    if values.get("kinship") is not None and values["kinship"] not in KINSHIPS:
        raise DomainError("invalid_value", "続柄が正しくありません", "kinship")
    if "sex" in values and values["sex"] not in ("male", "female"):
        raise DomainError("invalid_value", "性別が正しくありません", "sex")
    if "reason" in values:
        if values["reason"] not in {r.value for r in REGISTRABLE_LOSS_REASONS}:
            raise DomainError("invalid_reason", "この喪失理由は届出では指定できません", "loss_reason")
        check_loss_reason(LossReason(values["reason"]), relationship, "loss_reason")
        values["reason"] = LossReason(values["reason"]).value
    if values.get("standard_monthly_remuneration") is not None:
        validate_remuneration(values["standard_monthly_remuneration"], target.effective_on)
    if target.kind is Kind.ENROLMENT and relationship is Relationship.INSURED \
            and "standard_monthly_remuneration" in values and values["standard_monthly_remuneration"] is None:
        raise DomainError("missing_field", "この項目は必須です", "standard_monthly_remuneration")
    return values


def _check_result(family: Family, target: Registration, data: Corrected, registered_on: date,
                  holders: Sequence[Holder]) -> None:
    """The family as corrected must pass the checks its registrations passed: 資格取得日 not
    before birth nor from the 75th birthday, a dependent's while the insured is eligible, a
    registered 資格喪失日 after the 資格取得日, a 認定's end not before its start, and no other
    record holding the same 個人番号 eligible at the same time (D-6)."""
    from .family import check_enrolment  # the checks of the original registrations

    probe = Registration(max(r.seq for r in family.registrations) + 1, target.member_id,
                         Kind.CORRECTION, registered_on, registered_on, registered_on, data)
    history = FamilyHistory((m.identity for m in family.members.values()), [*family.registrations, probe])
    affected = [target.member_id]
    if target.member_id == family.insured_id:
        affected += [m for m in family.members if m != family.insured_id]
    for member_id in affected:
        own = history.of(member_id)
        enrolment = next((r for r in own if r.kind is Kind.ENROLMENT), None)
        if enrolment is None:
            continue
        state = history.state(member_id, enrolment.effective_on)
        insured = None
        if state.identity.relationship is Relationship.DEPENDENT and family.insured_id is not None:
            insured = history.state(family.insured_id, enrolment.effective_on)
        check_enrolment(state.birth_date, enrolment.effective_on, insured)
        for loss in (r for r in own if r.kind is Kind.DISQUALIFICATION):
            if loss.effective_on <= enrolment.effective_on:
                raise DomainError("invalid_period", "資格喪失日は資格取得日より後の日付にしてください",
                                  "effective_on")
        for c in (r for r in own if r.kind is Kind.CERTIFICATION):
            if c.data.valid_until is not None and c.data.valid_until < c.effective_on:
                raise DomainError("invalid_period", "認定の終了日は開始日以後にしてください", "valid_until")
    _check_my_number_alone(family, history, target.member_id, holders)


def _check_my_number_alone(family: Family, history: FamilyHistory, member_id: int,
                           holders: Sequence[Holder]) -> None:
    sealed = family.members[member_id].my_number
    if sealed is None or not any(r.kind is Kind.ENROLMENT for r in history.of(member_id)):
        return
    first, loss = history.period(member_id)
    others = [holder.history.period(holder.member_id) for holder in holders]
    others += [history.period(m) for m, r in family.members.items() if m != member_id
               and r.my_number is not None and r.my_number.digest == sealed.digest]
    if any(start < loss.on and first < other_loss.on for start, other_loss in others):
        raise DomainError("duplicate_my_number", "この個人番号は同じ期間に資格のある別の加入者に登録されています",
                          "my_number", status=409)
