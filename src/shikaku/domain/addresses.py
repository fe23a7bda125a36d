"""住所 and 送付先 (issue 14, item 2): a member's address, where their documents go (自宅, or
the 事業所 for societies that mail through the employer), the address block a window envelope
shows, and the postal order of a run (D-115 … D-117). Pure: no I/O.

The address is never sent to a facility (DOMAIN.md §10) and never logged or audited: only the
fact that it changed is."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from .errors import DomainError
from .text import check_text

POSTCODE_FORMAT = re.compile(r"\d{3}-\d{4}")
ADDRESS_MAX = 200  # characters (member_addresses.address)
_POSTCODE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−－ー〒]")
# A dash between two digits (番地): the many dashes a clerk or a file types become "-".
_DIGIT_DASH = re.compile(r"(?<=\d)[‐‑‒–—―−－ーｰ─━](?=\d)")


class MailTo(StrEnum):
    """送付先: where a member's documents are mailed."""

    HOME = "home"  # 自宅 (the member's address)
    EMPLOYER = "employer"  # 事業所 (the employer's address, D-116)


MAIL_TO_LABELS = {MailTo.HOME: "自宅", MailTo.EMPLOYER: "事業所"}


def normalize_postcode(text: str, field: str = "postcode") -> str:
    """郵便番号 as `NNN-NNNN`: full-width digits, 〒, spaces and any dash are accepted."""
    digits = _POSTCODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    if not (len(digits) == 7 and digits.isascii() and digits.isdigit()):
        raise DomainError("invalid_postcode", "郵便番号は7桁の数字で入力してください（例：100-0001）", field)
    return f"{digits[:3]}-{digits[3:]}"


def normalize_address(text: str, field: str = "address") -> str:
    """住所 as stored and printed: NFKC as the rest of the product normalises what is typed
    (full-width letters and digits to ASCII, half-width kana to full-width), a dash between
    digits as "-", runs of spaces as one; 1–200 characters, no control characters."""
    check_text(text or "", "住所", field)
    normal = " ".join(unicodedata.normalize("NFKC", text or "").split())
    normal = _DIGIT_DASH.sub("-", normal)
    if not normal:
        raise DomainError("required", "住所を入力してください", field)
    if len(normal) > ADDRESS_MAX:
        raise DomainError("too_long", f"住所は{ADDRESS_MAX}文字以内で入力してください（{len(normal)}文字）", field)
    return normal


@dataclass(frozen=True, slots=True)
class Address:
    """A member's 住所 with their 送付先."""

    postcode: str  # NNN-NNNN
    address: str
    mail_to: MailTo = MailTo.HOME

    @classmethod
    def typed(cls, postcode: str, address: str, mail_to: str | MailTo = MailTo.HOME) -> Address:
        """An address as a clerk or a file typed it, normalised and checked."""
        try:
            where = MailTo(mail_to)
        except ValueError:
            raise DomainError("invalid_mail_to", "送付先は自宅または事業所を選んでください", "mail_to") from None
        return cls(normalize_postcode(postcode), normalize_address(address), where)


@dataclass(frozen=True, slots=True)
class EmployerPost:
    """What an address block needs of a 事業所: its 名称 and 所在地, and whether the society
    mails its members' documents through it (`mail_via`)."""

    name: str
    postcode: str | None
    address: str | None
    mail_via: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where one document goes: the postcode and address it is sorted by, and the lines of the
    address block the envelope's window shows (〒, address, [事業所名], name 様)."""

    postcode: str
    address: str
    lines: tuple[str, ...]
    via_employer: bool = False


def addressee_line(name: str) -> str:
    """The 宛名: the person's name with 様."""
    return f"{name}　様"


def delivery(name: str, own: Address | None, household: Address | None,
             employer: EmployerPost | None) -> Delivery | None:
    """Where a document of the person `name` goes (D-116, D-117), or None when nowhere is known:

    * the member's own address, else the household's (the insured's, for a dependent);
    * 送付先 事業所 — chosen for the address, or for a member without one whose employer has the
      society mail through it (`mail_via`) — goes to the 事業所's 所在地, the block naming the
      company and then the person: 「○○株式会社」「山田　太郎　様」 (never 御中 together with 様,
      and no 気付: the member works there);
    * an employer without a 所在地 cannot be mailed to: None."""
    address = own or household
    via_employer = (address.mail_to is MailTo.EMPLOYER) if address else bool(employer and employer.mail_via)
    if via_employer:
        if employer is None or not employer.postcode or not employer.address:
            return None
        return Delivery(employer.postcode, employer.address,
                        (f"〒{employer.postcode}", employer.address, employer.name, addressee_line(name)),
                        via_employer=True)
    if address is None:
        return None
    return Delivery(address.postcode, address.address,
                    (f"〒{address.postcode}", address.address, addressee_line(name)))


def postal_key(found: Delivery | None, member_id: int) -> tuple:
    """The postal order of a print file (D-117): by 郵便番号, then address, then member id;
    documents without a delivery last, by member id."""
    if found is None:
        return (1, "", "", member_id)
    return (0, found.postcode, found.address, member_id)
