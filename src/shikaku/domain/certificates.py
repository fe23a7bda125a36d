"""資格確認書, 資格情報のお知らせ and the limit / elderly / 特定疾病 certifications: who gets which
document, from when and until when (DOMAIN.md §5, §6, §8)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Iterable, Mapping, Sequence

from .age import anniversary
from .errors import DomainError
from .myna import MynaCard, card_works, is_registered_for_insurance, myna_usable
from .numbers import luhn_check_digit
from .policy import Policy
from .qr_payload import SERIAL_PREFIX
from .ratio import elderly_from, elderly_until, is_elderly, late_elderly_from
from .registrations import Certified
from .registry import MemberState, Relationship
from .wareki import format_wareki, format_wareki_month


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
    cancelled_on: date | None = None  # 取消 (issued in error): not valid from that day (D-128)

    def valid_on(self, day: date) -> bool:
        """Valid on its face on `day` (R-CERT-5, R-CERT-6); eligibility is checked apart (R-CERT-7)."""
        return (self.valid_from <= day <= self.expires_on
                and (self.superseded_on is None or day < self.superseded_on)
                and (self.cancelled_on is None or day < self.cancelled_on))

    def becomes_valid_on(self, day: date, eligible: bool) -> date | None:
        """公開前 (D-158): the day a certificate not yet valid on `day` starts to be, None when
        it is valid or will never be (expired, superseded, cancelled, or the member not eligible)."""
        return self.valid_from if eligible and day < self.valid_from and self.valid_on(self.valid_from) else None

    def held_on(self, day: date) -> bool:
        """Valid on `day` or later (a renewal issued before the cycle end counts as held)."""
        return day <= self.expires_on and (self.superseded_on is None or day < self.superseded_on) \
            and (self.cancelled_on is None or day < self.cancelled_on)


def proves_eligibility(certificate: HeldCertificate, on: date, eligible: bool) -> bool:
    """R-CERT-7: a 資格確認書 proves eligibility on `on` only from its valid-from date through its
    expiry (and before a reissue supersedes it) and only while the member is eligible."""
    return eligible and certificate.valid_on(on)


@dataclass(frozen=True, slots=True)
class EligibilityCertificate:
    """資格確認書 as issued: 交付番号, 交付理由, 交付年月日 and period (`run_id`: issued by a run)."""

    id: int
    member_id: int
    serial: str
    reason: CertificateReason
    issued_on: date
    valid_from: date
    expires_on: date
    superseded_on: date | None = None
    run_id: int | None = None
    override_note: str | None = None  # why a supervisor accepted a contradicted reason (R-CERT-3)
    returned_on: date | None = None  # 返納: the day the card came back (issue 14)
    cancelled_on: date | None = None  # 取消 of a certificate issued in error (D-128) …
    cancel_reason: str | None = None  # … why …
    cancelled_by: str | None = None  # … and by whom

    @property
    def held(self) -> HeldCertificate:
        return HeldCertificate(self.serial, self.reason, self.valid_from, self.expires_on, self.superseded_on,
                               self.cancelled_on)

    def kept_at_loss(self, lost_on: date) -> bool:
        """Held when its holder lost eligibility, so due back (未回収): issued before the
        資格喪失日, expiring on or after it, not superseded on or before it. Only a 資格確認書
        is due back: a legacy card need not be returned after 2025-12-02 (R-LEG-4), so none is
        counted."""
        return self.issued_on < lost_on <= self.expires_on and \
            (self.superseded_on is None or self.superseded_on > lost_on) and \
            (self.cancelled_on is None or self.cancelled_on > lost_on)


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    """資格情報のお知らせ or a certification (限度額, 減額, 高齢受給者, 特定疾病) as issued;
    `serial` None: recorded, no paper (the approval is online only)."""

    id: int
    member_id: int
    kind: str  # "notice" | "limit" | "limit_reduction" | "elderly" | "specific_disease"
    serial: str | None
    issued_on: date
    valid_from: date | None
    valid_until: date | None
    detail: Mapping[str, Any]
    cancelled_on: date | None = None  # 取消 (issued in error): not valid from that day (D-128)
    cancel_reason: str | None = None
    cancelled_by: str | None = None

    def valid_on(self, on: date, eligible: bool) -> bool:
        """Worth something on `on`: the member is eligible and the day is within its period
        (from its valid-from date, or its issue date, to its valid-until date if any) and
        before a cancellation."""
        return eligible and (self.valid_from or self.issued_on) <= on and \
            (self.valid_until is None or on <= self.valid_until) and \
            (self.cancelled_on is None or on < self.cancelled_on)

    def becomes_valid_on(self, on: date, eligible: bool) -> date | None:
        """公開前 (D-158): the day a document not yet valid on `on` starts to be — a notice is
        issued on the publication day of the My Number (R-MYNA-2, `decide_notice`) — None when
        it is valid or will never be."""
        start = self.valid_from or self.issued_on
        return start if on < start and self.valid_on(start, eligible) else None


def serial_number(kind: str, sequence: int) -> str:
    """交付番号 of the `sequence`-th document of a kind: its prefix, 9 digits and an R-NUM-1
    check digit (numbers are never reused)."""
    digits = f"{sequence:09d}"
    return SERIAL_PREFIX[kind] + digits + luhn_check_digit(digits)


def printed_ratio(state: MemberState, on: date) -> tuple[int | None, date | None]:
    """一部負担金の割合 and its 発効期日 as a document issued on `on` prints them: only from 70
    (R-CERT-10, R-NOTICE-1); (None, None) before."""
    if not is_elderly(state.birth_date, on):
        return None, None
    return state.copay_ratio, max(elderly_from(state.birth_date), on)


def check_certificates_exist(day: date, field: str, policy: Policy) -> None:
    """R-CERT-5: nothing about certificates (issue, run, cycle) is dated before 2024-12-02."""
    if day not in policy.certificates:
        raise DomainError("before_certificates",
                          f"資格確認書は{format_wareki(policy.certificates.first)}以降に交付されます", field)


def cycle_end_on_or_after(day: date, policy: Policy) -> date:
    """The society's renewal cycle end (更新サイクル) on or after `day` (R-CERT-5)."""
    cycle = policy.certificate_cycle.on(day)
    end = cycle.first_end
    while end < day:
        end = anniversary(end, cycle.years)
    return end


