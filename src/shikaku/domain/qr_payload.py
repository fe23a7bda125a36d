"""The codes printed on a document (R-CERT-10, D-33), defined once: the letter that begins the
交付番号 of each kind of document, the letter that names the kind in its QR code, and the fields
the QR code signs. The service layer numbers documents with `SERIAL_PREFIX`; the PDF adapter
has the payloads below signed (adapters/signing.py turns them into `SK1:…` text).

The payload's keys, one letter each:
    t  the kind (`QR_TYPES`)         s  交付番号               i  保険者番号
    k  記号    n  番号    b  枝番     d  生年月日
    f  the first valid day    e  the last valid day (有効期限)
    c  適用区分 code    r  一部負担金の割合 (percent)    x  特定疾病 code    l  自己負担限度額 (yen)
Values keep to the QR alphanumeric alphabet (digits, capitals, '-'), which has no '_': hence
letters rather than the kind names."""
from __future__ import annotations

from dataclasses import dataclass

from .documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)


@dataclass(frozen=True, slots=True)
class DocumentCode:
    """A kind of document's letters: `serial` begins its 交付番号, `qr` names it in its QR code
    (None: it carries no code, as the 資格情報のお知らせ)."""

    serial: str
    qr: str | None


# The 資格確認書 is "K" in its 交付番号 and "C" in its code: cards already issued carry both.
CODES = {
    "certificate": DocumentCode("K", "C"),
    "notice": DocumentCode("N", None),
    "limit": DocumentCode("L", "L"),
    "limit_reduction": DocumentCode("G", "G"),
    "elderly": DocumentCode("E", "E"),
    "specific_disease": DocumentCode("T", "T"),
}
SERIAL_PREFIX = {kind: code.serial for kind, code in CODES.items()}
QR_TYPES = {kind: code.qr for kind, code in CODES.items() if code.qr}


def _payload(kind: str, serial: str, holder: Holder, **extra) -> dict:
    return {"t": QR_TYPES[kind], "s": serial, "i": holder.insurer_number, "k": holder.symbol,
            "n": holder.number, "b": holder.branch, "d": holder.birth_date.isoformat(), **extra}


def certificate_payload(doc: EligibilityCertificatePrint) -> dict:
    """The fields the QR code of a 資格確認書 signs (what is printed, compactly): its copy
    protection (R-CERT-10)."""
    return _payload("certificate", doc.serial, doc.holder, f=doc.valid_from.isoformat(),
                    e=doc.expires_on.isoformat())


def limit_payload(doc: LimitCertificatePrint) -> dict:
    """The fields of a 限度額適用認定証 / 限度額適用・標準負担額減額認定証 (by `doc.kind`)."""
    return _payload(doc.kind, doc.serial, doc.holder, c=doc.category_code, f=doc.valid_from.isoformat(),
                    e=doc.valid_until.isoformat())


def elderly_payload(doc: ElderlyCertificatePrint) -> dict:
    """The fields of a 高齢受給者証."""
    return _payload("elderly", doc.serial, doc.holder, r=doc.copay_ratio, f=doc.valid_from.isoformat(),
                    e=doc.valid_until.isoformat())


def specific_disease_payload(doc: SpecificDiseaseCertificatePrint) -> dict:
    """The fields of a 特定疾病療養受療証 (no last valid day: the document has none)."""
    return _payload("specific_disease", doc.serial, doc.holder, x=doc.disease, l=doc.limit_yen,
                    f=doc.valid_from.isoformat())
