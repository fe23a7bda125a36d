"""返納 of a 資格確認書 (issue 14, item 5; D-118): recording that a certificate came back, and
which certificates of leavers are still out (未返納). Pure: no I/O."""
from __future__ import annotations

from datetime import date

from .certificates import EligibilityCertificate
from .errors import DomainError
from .wareki import format_wareki


def check_return(cert: EligibilityCertificate, returned_on: date, today: date) -> None:
    """A return is recorded once (409 `already_returned`), not for a certificate cancelled as
    issued in error (409 `certificate_cancelled`: it is not due back, D-145), never before the
    certificate was issued (a card cannot come back before it went out) and never after today."""
    if cert.cancelled_on is not None:
        raise DomainError("certificate_cancelled",
                          f"この資格確認書（交付番号 {cert.serial}）は{format_wareki(cert.cancelled_on)}に取消済みのため、"
                          "返納は記録できません", "returned_on", status=409)
    if cert.returned_on is not None:
        raise DomainError("already_returned",
                          f"この資格確認書（交付番号 {cert.serial}）は{format_wareki(cert.returned_on)}に返納済みです",
                          "returned_on", status=409)
    if returned_on < cert.issued_on:
        raise DomainError("returned_before_issue",
                          f"返納日は交付日（{format_wareki(cert.issued_on)}）以降の日付を入力してください",
                          "returned_on")
    if returned_on > today:
        raise DomainError("returned_in_future", "返納日に未来の日付は入力できません", "returned_on")


def returned_by(cert: EligibilityCertificate, on: date) -> bool:
    """The certificate had come back by `on`."""
    return cert.returned_on is not None and cert.returned_on <= on


def unreturned(cert: EligibilityCertificate, lost_on: date, on: date) -> bool:
    """未返納 on `on`: held when its holder lost eligibility (`kept_at_loss`) and not returned
    by `on`."""
    return cert.kept_at_loss(lost_on) and not returned_by(cert, on)
