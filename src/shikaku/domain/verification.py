"""オンライン資格確認: what a facility is told about a person on a service date (DOMAIN.md §10).

The answer is decided from the published view only (`FamilyHistory.visible_state`; R-MYNA-2,
R-MYNA-3, R-MYNA-4).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import NamedTuple, Sequence

from .certificates import HeldCertificate
from .legacy import legacy_card_on_face
from .numbers import normalize_digits
from .ratio import elderly_from, elderly_until, is_elderly, preschool_until
from .registry import LossReason, MemberState, Relationship

# 本人・家族の別 with the national interface's codes (DOMAIN.md §10).
RELATIONSHIP_CODES = {Relationship.INSURED: "1", Relationship.DEPENDENT: "2"}


class Validity(Enum):
    """資格有効性 with the national interface's codes."""

    VALID = ("valid", "1")  # 有効
    INVALID = ("invalid", "2")  # 無効 (資格喪失)
    NEW_QUALIFICATION = ("invalid_new_qualification", "3")  # 無効 (新しい資格あり)
    NOT_FOUND = ("not_found", "4")  # 該当資格なし
    MULTIPLE = ("multiple", "5")  # 複数該当

    def __init__(self, word: str, code: str):
        self.word, self.code = word, code


@dataclass(frozen=True, slots=True)
class Verdict:
    validity: Validity
    state: MemberState | None  # the record the answer describes; None when not found or several


def card_numbers(symbol: str, number: str, branch: str | None) -> tuple[str, str, str | None]:
    """記号・番号・枝番 as typed from a card, as the registry keeps them (R-NUM-4): full-width
    digits to ASCII (NFKC), spaces and hyphens removed, the 枝番 on two digits; None when no 枝番
    was given. Online verification and the reception desk look members up by these."""
    return (normalize_digits(symbol), normalize_digits(number),
            normalize_digits(branch).zfill(2) if branch else None)


def needs_same_person(matches: Sequence[tuple[MemberState, str | None]]) -> bool:
    """券面情報による照会: whether telling 無効 from 無効（新しい資格あり） needs the matched person's
    records under other numbers (DOMAIN.md §10) — only when one record matched, it is not in
    force, and a 個人番号 links it to them. Each match comes with the look-up hash of its
    個人番号 (None when none is on record, e.g. erased after the retention period)."""
    return len(matches) == 1 and not matches[0][0].eligible and bool(matches[0][1])


def by_card_data(matches: Sequence[MemberState], same_person: Sequence[MemberState]) -> Verdict:
    """券面情報による照会: `matches` are the visible records with the printed 記号・番号・枝番 and
    birth date; `same_person` the visible records of the matched person under other numbers."""
    if not matches:
        return Verdict(Validity.NOT_FOUND, None)
    if len(matches) > 1:
        return Verdict(Validity.MULTIPLE, None)
    record = matches[0]
    if record.eligible:
        return Verdict(Validity.VALID, record)
    newer = any(other.eligible and other.qualified_on >= record.qualified_on for other in same_person)
    return Verdict(Validity.NEW_QUALIFICATION if newer else Validity.INVALID, record)


def by_person(records: Sequence[MemberState]) -> Verdict:
    """マイナ保険証による照会: `records` are the visible records of the card holder. The one in
    force wins; with none in force, the latest qualification is reported as lost."""
    current = [r for r in records if r.eligible]
    if len(current) > 1:
        return Verdict(Validity.MULTIPLE, None)
    if current:
        return Verdict(Validity.VALID, current[0])
    if not records:
        return Verdict(Validity.NOT_FOUND, None)
    return Verdict(Validity.INVALID, max(records, key=lambda r: r.qualified_on))


