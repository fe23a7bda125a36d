"""The inputs of the use cases, shared by the API, the web pages and the CLI. They check shape
(types, lengths, choices); the rules (check digits, periods, refusals) are the domain's."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Callable, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from ..domain.certificates import CertificateReason, NoticeReason
from ..domain.dates import FIRST_DAY, LAST_DAY, check_date
from ..domain.errors import DomainError
from ..domain.reception import Presented
from ..domain.registry import LossReason, Relationship
from ..domain.text import check_text, refused_character
from .auth import Role

# The Japanese names of the fields, for the messages that name them (R-NUM-4); by model where
# a field name means something else there.
LABELS = {
    "name": "氏名", "name_kana": "フリガナ", "kana": "フリガナ", "subject": "対象", "code": "医療機関コード",
    "token": "トークン", "insured_id": "被保険者", "symbol": "記号", "number": "番号", "branch": "枝番",
    "my_number": "個人番号", "card_id": "カード番号", "insurer_number": "保険者番号", "payload": "二次元コード",
    "override_note": "承認理由", "note": "備考", "birth_date": "生年月日", "qualified_on": "資格取得日",
    "registered_on": "登録日", "coverage_ends_on": "資格終了予定日", "disqualified_on": "資格喪失日",
    "effective_on": "変更日（効力発生日）", "issued_on": "交付日", "expires_on": "有効期限",
    "service_date": "診療日", "applied_on": "申請日", "run_on": "処理日", "cycle_end": "更新する有効期限",
    "certificate_expires_on": "資格確認書の有効期限", "legacy_card_expires_on": "健康保険証の有効期限",
    "as_of": "基準日", "cancelled_on": "解除日", "month": "診療月",
    "postcode": "郵便番号", "address": "住所", "mail_to": "送付先", "returned_on": "返納日",
}
_MODEL_LABELS = {("FacilityRegistration", "name"): "名称"}


def _label(info: ValidationInfo, unnamed: str) -> str:
    """The field's Japanese name; `unnamed` where pydantic does not say which field (a query
    parameter validated on its own)."""
    model = (info.config or {}).get("title")
    return _MODEL_LABELS.get((model, info.field_name)) or LABELS.get(info.field_name or "", unnamed)


def _domain_check(accepts: Callable[[Any], bool], check: Callable[[Any, str], Any], unnamed: str) -> AfterValidator:
    """A domain rule as a validator: `accepts` is the rule's quick test (a verification runs
    six of these); what it does not accept gets `check`'s refusal as a validation error of the
    field (at its place in the input), with the rule's code and Japanese message."""
    def validate(value, info: ValidationInfo):
        if accepts(value):
            return value
        try:
            return check(value, _label(info, unnamed))
        except DomainError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
    return AfterValidator(validate)


# Every text field refuses control, format and invisible characters (domain.text); a note
# keeps its line breaks and tabs. Every date lies in the application's range (domain.dates, D-92).
OneLine = _domain_check(lambda text: refused_character(text) is None, check_text, "入力内容")
MultiLine = _domain_check(lambda text: refused_character(text, multiline=True) is None,
                          lambda text, label: check_text(text, label, multiline=True), "入力内容")
Day = Annotated[date, _domain_check(lambda day: FIRST_DAY <= day <= LAST_DAY, check_date, "日付")]
Line = Annotated[str, OneLine]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16), OneLine]
Sex = Literal["male", "female"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), MultiLine]
Branch = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2), OneLine]
Search = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), OneLine]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenIssue(Command):
    """An API bearer token for a role; the subject is a user's name or a 医療機関コード."""

    role: Role
    subject: Line = Field(min_length=1, max_length=100)


class FacilityRegistration(Command):
    """医療機関等の登録 (with its first token)."""

    code: Line = Field(max_length=20)
    name: Line = Field(min_length=1, max_length=200)


class TokenRevocation(Command):
    """A token revoked by whoever holds it (RFC 7009)."""

    token: Line = Field(max_length=200)


class Enrolment(Command):
    """資格取得届 (insured) / 被扶養者異動届 (dependent)."""

    relationship: Relationship
    insured_id: Line | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    name: Name
    name_kana: Name
    birth_date: Day
    sex: Sex
    qualified_on: Day
    registered_on: Day | None = None
    standard_monthly_remuneration: int | None = Field(default=None, ge=0)
    resident_tax_exempt: bool = False
    my_number: Digits | None = Field(default=None, max_length=30)
    coverage_ends_on: Day | None = None
    kinship: Literal["spouse", "child", "parent", "other"] | None = None  # 続柄 (dependent only)
    certificate_requested: bool = False  # 資格確認書の交付希望欄
    # False: stop with 409 `possible_duplicate` when the same フリガナ and 生年月日 belong to an
    # eligible member (the web form until the clerk ticks 別人であることを確認しました; D-122).
    confirm_duplicates: bool = True