def certificate_expiry(issued_on: date, state: MemberState, policy: Policy) -> date:
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


def check_applicable(reason: CertificateReason) -> None:
    """R-CERT-2: the reasons of an application; 職権 and 更新 are never applied for."""
    if reason not in APPLICABLE:
        raise DomainError("invalid_reason", "この理由では申請できません", "reason")


def contradiction(reason: CertificateReason, cards: Sequence[MynaCard], on: date,
                  policy: Policy) -> str | None:
    """Why the registry contradicts a checkable reason (R-CERT-3), in Japanese; None if it does not."""
    registered = any(is_registered_for_insurance(c, on) for c in cards)
    if reason is CertificateReason.CERTIFICATE_EXPIRED and any(card_works(c, on, policy) for c in cards):
        return "登録上、マイナンバーカードの電子証明書は有効（期限切れ後の猶予期間を含む）です"
    if reason in (CertificateReason.NOT_REGISTERED, CertificateReason.REGISTRATION_CANCELLED) and registered:
        return "登録上、マイナ保険証の利用登録は有効です"
    if reason is CertificateReason.NO_CARD and cards:
        return "登録上、マイナンバーカードをお持ちです"
    return None


def is_overridden(reason: CertificateReason, override_note: str | None, cards: Sequence[MynaCard],
                  on: date, policy: Policy) -> bool:
    """R-CERT-3: a written `override_note` overrides the registry's contradiction of the reason;
    there is nothing to override when it does not contradict it."""
    return bool(override_note) and contradiction(reason, cards, on, policy) is not None


@dataclass(frozen=True, slots=True)
class Issue:
    """A decision to issue a 資格確認書."""

    valid_from: date
    expires_on: date
    supersedes: tuple[str, ...]  # serials that stop being valid on the issue date (R-CERT-6)


def decide_application(reason: CertificateReason, on: date, state: MemberState,
                       cards: Sequence[MynaCard], myna_usable: bool,
                       held: Iterable[HeldCertificate], overridden: bool,
                       policy: Policy) -> Issue:
    """資格確認書の交付申請: refusals in the order of the rules, else the issue — none before
    2024-12-02 (R-CERT-5); a checkable reason the registry contradicts, unless overridden
    (R-CERT-3); `other` while マイナ保険証 is usable (R-CERT-1, R-CERT-2); a second valid
    certificate, except a reissue (⑧) that supersedes the one held (R-CERT-6). The issue
    expires by R-CERT-5."""
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
                         held: Iterable[HeldCertificate], policy: Policy) -> bool:
    """職権交付の対象 (R-CERT-4): eligible on the run day, without a usable マイナ保険証 and
    without a certificate; `legacy_holders` only those enrolled by 2024-12-01."""
    if cohort == "legacy_holders" and state.qualified_on > policy.ex_officio_enrolled_by:
        return False
    return state.eligible and not myna_usable and not any(h.valid_on(on) for h in held)