def facility_answer(verdict: Verdict, on: date, limit_consent: bool, insurer_number: str,
                    insurer_name: str) -> dict:
    """What a facility is told (DOMAIN.md §10): the validity with its code; the member's printed
    data when one record answers; the copay ratio, 未就学, 高齢受給者 and 特定疾病 only when valid,
    the limit category only with the patient's consent. Never the 個人番号, the address, nor
    anything about other family members."""
    body = {"validity": verdict.validity.word, "validity_code": verdict.validity.code,
            "copay_ratio": None, "preschool": None, "elderly": None, "limit": None,
            "specific_diseases": []}
    state = verdict.state
    if state is None:
        return body
    identity = state.identity
    body["member"] = {
        "insurer_number": insurer_number, "insurer_name": insurer_name,
        "symbol": identity.symbol, "number": identity.number, "branch": identity.branch,
        "relationship_code": RELATIONSHIP_CODES[identity.relationship],
        "name": state.name, "name_kana": state.name_kana, "birth_date": state.birth_date,
        "sex": state.sex, "qualified_on": state.qualified_on, "disqualified_on": state.disqualified_on}
    if verdict.validity is not Validity.VALID:
        return body
    body["copay_ratio"] = state.copay_ratio
    body["preschool"] = on <= preschool_until(state.birth_date)
    body["elderly"] = elderly_status(state, on)
    if limit_consent:
        limit = state.limit
        body["limit"] = {"code": limit.code, "label": limit.label}
    body["specific_diseases"] = specific_diseases(state)
    return body


def elderly_status(state: MemberState, on: date) -> dict | None:
    """高齢受給者 (70–74, R-RATIO-3) on `on`: the ratio and the period; None under 70."""
    if not is_elderly(state.birth_date, on):
        return None
    return {"ratio": state.copay_ratio, "valid_from": elderly_from(state.birth_date),
            "valid_until": elderly_until(state.birth_date)}


def specific_diseases(state: MemberState) -> list[dict]:
    """特定疾病 approvals in force (R-SPD-1): code, monthly limit, period."""
    return [{"code": c.disease, "limit_yen": c.limit_yen, "valid_from": c.valid_from,
             "valid_until": c.valid_until} for c in state.specific_diseases]


def answer_details(verdict: Verdict, on: date, limit_consent: bool) -> dict:
    """What the national messages carry beyond `facility_answer` (OQS.md §1.1), from the same
    record and under the same conditions: the cause of a 資格喪失 (with a 資格喪失日 only), the
    last covered day when one is known, and the period of the limit certification (認定) behind
    the limit category (valid and consented only, as the category itself)."""
    state = verdict.state
    if state is None:
        return {"loss_reason": None, "covered_until": None, "limit_period": None}
    lost = state.disqualified_on is not None
    limit = verdict.validity is Validity.VALID and limit_consent
    return {"loss_reason": state.loss.reason.value if lost else None,
            "covered_until": last_covered_day(state),
            "limit_period": limit_certification_period(state) if limit else None}


class CardsOnFile(NamedTuple):
    """The cards the society has issued to a member: 資格確認書 with their 交付年月日, and the
    legacy 健康保険証 recorded (交付年月日, valid until)."""

    certificates: tuple[tuple[date, HeldCertificate], ...] = ()
    legacy_cards: tuple[tuple[date, date], ...] = ()

    def issued_on_of_card_held(self, on: date) -> date | None:
        """交付年月日 of the card held on `on` (D-174): the latest 資格確認書 valid on its face
        (R-CERT-5, R-CERT-6), else the latest legacy card valid on its face (R-LEG-2); None
        for a マイナ保険証 user."""
        held = [issued for issued, certificate in self.certificates if certificate.valid_on(on)]
        if held:
            return max(held)
        return max((issued for issued, until in self.legacy_cards if legacy_card_on_face(issued, until, on)),
                   default=None)


def last_covered_day(state: MemberState) -> date | None:
    """The last day covered when it is known: the day before the 資格喪失日 the record shows, or
    the end of a limited coverage (任意継続, `coverage_ends_on`) still to come."""
    if state.disqualified_on is not None:
        return state.disqualified_on - timedelta(days=1)
    if state.loss.reason is LossReason.COVERAGE_END:
        return state.loss.on - timedelta(days=1)
    return None


def limit_certification_period(state: MemberState) -> tuple[date, date | None] | None:
    """The period of the 限度額適用（・標準負担額減額）認定 in force that gives the member's limit
    category, None when the category follows from the remuneration alone (R-LIM-1, R-LIM-4)."""
    code = state.limit.code
    found = next((c for c in state.certifications
                  if c.kind in ("limit_reduction", "limit") and c.category_code in (code, None)), None)
    return (found.valid_from, found.valid_until) if found else None
