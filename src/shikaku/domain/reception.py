"""At the reception desk (窓口): what the documents a patient presents are worth on a service
date (DOMAIN.md §9). Pure: the service gathers the facts, this table decides."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from .policy import Policy
from .verification import Validity
from .wareki import format_wareki


class Presented(StrEnum):
    MYNA_CARD = "myna_card"  # マイナ保険証
    NOTICE = "eligibility_notice"  # 資格情報のお知らせ
    PORTAL = "portal_screen"  # マイナポータルの資格情報画面
    CERTIFICATE = "eligibility_certificate"  # 資格確認書
    LEGACY_CARD = "legacy_card"  # 健康保険証


@dataclass(frozen=True, slots=True)
class DeskFacts:
    """What can be known at the desk on `service_date`."""

    service_date: date
    online: bool  # the facility does online verification
    reader_working: bool
    presented: frozenset[Presented]
    card_validity: Validity | None  # online verification of the My Number card on the reader
    data_validity: Validity | None  # online verification by the printed data (published view)
    certificate_on_face: bool  # a 資格確認書 of the patient valid on its face (R-CERT-5, R-CERT-6)
    legacy_on_face: bool  # a legacy card of the patient valid on its face (R-LEG-2)


@dataclass(frozen=True, slots=True)
class Assessment:
    insured_treatment: bool
    code: str  # the rule that decided
    message: str  # Japanese, to be read aloud at the desk


_PUBLISHED_LOSS = (Validity.INVALID, Validity.NEW_QUALIFICATION)
_LOST = Assessment(False, "published_loss",
                   "オンライン資格確認で資格喪失が確認されました。保険診療は受けられません。現在加入している保険の資格確認書かマイナ保険証をご提示ください")


def _published_loss(facts: DeskFacts) -> bool:
    """§9: at a facility with online verification a published loss turns a yes into a no;
    "not found" does not (the record may not be online, R-MYNA-3)."""
    return facts.online and facts.data_validity in _PUBLISHED_LOSS


def _myna(facts: DeskFacts) -> Assessment | None:
    """マイナ保険証: online verification where the reader works; where it does not, or without
    online verification, a visual check with the notice or the portal screen (R-NOTICE-3)."""
    if Presented.MYNA_CARD not in facts.presented:
        return None
    if facts.online and facts.reader_working:
        if facts.card_validity is Validity.VALID:
            return Assessment(True, "myna_online", "オンライン資格確認で資格を確認しました。保険診療を受けられます")
        if facts.card_validity in _PUBLISHED_LOSS:
            return _LOST
        return Assessment(False, "myna_not_confirmed",
                          "オンライン資格確認で資格を確認できませんでした。資格確認書または資格情報のお知らせをご提示いただくか、加入している保険者にご確認ください")
    if {Presented.NOTICE, Presented.PORTAL} & facts.presented:
        if _published_loss(facts):
            return _LOST
        return Assessment(True, "myna_with_notice",
                          "マイナ保険証と資格情報のお知らせ（資格情報画面）で資格を確認しました。保険診療を受けられます")
    return Assessment(False, "myna_needs_notice",
                      "マイナ保険証と一緒に資格情報のお知らせ（またはマイナポータルの資格情報画面）をご提示ください")


def _provisional(facts: DeskFacts, code: str, policy: Policy) -> Assessment | None:
    """R-PROV-1: an expired legacy card, or the notice / portal screen alone, with online
    verification of the printed data showing valid, in the provisional period."""
    if facts.service_date in policy.provisional_handling and facts.online \
            and facts.data_validity is Validity.VALID:
        return Assessment(True, code, f"暫定的な取扱い（{format_wareki(policy.provisional_handling.last)}まで）"
                                      "により、オンライン資格確認で資格を確認しました。保険診療を受けられます")
    return None


def faces_as_read(service_date: date, certificate_expires_on: date | None,
                  legacy_card_expires_on: date | None, policy: Policy) -> tuple[bool, bool]:
    """(certificate_on_face, legacy_on_face) as a facility's desk read them off the documents —
    never from the registry (§9: a facility learns nothing that online verification would not
    tell it). A 資格確認書 exists from 2024-12-02 (R-CERT-5) and holds through its printed
    有効期限; a legacy card through its printed expiry (the end of the transition is the table's,
    R-LEG-2). An expiry the desk did not type is taken as checked on the face by the desk."""
    certificate = service_date in policy.certificates and (
        certificate_expires_on is None or service_date <= certificate_expires_on)
    legacy = legacy_card_expires_on is None or service_date <= legacy_card_expires_on
    return certificate, legacy


def _certificate(facts: DeskFacts) -> Assessment | None:
    if Presented.CERTIFICATE not in facts.presented:
        return None
    if not facts.certificate_on_face:
        return Assessment(False, "certificate_not_valid",
                          "この資格確認書は有効期間外または無効です。保険者にお問い合わせください")
    if _published_loss(facts):
        return _LOST
    return Assessment(True, "certificate_valid", "資格確認書で資格を確認しました。保険診療を受けられます")


def _legacy(facts: DeskFacts, policy: Policy) -> Assessment | None:
    """健康保険証: valid on its face through 2025-12-01 at the latest (R-LEG-2); from 2025-12-02
    it alone gives no insured treatment (R-LEG-3), except in the provisional handling (R-PROV-1)."""
    if Presented.LEGACY_CARD not in facts.presented:
        return None
    if facts.legacy_on_face and facts.service_date in policy.legacy_card_use:
        if _published_loss(facts):
            return _LOST
        return Assessment(True, "legacy_card_valid",
                          "健康保険証（経過措置期間中）で資格を確認しました。保険診療を受けられます")
    return _provisional(facts, "provisional_legacy_card", policy) or Assessment(
        False, "legacy_card_ended", f"健康保険証は{format_wareki(policy.legacy_card_use.last)}で使えなくなりました。"
                                    "マイナ保険証または資格確認書をご提示ください")


def _notice_alone(facts: DeskFacts, policy: Policy) -> Assessment | None:
    """資格情報のお知らせ or the portal screen without マイナ保険証: never insured treatment
    (R-NOTICE-2), except in the provisional handling (R-PROV-1)."""
    if not {Presented.NOTICE, Presented.PORTAL} & facts.presented:
        return None
    return _provisional(facts, "provisional_notice", policy) or Assessment(
        False, "notice_alone",
        "資格情報のお知らせ（資格情報画面）だけでは保険診療を受けられません。マイナ保険証と一緒にご提示ください")


def assess(facts: DeskFacts, policy: Policy) -> Assessment:
    """The first "yes" of the §9 table among what was presented; else the most specific "no"."""
    answers = [a for a in (_myna(facts), _certificate(facts), _legacy(facts, policy),
                           _notice_alone(facts, policy)) if a is not None]
    for answer in answers:
        if answer.insured_treatment:
            return answer
    if answers:
        return answers[0]
    return Assessment(False, "nothing_presented", "マイナ保険証または資格確認書をご提示ください")


@dataclass(frozen=True, slots=True)
class Advice:
    """What a member should bring to the desk (§9 applied to their own situation), in Japanese
    for the member, with the desk's answers at a facility with online verification and at one
    where the card cannot be read."""

    bring: Presented | None  # None: nothing the member holds gives insured treatment
    code: str
    headline: str
    reasons: tuple[str, ...]
    with_online: Assessment
    without_online: Assessment


# Each document a member may bring, with what goes with it where the card cannot be read
# (R-NOTICE-3: the portal screen, or its download, serves as the notice).
_BRING = ((Presented.MYNA_CARD, frozenset({Presented.MYNA_CARD, Presented.PORTAL})),
          (Presented.CERTIFICATE, frozenset({Presented.CERTIFICATE})),
          (Presented.LEGACY_CARD, frozenset({Presented.LEGACY_CARD})))


def advise(facts: DeskFacts, eligible: bool, myna_reason: str | None,
           policy: Policy) -> Advice:
    """The first of マイナ保険証, 資格確認書 and 健康保険証 that the desk table accepts both at a
    facility with online verification and at one without (or with a broken reader). `facts`
    are the member's (their card's and record's verification, their documents' faces);
    `eligible` is the society's own truth, so that a loss not yet published is not hidden."""
    online = replace(facts, online=True, reader_working=True)
    offline = replace(facts, online=False, reader_working=False)
    answers = [(document, assess(replace(online, presented=frozenset({document})), policy),
                assess(replace(offline, presented=shown), policy)) for document, shown in _BRING]
    first = answers[0][1:]
    if not eligible:
        return Advice(None, "not_eligible", "この健康保険では受診できません", (
            "現在、この健康保険組合の資格がありません。",
            "新しく加入した医療保険のマイナ保険証または資格確認書で受診してください。"
            "この健康保険組合の資格確認書をお持ちの場合は、健康保険組合に返納してください。"), *first)
    for document, with_online, without_online in answers:
        if with_online.insured_treatment and without_online.insured_treatment:
            return Advice(document, *_ADVICE[document](myna_reason, policy), with_online, without_online)
    return Advice(None, "nothing_usable", "このままでは保険診療を受けられません", (
        f"{myna_reason or first[0].message}。",
        "有効な資格確認書もお持ちでありません。健康保険組合に資格確認書の交付を申請してください。"), *first)