def renewal_window(cycle_end: date, policy: Policy) -> date:
    """The first day a renewal run may issue certificates for `cycle_end` (R-CERT-8: from 09-01)."""
    month, day = policy.renewal_opens
    return date(cycle_end.year, month, day)


def renewal_cycle_end(run_on: date, cycle_end: date | None, policy: Policy) -> date:
    """The cycle end a renewal run on `run_on` renews (R-CERT-8): the one given, or the next;
    refused unless it is a cycle end (R-CERT-5) and the run falls in its renewal window."""
    check_certificates_exist(run_on, "run_on", policy)
    if cycle_end:
        check_certificates_exist(cycle_end, "cycle_end", policy)
    end = cycle_end or cycle_end_on_or_after(run_on, policy)
    if end != cycle_end_on_or_after(end, policy):
        raise DomainError("not_a_cycle_end", "更新サイクルの終了日ではありません", "cycle_end")
    if not renewal_window(end, policy) <= run_on <= end:
        month, day = policy.renewal_opens
        raise DomainError("outside_renewal_window",
                          f"更新の処理は有効期限の年の{month}月{day}日から有効期限までに行います", "run_on")
    return end


def needs_renewal(state: MemberState, cycle_end: date, myna_usable: bool,
                  held: Iterable[HeldCertificate]) -> bool:
    """R-CERT-8: a holder of a certificate expiring at the cycle end who still cannot use
    マイナ保険証 (holders for ⑦ regardless) and who is still eligible after it."""
    held = list(held)
    expiring = [h for h in held if h.expires_on == cycle_end and h.superseded_on is None
                and h.cancelled_on is None]
    already = any(h.valid_from > cycle_end for h in held)
    assisted = any(h.reason is CertificateReason.NEEDS_ASSISTANCE for h in expiring)
    still_covered = state.loss.on > cycle_end + timedelta(days=1)
    return bool(expiring) and not already and still_covered and (assisted or not myna_usable)


RUNNING, COMPLETED = "running", "completed"  # the statuses of a run


@dataclass(frozen=True, slots=True)
class Grant:
    """A certificate a run issues a member."""

    valid_from: date
    expires_on: date
    reason: CertificateReason


@dataclass(frozen=True, slots=True)
class IssueRun:
    """一括処理: 職権交付 (R-CERT-4, kind "ex_officio") or 更新 (R-CERT-8, "renewal") over the
    whole society, with its counts and its checkpoint (the last member id it looked at)."""

    id: int
    kind: str
    run_on: date
    cohort: str  # ex officio: the cohort; renewal: the cycle end it renews (ISO)
    dry_run: bool
    status: str  # RUNNING | COMPLETED
    issued: int
    skipped: int
    last_member_id: int
    started_at: datetime
    finished_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def grant(self, state: MemberState, cards: Sequence[MynaCard], held: Sequence[HeldCertificate],
              policy: Policy) -> Grant | None:
        """The certificate this run issues a member (as on the run day), or None."""
        usable = myna_usable(state.online_from, cards, self.run_on, policy)
        if self.kind == "renewal":
            cycle_end = date.fromisoformat(self.cohort)
            start_on = cycle_end + timedelta(days=1)
            if not needs_renewal(state, cycle_end, usable, held):
                return None
            return Grant(start_on, certificate_expiry(start_on, state, policy), CertificateReason.RENEWAL)
        if not in_ex_officio_cohort(state, self.cohort, self.run_on, usable, held, policy):
            return None
        return Grant(self.run_on, certificate_expiry(self.run_on, state, policy), CertificateReason.EX_OFFICIO)


# ------------------------------------------------------------------ 資格情報のお知らせ (§6)

class NoticeReason(StrEnum):
    INITIAL = "initial"  # 初回 (R-NOTICE-1)
    LOST = "lost"  # 紛失 (Q3)
    NAME_CHANGE = "name_change"  # 氏名変更等 (Q4)


def decide_notice(reason: NoticeReason, applied_on: date, state: MemberState,
                  portal_accessible: bool, already_issued: bool) -> date:
    """The issue date of a notice (R-NOTICE-1): once the My Number-bearing data is published;
    a reissue (紛失, 氏名変更等) only on application and only when the portal screen cannot be
    viewed, else `portal_available` (R-NOTICE-4)."""
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
                         policy: Policy) -> tuple[date, date]:
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


@dataclass(frozen=True, slots=True)
class Approval:
    """認定: what is approved (kind, category or disease, limit, valid-until), from when, whether
    it is registered so that online verification carries it, and whether a paper 認定証 /
    受療証 goes out — only to members without マイナ保険証 (R-LIM-3, R-LIM-4, R-SPD-1)."""

    approved: Certified
    valid_from: date
    registered: bool
    paper: bool


