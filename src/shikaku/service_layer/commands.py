"""The inputs of the use cases, shared by the API, the web pages and the CLI. They check shape
(types, lengths, choices); the rules (check digits, periods, refusals) are the domain's."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..domain.certificates import CertificateReason, NoticeReason
from ..domain.reception import Presented
from ..domain.registry import LossReason, Relationship
from .auth import Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Sex = Literal["male", "female"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenIssue(Command):
    """An API bearer token for a role; the subject is a user's name or a 医療機関コード."""

    role: Role
    subject: str = Field(min_length=1, max_length=100)


class FacilityRegistration(Command):
    """医療機関等の登録 (with its first token)."""

    code: str = Field(max_length=20)
    name: str = Field(min_length=1, max_length=200)


class TokenRevocation(Command):
    """A token revoked by whoever holds it (RFC 7009)."""

    token: str = Field(max_length=200)


class Enrolment(Command):
    """資格取得届 (insured) / 被扶養者異動届 (dependent)."""

    relationship: Relationship
    insured_id: str | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    name: Name
    name_kana: Name
    birth_date: date
    sex: Sex
    qualified_on: date
    registered_on: date | None = None
    standard_monthly_remuneration: int | None = Field(default=None, ge=0)
    resident_tax_exempt: bool = False
    my_number: Digits | None = Field(default=None, max_length=30)
    coverage_ends_on: date | None = None
    kinship: Literal["spouse", "child", "parent", "other"] | None = None  # 続柄 (dependent only)
    certificate_requested: bool = False  # 資格確認書の交付希望欄


class MemberSearch(Command):
    """加入者検索: any of フリガナ (prefix, hiragana accepted), 氏名 (part), 記号, 番号, 生年月日."""

    kana: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    birth_date: date | None = None


class MyNumberRegistration(Command):
    """個人番号の登録 (or its correction)."""

    my_number: Digits = Field(max_length=30)
    registered_on: date | None = None


class Disqualification(Command):
    """資格喪失届."""

    disqualified_on: date
    registered_on: date | None = None
    reason: LossReason


class Amendment(Command):
    """変更届: the changed attributes, from `effective_on`."""

    name: Name | None = None
    name_kana: Name | None = None
    standard_monthly_remuneration: int | None = Field(default=None, ge=0)
    resident_tax_exempt: bool | None = None
    income_declared_low: bool | None = None
    coverage_ends_on: date | None = None
    effective_on: date
    registered_on: date | None = None


class LegacyCard(Command):
    """A 健康保険証 issued before the transition (R-LEG-1)."""

    issued_on: date
    expires_on: date | None = None


class CardVerification(Command):
    """マイナ保険証による照会: the card on the facility's reader."""

    service_date: date
    method: Literal["myna_card"]
    card_id: str = Field(min_length=1, max_length=32)
    identity_check: Literal["face", "pin", "visual"]
    limit_consent: bool = True  # given on the reader's screen with the card


class CardDataVerification(Command):
    """券面情報による照会: the data printed on a 資格確認書 (or a legacy card), typed in."""

    service_date: date | None = None  # in a batch, the batch's date when omitted
    method: Literal["card_info"]
    insurer_number: Digits
    symbol: Digits
    number: Digits
    branch: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] | None = None
    birth_date: date
    limit_consent: bool = False


Verification = Annotated[CardVerification | CardDataVerification, Field(discriminator="method")]


class VerificationBatch(Command):
    """一括照会: up to 10,000 card-data queries for one service date."""

    service_date: date
    items: list[CardDataVerification] = Field(max_length=10_000)


class CertificateApplication(Command):
    """資格確認書（再）交付申請書."""

    reason: CertificateReason
    applied_on: date | None = None
    override_note: Note | None = None  # R-CERT-3: why a supervisor accepts a contradicted reason
    note: Note | None = None  # 備考: the applicant's own words (その他 is free text, R-CERT-2)


class NoticeApplication(Command):
    """資格情報のお知らせ (initial issue or 再交付申請)."""

    reason: NoticeReason
    applied_on: date | None = None
    portal_accessible: bool = False


class LimitApplication(Command):
    """限度額適用認定申請 / 限度額適用・標準負担額減額認定申請."""

    kind: Literal["limit", "limit_reduction"]
    applied_on: date | None = None
    income_none: bool = False  # 70–74 with no income: 低所得Ⅰ


class SpecificDiseaseApplication(Command):
    """特定疾病認定申請."""

    disease: Literal["1", "2", "3"]
    applied_on: date | None = None


class ElderlyApplication(Command):
    """高齢受給者証の交付."""

    applied_on: date | None = None


class CertificateRun(Command):
    """職権交付 (R-CERT-4) or 更新 (R-CERT-8) for the whole society."""

    run_on: date | None = None
    cohort: Literal["legacy_holders", "all_without_myna"] = "legacy_holders"
    dry_run: bool = False


class RenewalRun(Command):
    run_on: date | None = None
    cycle_end: date | None = None  # default: the cycle end on or after run_on
    dry_run: bool = False


class ReceptionFacility(Command):
    online_verification: bool
    reader_working: bool = True


class ReceptionAssessment(Command):
    """窓口での確認: what was presented, at what kind of facility, on which day."""

    service_date: date
    facility: ReceptionFacility
    presented: list[Presented] = Field(min_length=1, max_length=5)
    card_id: str | None = Field(default=None, max_length=32)
    insurer_number: Digits | None = None
    symbol: Digits | None = None
    number: Digits | None = None
    branch: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] | None = None
    birth_date: date | None = None


class CardCheck(Command):
    """A QR payload read from a printed card."""

    payload: str = Field(min_length=1, max_length=2000)
