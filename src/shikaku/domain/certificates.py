"""資格確認書, 資格情報のお知らせ and the limit / elderly / 特定疾病 certifications: who gets which
document, from when and until when (DOMAIN.md §5, §6, §8)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterable, Sequence

from .age import anniversary
from .errors import DomainError
from .myna import MynaCard, card_works, is_registered_for_insurance
from .policy import DEFAULT_POLICY, Policy
from .ratio import elderly_from, is_elderly, late_elderly_from
from .registry import MemberState
from .wareki import format_wareki_month


class CertificateReason(StrEnum):
    """資格確認書の交付理由 (Q6 ①–⑧, ⑨ national rule, その他) and the society's own runs."""

    CARD_LOST = "card_lost"  # ① マイナンバーカードを紛失
    CARD_RENEWAL = "card_renewal"  # ② カードの更新手続き中
    CERTIFICATE_EXPIRED = "certificate_expired"  # ③ 電子証明書の有効期限切れ
    NOT_REGISTERED = "not_registered"  # ④ 健康保険証利用登録をしていない
    NO_CARD = "no_card"  # ⑤ カードを取得していない
    CARD_RETURNED = "card_returned"  # ⑥ カードを返納
    NEEDS_ASSISTANCE = "needs_assistance"  # ⑦ 介助者などの支援が必要
    CERTIFICATE_LOST_OR_DAMAGED = "certificate_lost_or_damaged"  # ⑧ 資格確認書の滅失・き損
    REGISTRATION_CANCELLED = "registration_cancelled"  # ⑨ 利用登録を解除
    OTHER = "other"  # その他
    EX_OFFICIO = "ex_officio"  # 職権交付 (R-CERT-4), never applied for
    RENEWAL = "renewal"  # 更新 (R-CERT-8), never applied for


APPLICABLE = frozenset(CertificateReason) - {CertificateReason.EX_OFFICIO, CertificateReason.RENEWAL}
# R-CERT-3: declarations the registry cannot check.
DECLARED = frozenset({CertificateReason.CARD_LOST, CertificateReason.CARD_RENEWAL,
                      CertificateReason.CARD_RETURNED, CertificateReason.NEEDS_ASSISTANCE,
                      CertificateReason.CERTIFICATE_LOST_OR_DAMAGED})


@dataclass(frozen=True, slots=True)
class HeldCertificate:
    """A 資格確認書 already issued to the member."""

    serial: str
    reason: CertificateReason
    valid_from: date
    expires_on: date
    superseded_on: date | None = None

    def valid_on(self, day: date) -> bool:
        """Valid on its face on `day` (R-CERT-5, R-CERT-6); eligibility is checked apart (R-CERT-7)."""
        return (self.valid_from <= day <= self.expires_on
                and (self.superseded_on is None or day < self.superseded_on))

    def held_on(self, day: date) -> bool:
        """Valid on `day` or later (a renewal issued before the cycle end counts as held)."""
        return day <= self.expires_on and (self.superseded_on is None or day < self.superseded_on)


def check_certificates_exist(day: date, field: str, policy: Policy = DEFAULT_POLICY) -> None:
    """R-CERT-5: nothing about certificates (issue, run, cycle) is dated before 2024-12-02."""
    if day not in policy.certificates:
        raise DomainError("before_certificates", "資格確認書は令和6年12月2日以降に交付されます", field)


def cycle_end_on_or_after(day: date, policy: Policy = DEFAULT_POLICY) -> date:
    """The society's renewal cycle end (更新サイクル) on or after `day` (R-CERT-5)."""
    cycle = policy.certificate_cycle.on(day)
    end = cycle.first_end
    while end < day:
        end = anniversary(end, cycle.years)
    return end


def certificate_expiry(issued_on: date, state: MemberState, policy: Policy = DEFAULT_POLICY) -> date:
    """有効期限 of a certificate issued on `issued_on` (R-CERT-5): the first cycle end on or after
    it, never more than 5 years on, never after the day before the 75th birthday, never after a
    known coverage end."""
    cycle = policy.certificate_cycle.on(issued_on)
    limits = [cycle_end_on_or_after(issued_on, policy),
              anniversary(issued_on, cycle.max_years) - timedelta(days=1),
              late_elderly_from(state.birth_date) - timedelta(days=1)]
    if state.coverage_ends_on is not None:
        limits.append(state.coverage_ends_on)
    return min(limits)