def decide_limit_certification(kind: str, state: MemberState, myna_usable: bool, on: date,
                               income_none: bool, policy: Policy) -> Approval:
    """限度額適用認定 (kind "limit", R-LIM-3) or 限度額適用・標準負担額減額認定 ("limit_reduction",
    R-LIM-4) for the period of R-LIM-5; only the reduction is registered for online verification."""
    if kind == "limit":
        code = decide_limit(state, myna_usable, on)
    else:
        code = decide_limit_reduction(state, on, income_none)
    valid_from, valid_until = certification_period(on, state, policy)
    return Approval(Certified(kind, valid_until, category_code=code), valid_from,
                    registered=kind == "limit_reduction", paper=not myna_usable)


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


def decide_specific_disease(disease: str, state: MemberState, myna_usable: bool, on: date) -> Approval:
    """特定疾病の認定 (R-SPD-1): for an eligible member, from the 1st of the application month,
    registered for online verification for everyone."""
    if not state.eligible:
        raise DomainError("not_eligible", "申請日に資格がありません")
    limit = specific_disease_limit(disease, state, on)
    return Approval(Certified("specific_disease", None, disease=disease, limit_yen=limit),
                    first_of_month(on), registered=True, paper=not myna_usable)


def elderly_application_opens(birth_date: date) -> date:
    """D-31: a 高齢受給者証 is sent ahead from the 1st of the month the member turns 70, not
    earlier (the month before the ratio changes, R-RATIO-3)."""
    return (elderly_from(birth_date) - timedelta(days=1)).replace(day=1)


def check_elderly_application(birth_date: date, applied_on: date) -> None:
    """Refuses a 高齢受給者証 applied for before it may be sent (D-31)."""
    opens = elderly_application_opens(birth_date)
    if applied_on < opens:
        raise DomainError("not_applicable", "高齢受給者証は70歳から74歳の方が対象です"
                          f"（{format_wareki_month(opens)}から交付できます）")


def elderly_certificate_start(birth_date: date, applied_on: date) -> date:
    """The first day of a 高齢受給者証 applied for on `applied_on` (R-ELD-1): the start of 70–74,
    or the 1st of the month applied when later; refused before it may be sent (D-31)."""
    check_elderly_application(birth_date, applied_on)
    return max(elderly_from(birth_date), first_of_month(applied_on))


def elderly_certificate_end(state: MemberState, valid_from: date) -> date:
    """The last day of a 高齢受給者証 valid from `valid_from` (R-ELD-1): the next 07-31, never
    past the end of 70–74 nor the last covered day."""
    july_31 = date(valid_from.year + (valid_from.month > 7), 7, 31)
    return min(july_31, elderly_until(state.birth_date), state.loss.on - timedelta(days=1))


def decide_elderly_certificate(state: MemberState, myna_usable: bool, on: date) -> None:
    """高齢受給者証 (R-ELD-1): only for 70–74 without マイナ保険証."""
    if not (state.eligible and is_elderly(state.birth_date, on)):
        raise DomainError("not_applicable", "高齢受給者証は70歳から74歳の方が対象です")
    if myna_usable:
        raise DomainError("provided_online",
                          "マイナ保険証をご利用の方は、医療機関等がオンラインで負担割合を確認できるため受給者証は交付しません")


# ------------------------------------------------------------------ what applies to a member

def applicable_documents(state: MemberState, on: date, myna_usable: bool) -> frozenset[str]:
    """申請・届出 that can apply to the member on `on` (D-157), as the kinds of `DOCUMENT_NAMES`
    (資格確認書 "certificate", "notice", "limit", "limit_reduction", "specific_disease", "elderly")
    and "dependent" (被扶養者の追加, from an insured only). Nothing for a member not eligible.
    What is left is what the rules could grant; the application itself is still decided by them."""
    if not state.eligible:
        return frozenset()
    elderly = is_elderly(state.birth_date, on)
    kinds = {"certificate", "specific_disease"}
    if state.online_from is not None:  # a notice needs a My Number (R-NOTICE-1)
        kinds.add("notice")
    if not myna_usable and (not elderly or state.limit.code in ACTIVE_INCOME_CERTIFIABLE):  # R-LIM-3
        kinds.add("limit")
    if state.resident_tax_exempt:  # R-LIM-4
        kinds.add("limit_reduction")
    if not myna_usable and elderly_application_opens(state.birth_date) <= on <= elderly_until(state.birth_date):
        kinds.add("elderly")  # R-ELD-1, D-31
    if state.identity.relationship is Relationship.INSURED:
        kinds.add("dependent")
    return frozenset(kinds)
