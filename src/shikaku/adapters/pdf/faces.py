"""The card of each kind of document: what it says (wording), the colour of its title band and
the fields its QR code signs (the contract in domain/qr_payload.py)."""
from __future__ import annotations

from ...domain.documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)
from ...domain.qr_payload import certificate_payload, elderly_payload, limit_payload, specific_disease_payload
from . import wording
from .card_layout import CardFace

# The colour of each kind's title band.
BLUE, PURPLE, GREEN, BROWN = (0.12, 0.37, 0.55), (0.45, 0.25, 0.55), (0.20, 0.50, 0.30), (0.70, 0.35, 0.15)


def certificate_face(doc: EligibilityCertificatePrint) -> CardFace:
    """資格確認書: blue."""
    return CardFace(wording.certificate_card(doc), BLUE, certificate_payload(doc))


def limit_face(doc: LimitCertificatePrint) -> CardFace:
    """限度額適用認定証 / 限度額適用・標準負担額減額認定証: purple."""
    return CardFace(wording.limit_card(doc), PURPLE, limit_payload(doc))


def elderly_face(doc: ElderlyCertificatePrint) -> CardFace:
    """高齢受給者証: green."""
    return CardFace(wording.elderly_card(doc), GREEN, elderly_payload(doc))


def specific_disease_face(doc: SpecificDiseaseCertificatePrint) -> CardFace:
    """特定疾病療養受療証: brown."""
    return CardFace(wording.specific_disease_card(doc), BROWN, specific_disease_payload(doc))


def notice_face(doc: EligibilityNoticePrint) -> CardFace:
    """The cut-out of the 資格情報のお知らせ: blue, without a QR code."""
    return CardFace(wording.notice_card(doc), BLUE, None)