def contradiction(reason: CertificateReason, cards: Sequence[MynaCard], on: date,
                  policy: Policy = DEFAULT_POLICY) -> str | None:
    """Why the registry contradicts a checkable reason (R-CERT-3), in Japanese; None if it does not."""
    registered = any(is_registered_for_insurance(c, on) for c in cards)
    if reason is CertificateReason.CERTIFICATE_EXPIRED and any(card_works(c, on, policy) for c in cards):
        return "登録上、マイナンバーカードの電子証明書は有効（期限切れ後の猶予期間を含む）です"
    if reason in (CertificateReason.NOT_REGISTERED, CertificateReason.REGISTRATION_CANCELLED) and registered:
        return "登録上、マイナ保険証の利用登録は有効です"
    if reason is CertificateReason.NO_CARD and cards:
        return "登録上、マイナンバーカードをお持ちです"
    return None


@dataclass(frozen=True, slots=True)
class Issue:
    """A decision to issue a 資格確認書."""

    valid_from: date
    expires_on: date
    supersedes: tuple[str, ...]  # serials that stop being valid on the issue date (R-CERT-6)


def decide_application(reason: CertificateReason, on: date, state: MemberState,
                       cards: Sequence[MynaCard], myna_usable: bool,
                       held: Iterable[HeldCertificate], overridden: bool,
                       policy: Policy = DEFAULT_POLICY) -> Issue:
    """資格確認書の交付申請 (R-CERT-1…6): refusals in the order of the rules, else the issue."""
    check_certificates_exist(on, "applied_on", policy)
    if not state.eligible:
        raise DomainError("not_eligible", "申請日に資格がないため交付できません")
    why = contradiction(reason, cards, on, policy) if reason not in DECLARED else None
    if why and not overridden:
        raise DomainError("reason_contradicts_registry",
                          f"申請理由が登録内容と一致しません（{why}）。確認のうえ、必要なら責任者が理由を記入して承認してください",
                          "reason")
    if reason is CertificateReason.OTHER and myna_usable:
        raise DomainError("myna_usable", "マイナ保険証で問題なく受診できる方には資格確認書を交付できません（Q5）",
                          "reason")
    current = [h for h in held if h.held_on(on)]
    if current and reason is not CertificateReason.CERTIFICATE_LOST_OR_DAMAGED:
        raise DomainError("already_holds_certificate",
                          "有効な資格確認書をお持ちです。滅失・き損の場合は⑧で再交付を申請してください",
                          status=409)
    return Issue(on, certificate_expiry(on, state, policy), tuple(h.serial for h in current))


def in_ex_officio_cohort(state: MemberState, cohort: str, on: date, myna_usable: bool,
                         held: Iterable[HeldCertificate], policy: Policy = DEFAULT_POLICY) -> bool:
    """職権交付の対象 (R-CERT-4): eligible on the run day, without a usable マイナ保険証 and
    without a certificate; `legacy_holders` only those enrolled by 2024-12-01."""
    if cohort == "legacy_holders" and state.qualified_on > policy.ex_officio_enrolled_by:
        return False
    return state.eligible and not myna_usable and not any(h.valid_on(on) for h in held)


def renewal_window(cycle_end: date, policy: Policy = DEFAULT_POLICY) -> date:
    """The first day a renewal run may issue certificates for `cycle_end` (R-CERT-8: from 09-01)."""
    month, day = policy.renewal_opens
    return date(cycle_end.year, month, day)


def needs_renewal(state: MemberState, cycle_end: date, myna_usable: bool,
                  held: Iterable[HeldCertificate]) -> bool:
    """R-CERT-8: a holder of a certificate expiring at the cycle end who still cannot use
    マイナ保険証 (holders for ⑦ regardless) and who is still eligible after it."""
    held = list(held)
    expiring = [h for h in held if h.expires_on == cycle_end and h.superseded_on is None]
    already = any(h.valid_from > cycle_end for h in held)
    assisted = any(h.reason is CertificateReason.NEEDS_ASSISTANCE for h in expiring)
    still_covered = state.loss.on > cycle_end + timedelta(days=1)
    return bool(expiring) and not already and still_covered and (assisted or not myna_usable)


# ------------------------------------------------------------------ 資格情報のお知らせ (§6)

class NoticeReason(StrEnum):
    INITIAL = "initial"  # 初回 (R-NOTICE-1)
    LOST = "lost"  # 紛失 (Q3)
    NAME_CHANGE = "name_change"  # 氏名変更等 (Q4)


