"""The codes printed on documents (domain/qr_payload.py, R-CERT-10, D-33): the 交付番号 prefixes
and QR kind letters stay those of the cards already issued, and every payload keeps to what the
signer accepts (one-letter keys, the QR alphanumeric alphabet) and says what is printed."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.adapters.signing import CardSigner
from shikaku.domain.documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)
from shikaku.domain.qr_payload import (
    QR_TYPES,
    SERIAL_PREFIX,
    certificate_payload,
    elderly_payload,
    limit_payload,
    specific_disease_payload,
)

HOLDER = Holder(name="労金 花子", name_kana="ロウキン ハナコ", birth_date=date(1954, 3, 10), sex="female",
                relationship="insured", symbol="7001", number="12", branch="01",
                insurer_number="06139992", insurer_name="さくら産業健康保険組合",
                qualified_on=date(2019, 4, 1))
ON = date(2026, 4, 1)
DOCUMENTS = [
    (certificate_payload, "certificate",
     EligibilityCertificatePrint(serial="K0000001230", holder=HOLDER, issued_on=ON, valid_from=ON,
                                 expires_on=date(2029, 3, 9))),
    (limit_payload, "limit",
     LimitCertificatePrint(kind="limit", serial="L0000000010", holder=HOLDER, category_code="A02",
                           category="イ", issued_on=ON, valid_from=ON, valid_until=date(2027, 3, 31))),
    (limit_payload, "limit_reduction",
     LimitCertificatePrint(kind="limit_reduction", serial="G0000000010", holder=HOLDER, category_code="B05",
                           category="低所得Ⅱ", issued_on=ON, valid_from=ON, valid_until=date(2027, 3, 31))),
    (elderly_payload, "elderly",
     ElderlyCertificatePrint(serial="E0000000010", holder=HOLDER, copay_ratio=20, issued_on=ON,
                             valid_from=ON, valid_until=date(2027, 3, 31))),
    (specific_disease_payload, "specific_disease",
     SpecificDiseaseCertificatePrint(serial="T0000000010", holder=HOLDER, disease="3",
                                     disease_name="後天性免疫不全症候群", limit_yen=10000, issued_on=ON,
                                     valid_from=ON)),
]


def test_the_letters_are_those_printed_on_cards_already_issued():
    assert SERIAL_PREFIX == {"certificate": "K", "notice": "N", "limit": "L", "limit_reduction": "G",
                             "elderly": "E", "specific_disease": "T"}
    assert QR_TYPES == {"certificate": "C", "limit": "L", "limit_reduction": "G", "elderly": "E",
                        "specific_disease": "T"}


def test_every_kind_with_a_qr_code_has_a_serial_prefix_and_the_qr_letters_differ():
    assert set(QR_TYPES) <= set(SERIAL_PREFIX)
    assert len(set(QR_TYPES.values())) == len(QR_TYPES)


@pytest.mark.parametrize(("payload", "kind", "doc"), DOCUMENTS, ids=[kind for _p, kind, _d in DOCUMENTS])
def test_each_payload_names_its_kind_and_serial_and_signs_and_verifies(payload, kind, doc):
    fields = payload(doc)
    assert fields["t"] == QR_TYPES[kind] and fields["s"] == doc.serial
    assert doc.serial.startswith(SERIAL_PREFIX[kind])
    assert {key: fields[key] for key in "iknbd"} == {"i": "06139992", "k": "7001", "n": "12", "b": "01",
                                                     "d": "1954-03-10"}
    signer = CardSigner(b"qr-payload-test-secret-0123456789")
    assert signer.verify(signer.sign(fields)) == {key: str(value).upper() for key, value in fields.items()}
