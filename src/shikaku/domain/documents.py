"""What each paper document prints (記載事項), as plain data. The PDF adapter lays these out;
the rules that decide who gets which document, and until when, are in `certificates.py`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """The person and the insurer as printed on every document."""

    name: str
    name_kana: str
    birth_date: date
    sex: str  # "male" | "female"
    relationship: str  # "insured" | "dependent" (本人 / 家族)
    symbol: str
    number: str
    branch: str
    insurer_number: str
    insurer_name: str
    qualified_on: date  # 資格取得年月日


@dataclass(frozen=True, slots=True)
class EligibilityCertificatePrint:
    """資格確認書 (R-CERT-10): card size; the ratio and its 発効期日 only from age 70."""

    serial: str
    holder: Holder
    issued_on: date  # 交付年月日
    valid_from: date
    expires_on: date  # 有効期限
    copay_ratio: int | None = None  # 一部負担金の割合 (percent), from 70
    ratio_effective_from: date | None = None  # 発効期日


@dataclass(frozen=True, slots=True)
class EligibilityNoticePrint:
    """資格情報のお知らせ (R-NOTICE-1): A4 with a card-size cut-out; never 性別 nor the My Number."""

    holder: Holder
    issued_on: date
    copay_ratio: int | None = None  # from 70
    ratio_effective_from: date | None = None


@dataclass(frozen=True, slots=True)
class LimitCertificatePrint:
    """限度額適用認定証 (kind "limit") or 限度額適用・標準負担額減額認定証 ("limit_reduction")."""

    kind: str
    serial: str
    holder: Holder
    category_code: str
    category: str  # 適用区分 label (ア, オ, 現役並みⅡ …)
    issued_on: date
    valid_from: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class ElderlyCertificatePrint:
    """高齢受給者証 (R-ELD-1)."""

    serial: str
    holder: Holder
    copay_ratio: int
    issued_on: date
    valid_from: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class SpecificDiseaseCertificatePrint:
    """特定疾病療養受療証 (R-SPD-1)."""

    serial: str
    holder: Holder
    disease: str  # "1" | "2" | "3"
    disease_name: str
    limit_yen: int
    issued_on: date
    valid_from: date


@dataclass(frozen=True, slots=True)
class PortalScreenPrint:
    """資格情報画面 as a PDF (Q2: a download of it replaces carrying the notice): what the notice
    prints (never 性別 nor the My Number) plus the state on `as_of`; `printed_at` is 出力日時."""

    holder: Holder
    as_of: date
    printed_at: datetime  # Japan time
    disqualified_on: date | None  # 資格喪失年月日
    copay_ratio: int | None  # percent; None when not eligible
    limit_category: str | None  # 適用区分 label
    elderly: tuple[int, date, date] | None  # 高齢受給者: ratio, from, until
    specific_diseases: tuple[tuple[str, int], ...] = ()  # (disease name, monthly limit yen)


SPECIFIC_DISEASES = {
    "1": "人工腎臓を実施している慢性腎不全",
    "2": "血漿分画製剤を投与している先天性血液凝固第Ⅷ因子障害又は先天性血液凝固第Ⅸ因子障害",
    "3": "抗ウイルス剤を投与している後天性免疫不全症候群（HIV感染を含み、血液凝固因子製剤の投与に起因するもの）",
}

# The name of each kind of document (qr_payload.CODES), as its title prints it and the pages list it.
DOCUMENT_NAMES = {"certificate": "資格確認書", "notice": "資格情報のお知らせ",
                  "limit": "限度額適用認定証", "limit_reduction": "限度額適用・標準負担額減額認定証",
                  "elderly": "高齢受給者証", "specific_disease": "特定疾病療養受療証"}