def decide_notice(reason: NoticeReason, applied_on: date, state: MemberState,
                  portal_accessible: bool, already_issued: bool) -> date:
    """The issue date of a notice (R-NOTICE-1, -4): once the My Number-bearing data is
    published; a reissue only when the portal screen cannot be viewed."""
    if state.online_from is None:
        raise DomainError("no_my_number", "個人番号が登録されていないため、資格情報のお知らせは交付できません")
    if reason is NoticeReason.INITIAL:
        if already_issued:
            raise DomainError("already_issued", "資格情報のお知らせは交付済みです。再交付は紛失等の理由で申請してください",
                              status=409)
    elif portal_accessible:
        raise DomainError("portal_available",
                          "マイナポータルの資格情報画面を確認できる場合は再交付は不要です（Q3・Q4）。画面のダウンロードをご利用ください",
                          "portal_accessible")
    return max(applied_on, state.online_from)


# ------------------------------------------------------------------ certifications (§8)

def first_of_month(day: date) -> date:
    return day.replace(day=1)


def certification_period(applied_on: date, state: MemberState,
                         policy: Policy = DEFAULT_POLICY) -> tuple[date, date]:
    """R-LIM-5: from the 1st of the application month, at most `limit_certificate_months`,
    and not past the last covered day nor the end of the age group."""
    start = first_of_month(applied_on)
    months = start.month - 1 + policy.limit_certificate_months
    end = date(start.year + months // 12, months % 12 + 1, 1) - timedelta(days=1)
    last_covered = state.loss.on - timedelta(days=1)
    return start, min(end, last_covered)


ACTIVE_INCOME_CERTIFIABLE = frozenset({"B02", "B03"})  # 現役並みⅡ・Ⅰ (R-LIM-3)


def decide_limit(state: MemberState, myna_usable: bool, on: date) -> str:
    """限度額適用認定 (R-LIM-3): the category to certify, or a refusal."""
    if not state.eligible:
        raise DomainError("not_eligible", "申請日に資格がありません")
    if myna_usable:
        raise DomainError("provided_online",
                          "マイナ保険証をご利用の方は、医療機関等がオンラインで限度額情報を確認できるため認定証は不要です", "kind")
    category = state.limit
    if category.elderly and category.code not in ACTIVE_INCOME_CERTIFIABLE:
        raise DomainError("not_applicable",
                          f"70歳以上で適用区分が「{category.label}」の方には限度額適用認定証は交付されません", "kind")
    return category.code


def decide_limit_reduction(state: MemberState, on: date, income_none: bool = False) -> str:
    """限度額適用・標準負担額減額認定 (R-LIM-4): for resident-tax-exempt insured, even with
    マイナ保険証: オ under 70, 低所得Ⅱ (or Ⅰ without income) from 70."""
    if not state.eligible:
        raise DomainError("not_eligible", "申請日に資格がありません")
    if not state.resident_tax_exempt:
        raise DomainError("not_applicable", "住民税非課税の方が対象です", "kind")
    if is_elderly(state.birth_date, on):
        return "B06" if income_none else "B05"
    return "A05"


SPECIFIC_DISEASE_LIMIT = 10_000
DIALYSIS_HIGH_INCOME_LIMIT = 20_000
DIALYSIS_HIGH_INCOME_REMUNERATION = 530_000


def specific_disease_limit(disease: str, state: MemberState, on: date) -> int:
    """特定疾病の自己負担限度額 (R-SPD-1): 10,000 yen a month; 20,000 for ① (dialysis) under 70
    when the insured's 標準報酬月額 is 530,000 or more."""
    if disease == "1" and not is_elderly(state.birth_date, on) and \
            state.insured.standard_monthly_remuneration >= DIALYSIS_HIGH_INCOME_REMUNERATION:
        return DIALYSIS_HIGH_INCOME_LIMIT
    return SPECIFIC_DISEASE_LIMIT


def check_elderly_application(birth_date: date, applied_on: date) -> None:
    """D-31: a 高齢受給者証 is sent ahead from the 1st of the month the member turns 70, not
    earlier (the month before the ratio changes, R-RATIO-3)."""
    opens = (elderly_from(birth_date) - timedelta(days=1)).replace(day=1)
    if applied_on < opens:
        raise DomainError("not_applicable", "高齢受給者証は70歳から74歳の方が対象です"
                          f"（{format_wareki_month(opens)}から交付できます）")


def decide_elderly_certificate(state: MemberState, myna_usable: bool, on: date) -> None:
    """高齢受給者証 (R-ELD-1): only for 70–74 without マイナ保険証."""
    if not (state.eligible and is_elderly(state.birth_date, on)):
        raise DomainError("not_applicable", "高齢受給者証は70歳から74歳の方が対象です")
    if myna_usable:
        raise DomainError("provided_online",
                          "マイナ保険証をご利用の方は、医療機関等がオンラインで負担割合を確認できるため受給者証は交付しません")
