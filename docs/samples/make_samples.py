"""Renders the README's sample images from a fictional member (needs poppler's pdftoppm):

    .venv/bin/python docs/samples/make_samples.py

資格確認書 front and back at 300 dpi, 資格情報のお知らせ at 100 dpi, and the other cards' fronts."""
from __future__ import annotations

import subprocess
import tempfile
from datetime import date
from pathlib import Path

from shikaku.adapters.pdf import DocumentRenderer
from shikaku.adapters.signing import CardSigner
from shikaku.domain.documents import (
    SPECIFIC_DISEASES,
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)

HERE = Path(__file__).parent
HOLDER = Holder(name="労金 花子", name_kana="ロウキン ハナコ", birth_date=date(1954, 3, 10), sex="female",
                relationship="insured", symbol="7001", number="12", branch="01",
                insurer_number="06139992", insurer_name="さくら産業健康保険組合",
                qualified_on=date(2019, 4, 1))


def png(pdf: bytes, name: str, dpi: int, page: int = 1) -> None:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(source), str(HERE / name)], check=True)


def main() -> None:
    renderer = DocumentRenderer(CardSigner(b"sample-secret-not-for-production"))
    certificate = renderer.eligibility_certificate(EligibilityCertificatePrint(
        serial="K0000001230", holder=HOLDER, issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1),
        expires_on=date(2029, 3, 9), copay_ratio=20, ratio_effective_from=date(2025, 10, 1)))
    png(certificate, "eligibility_certificate_front", 300, 1)
    png(certificate, "eligibility_certificate_back", 300, 2)
    png(renderer.eligibility_notice(EligibilityNoticePrint(
        holder=HOLDER, issued_on=date(2025, 10, 3), copay_ratio=20, ratio_effective_from=date(2024, 4, 1))),
        "eligibility_notice", 100)
    png(renderer.limit_certificate(LimitCertificatePrint(
        kind="limit_reduction", serial="G0000000010", holder=HOLDER, category_code="B05", category="低所得Ⅱ",
        issued_on=date(2026, 2, 17), valid_from=date(2026, 2, 1), valid_until=date(2027, 1, 31))),
        "limit_certificate_front", 150)
    png(renderer.elderly_certificate(ElderlyCertificatePrint(
        serial="E0000000010", holder=HOLDER, copay_ratio=20, issued_on=date(2025, 8, 20),
        valid_from=date(2025, 9, 1), valid_until=date(2026, 7, 31))), "elderly_certificate_front", 150)
    png(renderer.specific_disease_certificate(SpecificDiseaseCertificatePrint(
        serial="T0000000010", holder=HOLDER, disease="1", disease_name=SPECIFIC_DISEASES["1"],
        limit_yen=10000, issued_on=date(2026, 4, 6), valid_from=date(2026, 4, 1))),
        "specific_disease_certificate_front", 150)


if __name__ == "__main__":
    main()
