"""The documents as printed (R-CERT-10, R-NOTICE-1, §8): real fonts, card and A4 sizes, 和暦
dates, and a QR code that decodes from the rendered page and verifies (R-CERT-10)."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from shikaku.adapters.pdf import DocumentRenderer
from shikaku.adapters.signing import CardSigner, ForgedCard
from shikaku.domain.documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)

SIGNER = CardSigner(b"pdf-test-secret-0123456789abcdef")
CARD_POINTS = "242.646 x 153.071"
HOLDER = Holder(name="労金 花子", name_kana="ロウキン ハナコ", birth_date=date(1954, 3, 10), sex="female",
                relationship="insured", symbol="7001", number="12", branch="00",
                insurer_number="06139992", insurer_name="さくら産業健康保険組合",
                qualified_on=date(2019, 4, 1))
CERTIFICATE = EligibilityCertificatePrint(
    serial="K0000001230", holder=HOLDER, issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1),
    expires_on=date(2029, 3, 9), copay_ratio=20, ratio_effective_from=date(2025, 10, 1))


@pytest.fixture(scope="module")
def renderer():
    return DocumentRenderer(SIGNER)


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    out = ["-"] if tool == "pdftotext" else []
    return subprocess.run([tool, *args, str(path), *out], capture_output=True, text=True,
                          check=True).stdout


def page_image(pdf: bytes, tmp_path: Path, page: int = 1, dpi: int = 300) -> Image.Image:
    path = tmp_path / "render.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), str(path),
                    str(tmp_path / "page")], check=True)
    return Image.open(next(tmp_path.glob("page*.png")))


def info(pdf: bytes, tmp_path: Path) -> dict:
    out = poppler("pdfinfo", pdf, tmp_path)
    return dict(re.findall(r"^(Pages|Page size):\s+(.*?)\s*(?:pts.*)?$", out, re.M))


def text(pdf: bytes, tmp_path: Path) -> str:
    return poppler("pdftotext", pdf, tmp_path, "-layout").replace(" ", "")


def test_certificate_is_a_two_page_card_with_the_r_cert_10_items(renderer, tmp_path):
    pdf = renderer.eligibility_certificate(CERTIFICATE)
    assert pdf.startswith(b"%PDF-")
    assert info(pdf, tmp_path) == {"Pages": "2", "Page size": CARD_POINTS}
    printed = text(pdf, tmp_path)
    for item in ("資格確認書", "労金花子", "昭和29年3月10日", "女", "7001", "12", "00", "06139992",
                 "さくら産業健康保険組合", "令和7年10月1日", "令和11年3月9日", "2割", "注意事項"):
        assert item in printed, item
    fonts = poppler("pdffonts", pdf, tmp_path)
    assert re.search(r"IPAexGothic\s+TrueType.*\byes\s+yes", fonts)
    assert "Helvetica" not in fonts


def test_ratio_is_printed_only_from_70(renderer, tmp_path):
    young = EligibilityCertificatePrint(serial="K0000001240", holder=HOLDER, issued_on=date(2025, 10, 1),
                                        valid_from=date(2025, 10, 1), expires_on=date(2029, 11, 30))
    assert "一部負担金の割合" not in text(renderer.eligibility_certificate(young), tmp_path)


def test_qr_code_decodes_from_the_printed_card_and_verifies(renderer, tmp_path):
    image = page_image(renderer.eligibility_certificate(CERTIFICATE), tmp_path)
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > image.width * image.height * 0.05, "the page must not be blank"
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    fields = SIGNER.verify(codes[0].text)
    assert (fields["s"], fields["k"], fields["n"], fields["b"], fields["e"]) == \
        ("K0000001230", "7001", "12", "00", "2029-03-09")
    with pytest.raises(ForgedCard):
        SIGNER.verify(codes[0].text.replace("E2029-03-09", "E2034-11-30"))
    with pytest.raises(ForgedCard):
        CardSigner(b"another-society-secret-012345678").verify(codes[0].text)


def test_a_long_name_shrinks_to_fit(renderer, tmp_path):
    long = EligibilityCertificatePrint(
        serial="K0000001250", holder=_with_name("長谷川木之本 左右衛門三郎太郎兵衛之助"),
        issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1), expires_on=date(2029, 11, 30))
    assert "長谷川木之本左右衛門三郎太郎兵衛之助" in text(renderer.eligibility_certificate(long), tmp_path)


def _with_name(name: str) -> Holder:
    fields = {f: getattr(HOLDER, f) for f in Holder.__slots__}
    return Holder(**{**fields, "name": name})


def test_notice_is_a4_with_a_cut_out_and_no_sex(renderer, tmp_path):
    pdf = renderer.eligibility_notice(EligibilityNoticePrint(holder=HOLDER, issued_on=date(2025, 10, 3),
                                                             copay_ratio=20,
                                                             ratio_effective_from=date(2024, 4, 1)))
    assert info(pdf, tmp_path) == {"Pages": "1", "Page size": "595.276 x 841.89"}
    printed = text(pdf, tmp_path)
    for item in ("資格情報のお知らせ", "労金花子", "平成31年4月1日", "令和7年10月3日", "切り取り線",
                 "マイナ保険証と一緒", "2割"):
        assert item in printed, item
    assert "性別" not in printed and "女" not in printed


@pytest.mark.parametrize("render, title", [
    (lambda r: r.limit_certificate(LimitCertificatePrint(
        kind="limit", serial="L0000000010", holder=HOLDER, category_code="B02", category="現役並みⅡ",
        issued_on=date(2026, 2, 17), valid_from=date(2026, 2, 1), valid_until=date(2027, 1, 31))),
     "限度額適用認定証"),
    (lambda r: r.limit_certificate(LimitCertificatePrint(
        kind="limit_reduction", serial="G0000000010", holder=HOLDER, category_code="B05", category="低所得Ⅱ",
        issued_on=date(2026, 2, 17), valid_from=date(2026, 2, 1), valid_until=date(2027, 1, 31))),
     "限度額適用・標準負担額減額認定証"),
    (lambda r: r.elderly_certificate(ElderlyCertificatePrint(
        serial="E0000000010", holder=HOLDER, copay_ratio=20, issued_on=date(2025, 8, 20),
        valid_from=date(2025, 9, 1), valid_until=date(2026, 7, 31))), "高齢受給者証"),
    (lambda r: r.specific_disease_certificate(SpecificDiseaseCertificatePrint(
        serial="T0000000010", holder=HOLDER, disease="1", disease_name="人工腎臓を実施している慢性腎不全",
        limit_yen=20000, issued_on=date(2026, 4, 6), valid_from=date(2026, 4, 1))), "特定疾病療養受療証"),
])
def test_certification_cards(renderer, tmp_path, render, title):
    pdf = render(renderer)
    assert info(pdf, tmp_path) == {"Pages": "2", "Page size": CARD_POINTS}
    printed = text(pdf, tmp_path)
    assert title in printed and "労金花子" in printed and "令和" in printed
    assert SIGNER.verify(zxingcpp.read_barcodes(page_image(pdf, tmp_path))[0].text)["i"] == "06139992"


def test_run_file_has_front_and_back_per_card_in_order(renderer, tmp_path):
    docs = [EligibilityCertificatePrint(serial=f"K{n:09d}0", holder=_with_name(f"試験 {n}号"),
                                        issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1),
                                        expires_on=date(2029, 11, 30)) for n in range(1, 1202)]
    out = io.BytesIO()
    seen = []
    assert renderer.eligibility_certificates(iter(docs), out, seen.append) == 1201
    assert info(out.getvalue(), tmp_path) == {"Pages": "2402", "Page size": CARD_POINTS}
    assert seen[-1] == 1201
    last = subprocess.run(["pdftotext", "-f", "2401", "-l", "2401", "-", "-"], input=out.getvalue(),
                          capture_output=True, check=True).stdout.decode()
    assert "試験 1201号" in last
    joined = tmp_path / "run.pdf"
    joined.write_bytes(out.getvalue())
    check = subprocess.run(["qpdf", "--check", str(joined)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout
    middle = tmp_path / "middle"
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1001", "-l", "1001", str(joined), str(middle)],
                   check=True)
    code = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("middle*.png"))))[0].text
    assert SIGNER.verify(code)["s"] == "K0000005010"  # card 501 of the run, in order