class MemberSearch(Command):
    """加入者検索: any of フリガナ (prefix, hiragana accepted), 氏名 (part), 記号, 番号, 生年月日."""

    kana: Search | None = None
    name: Search | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    birth_date: Day | None = None


class MyNumberRegistration(Command):
    """個人番号の登録 (or its correction)."""

    my_number: Digits = Field(max_length=30)
    registered_on: Day | None = None


class Disqualification(Command):
    """資格喪失届."""

    disqualified_on: Day
    registered_on: Day | None = None
    reason: LossReason


class Amendment(Command):
    """変更届: the changed attributes, from `effective_on`."""

    name: Name | None = None
    name_kana: Name | None = None
    standard_monthly_remuneration: int | None = Field(default=None, ge=0)
    resident_tax_exempt: bool | None = None
    income_declared_low: bool | None = None
    coverage_ends_on: Day | None = None
    effective_on: Day
    registered_on: Day | None = None


class LegacyCard(Command):
    """A 健康保険証 issued before the transition (R-LEG-1)."""

    issued_on: Day
    expires_on: Day | None = None


class CardVerification(Command):
    """マイナ保険証による照会: the card on the facility's reader."""

    service_date: Day
    method: Literal["myna_card"]
    card_id: Line = Field(min_length=1, max_length=32)
    identity_check: Literal["face", "pin", "visual"]
    limit_consent: bool = True  # given on the reader's screen with the card


class CardDataVerification(Command):
    """券面情報による照会: the data printed on a 資格確認書 (or a legacy card), typed in."""

    service_date: Day | None = None  # in a batch, the batch's date when omitted
    method: Literal["card_info"]
    insurer_number: Digits
    symbol: Digits
    number: Digits
    branch: Branch | None = None
    birth_date: Day
    limit_consent: bool = False


Verification = Annotated[CardVerification | CardDataVerification, Field(discriminator="method")]


class VerificationBatch(Command):
    """一括照会: up to 10,000 card-data queries for one service date."""

    service_date: Day
    items: list[CardDataVerification] = Field(max_length=10_000)


class CertificateApplication(Command):
    """資格確認書（再）交付申請書."""

    reason: CertificateReason
    applied_on: Day | None = None
    override_note: Note | None = None  # R-CERT-3: why a supervisor accepts a contradicted reason
    note: Note | None = None  # 備考: the applicant's own words (その他 is free text, R-CERT-2)


class NoticeApplication(Command):
    """資格情報のお知らせ (initial issue or 再交付申請)."""

    reason: NoticeReason
    applied_on: Day | None = None
    portal_accessible: bool = False


class LimitApplication(Command):
    """限度額適用認定申請 / 限度額適用・標準負担額減額認定申請."""

    kind: Literal["limit", "limit_reduction"]
    applied_on: Day | None = None
    income_none: bool = False  # 70–74 with no income: 低所得Ⅰ


class SpecificDiseaseApplication(Command):
    """特定疾病認定申請."""

    disease: Literal["1", "2", "3"]
    applied_on: Day | None = None


class ElderlyApplication(Command):
    """高齢受給者証の交付."""

    applied_on: Day | None = None


class CertificateRun(Command):
    """職権交付 (R-CERT-4) or 更新 (R-CERT-8) for the whole society."""

    run_on: Day | None = None
    cohort: Literal["legacy_holders", "all_without_myna"] = "legacy_holders"
    dry_run: bool = False


class RenewalRun(Command):
    run_on: Day | None = None
    cycle_end: Day | None = None  # default: the cycle end on or after run_on
    dry_run: bool = False


class ReceptionFacility(Command):
    online_verification: bool
    reader_working: bool = True


class ReceptionAssessment(Command):
    """窓口での確認: what was presented, at what kind of facility, on which day."""

    service_date: Day
    facility: ReceptionFacility
    presented: list[Presented] = Field(min_length=1, max_length=5)
    card_id: Line | None = Field(default=None, max_length=32)
    insurer_number: Digits | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    branch: Branch | None = None
    birth_date: Day | None = None
    # The faces as a facility's desk read them (§9): what the registry holds is not told to it.
    certificate_expires_on: Day | None = None  # 資格確認書の有効期限
    legacy_card_expires_on: Day | None = None  # 健康保険証の有効期限


class CardCheck(Command):
    """A QR payload read from a printed card."""

    payload: Line = Field(min_length=1, max_length=2000)


class AddressChange(Command):
    """住所・送付先 of a member (D-115, D-116): normalised and checked by `domain.addresses`."""

    postcode: Line = Field(max_length=20)
    address: Line = Field(max_length=400)
    mail_to: Literal["home", "employer"] = "home"
    registered_on: Day | None = None


class CertificateReturn(Command):
    """返納: the day a 資格確認書 came back (D-118)."""

    returned_on: Day | None = None
