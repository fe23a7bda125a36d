"""マイナ保険証: when a My Number card works as the health-insurance card (R-MYNA-1,
R-MYNA-5, R-MYNA-6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterable

from .policy import Policy
from .wareki import format_wareki


@dataclass(frozen=True, slots=True)
class MynaCard:
    """A マイナンバーカード as the national side knows it, with its 健康保険証利用登録."""

    card_id: str
    certificate_expires_on: date  # 利用者証明用電子証明書の有効期限
    insurance_registered_on: date | None = None  # 利用登録
    insurance_cancelled_on: date | None = None  # 利用登録の解除 (R-MYNA-6)


def certificate_grace_end(expires_on: date, policy: Policy) -> date:
    """The last day an expired card still works: the end of the third month after the month of
    expiry (R-MYNA-5)."""
    months = expires_on.month + policy.myna_certificate_grace_months  # 1-based month index
    first_after = date(expires_on.year + months // 12, months % 12 + 1, 1)
    return first_after - timedelta(days=1)


def is_registered_for_insurance(card: MynaCard, on: date) -> bool:
    """利用登録 in force on `on`: registered on or before, not cancelled on or before (R-MYNA-6)."""
    return (card.insurance_registered_on is not None and card.insurance_registered_on <= on
            and (card.insurance_cancelled_on is None or on < card.insurance_cancelled_on))


def card_works(card: MynaCard, on: date, policy: Policy) -> bool:
    """The card itself works as マイナ保険証 on `on` (R-MYNA-1 (2), R-MYNA-5, R-MYNA-6)."""
    return is_registered_for_insurance(card, on) and on <= certificate_grace_end(
        card.certificate_expires_on, policy)


def myna_usable(online_from: date | None, cards: Iterable[MynaCard], on: date,
                policy: Policy) -> bool:
    """Online verification with マイナ保険証 works on `on` (R-MYNA-1): the society's registration
    of the My Number has been published (`online_from`, R-MYNA-2) and one card works."""
    return online_from is not None and online_from <= on and any(
        card_works(card, on, policy) for card in cards)


class Unusable(StrEnum):
    """Why マイナ保険証 does not work for a member on a day (the reverse of `myna_usable`)."""

    NO_MY_NUMBER = "no_my_number"  # the society holds no 個人番号 (R-MYNA-3)
    NOT_PUBLISHED = "not_published"  # registered, not yet published (R-MYNA-2)
    NO_CARD = "no_card"  # no マイナンバーカード on record (⑤)
    NOT_REGISTERED = "not_registered"  # a card without 利用登録 (④)
    CANCELLED = "cancelled"  # 利用登録 cancelled (R-MYNA-6, ⑨)
    CERTIFICATE_EXPIRED = "certificate_expired"  # past the grace after the certificate's expiry (R-MYNA-5, ③)


# The wording of `Unusable`, in one place: three texts for three readers.
# The 理由 column of the list of members without マイナ保険証 (a file, D-73).
UNUSABLE_LABELS = {
    Unusable.NO_MY_NUMBER: "個人番号未登録", Unusable.NOT_PUBLISHED: "個人番号の登録が未反映",
    Unusable.NO_CARD: "マイナンバーカードなし", Unusable.NOT_REGISTERED: "利用登録なし",
    Unusable.CANCELLED: "利用登録の解除", Unusable.CERTIFICATE_EXPIRED: "電子証明書の有効期限切れ"}
# Said to the member on the portal ({online_from}: the publication day in 和暦).
UNUSABLE_TO_MEMBER = {
    Unusable.NO_MY_NUMBER: "健康保険組合にマイナンバー（個人番号）が届け出られていないため、"
                           "オンライン資格確認を受けられません",
    Unusable.NOT_PUBLISHED: "健康保険組合が登録した資格情報がオンライン資格確認に反映されるのは"
                            "{online_from}からです（登録日の翌々営業日）",
    Unusable.NO_CARD: "マイナンバーカードの記録がないため、マイナ保険証を使えません",
    Unusable.NOT_REGISTERED: "マイナンバーカードの健康保険証としての利用登録がされていません",
    Unusable.CANCELLED: "マイナンバーカードの健康保険証としての利用登録が解除されています",
    Unusable.CERTIFICATE_EXPIRED: "マイナンバーカードの電子証明書の有効期限が切れ、猶予期間も過ぎています",
}
# Said to the staff (`readiness`) where no date is to be named; the others name their dates.
_PLAIN = {
    Unusable.NO_MY_NUMBER: "個人番号が登録されていないため、オンライン資格確認で資格を確認できません。"
                           "個人番号を登録すると翌々営業日から確認できます",
    Unusable.NO_CARD: "マイナンバーカードの記録がありません（カード未取得）",
    Unusable.NOT_REGISTERED: "マイナンバーカードの健康保険証利用登録がされていません",
}


def unusable_reason(online_from: date | None, cards: Iterable[MynaCard], on: date,
                    policy: Policy) -> Unusable | None:
    """None when `myna_usable` holds on `on`, else the first reason it does not: no 個人番号
    (R-MYNA-3), not yet published (R-MYNA-2), then the card side (R-MYNA-1, R-MYNA-5, R-MYNA-6)."""
    if online_from is None:
        return Unusable.NO_MY_NUMBER
    if on < online_from:
        return Unusable.NOT_PUBLISHED
    cards = list(cards)
    if any(card_works(card, on, policy) for card in cards):
        return None
    if not cards:
        return Unusable.NO_CARD
    if any(is_registered_for_insurance(card, on) for card in cards):
        return Unusable.CERTIFICATE_EXPIRED
    if any(card.insurance_cancelled_on is not None and card.insurance_cancelled_on <= on for card in cards):
        return Unusable.CANCELLED
    return Unusable.NOT_REGISTERED


@dataclass(frozen=True, slots=True)
class Readiness:
    """マイナ保険証 on a day, for the staff: `reason` None when it works, and a Japanese message
    that names the dates (publication, certificate grace, cancellation)."""

    reason: Unusable | None
    message: str
    in_grace: bool = False  # works only through the R-MYNA-5 grace after the certificate expired

    @property
    def ready(self) -> bool:
        return self.reason is None


def readiness(online_from: date | None, cards: Iterable[MynaCard], on: date,
              policy: Policy) -> Readiness:
    """`unusable_reason` explained (R-MYNA-1, R-MYNA-2, R-MYNA-3, R-MYNA-5, R-MYNA-6). Before
    publication, the card side on the publication day is told as well: it decides whether the
    member is ready then."""
    cards = list(cards)
    reason = unusable_reason(online_from, cards, on, policy)
    if reason is None:
        working = [c for c in cards if card_works(c, on, policy)]
        if all(c.certificate_expires_on < on for c in working):
            grace = max(certificate_grace_end(c.certificate_expires_on, policy) for c in working)
            return Readiness(None, "電子証明書の有効期限は切れていますが、猶予期間の"
                             f"{format_wareki(grace)}までマイナ保険証として使えます。更新をご案内ください",
                             in_grace=True)
        return Readiness(None, "マイナ保険証で受診できます")
    if reason is Unusable.NOT_PUBLISHED:
        card = readiness(online_from, cards, online_from, policy)
        also = "" if card.ready else f"。また、{card.message}"
        return Readiness(reason, "個人番号は登録済みです。オンライン資格確認で確認できるのは翌々営業日の"
                         f"{format_wareki(online_from)}からです{also}")
    if reason is Unusable.CERTIFICATE_EXPIRED:
        expired = max(c.certificate_expires_on for c in cards if is_registered_for_insurance(c, on))
        return Readiness(reason, f"マイナンバーカードの電子証明書の有効期限（{format_wareki(expired)}）が"
                         f"切れ、猶予期間（{format_wareki(certificate_grace_end(expired, policy))}まで）も過ぎています")
    if reason is Unusable.CANCELLED:
        cancelled = max(c.insurance_cancelled_on for c in cards
                        if c.insurance_cancelled_on is not None and c.insurance_cancelled_on <= on)
        return Readiness(reason, f"{format_wareki(cancelled)}に健康保険証利用登録が解除されています")
    return Readiness(reason, _PLAIN[reason])