def _myna_advice(_reason: str | None, _policy: Policy) -> tuple[str, str, tuple[str, ...]]:
    return "myna", "マイナ保険証（マイナンバーカード）だけで受診できます", (
        "健康保険組合の資格情報がオンライン資格確認に登録されていて、お持ちのマイナンバーカードは"
        "健康保険証として利用登録されています。",
        "カードを読み取れない医療機関や、マイナ保険証に対応していない医療機関では、マイナ保険証と一緒に"
        "この資格情報画面（PDFでダウンロードしたものでも可）か「資格情報のお知らせ」を提示してください。")


def _certificate_advice(reason: str | None, _policy: Policy) -> tuple[str, str, tuple[str, ...]]:
    return "certificate", "資格確認書をお持ちください", (
        *((f"{reason}。",) if reason else ()),
        "お持ちの資格確認書で、どの医療機関でも受診できます。有効期限をご確認ください。")


def _legacy_advice(reason: str | None, policy: Policy) -> tuple[str, str, tuple[str, ...]]:
    return "legacy_card", "健康保険証をお持ちください", (
        *((f"{reason}。",) if reason else ()),
        f"お持ちの健康保険証は、経過措置により{format_wareki(policy.legacy_card_use.last)}まで使えます。"
        "それ以降はマイナ保険証か資格確認書が必要です。")


_ADVICE = {Presented.MYNA_CARD: _myna_advice, Presented.CERTIFICATE: _certificate_advice,
           Presented.LEGACY_CARD: _legacy_advice}
