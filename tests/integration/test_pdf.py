"""The documents as printed (R-CERT-10, R-NOTICE-1, §8): real embedded fonts, card and A4 sizes,
和暦 dates, the items each document must (and must not) carry, a layout in which nothing runs
out of the card or into another item, and a QR code that decodes from the rendered page and
verifies (R-CERT-10). Checked with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm)."""
from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from shikaku.adapters.pdf import DocumentRenderer, pool
from shikaku.adapters.pdf.card_layout import CARD, QR_SIZE, QR_X, QR_Y
from shikaku.adapters.signing import CardSigner, ForgedCard
from shikaku.domain.documents import (
    SPECIFIC_DISEASES,
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)
from shikaku.domain.qr_payload import (
    certificate_payload,
    elderly_payload,
    limit_payload,
    specific_disease_payload,
)

SIGNER = CardSigner(b"pdf-test-secret-0123456789abcdef")
CARD_POINTS = "242.646 x 153.071"  # 85.6 x 54 mm
A4_POINTS = "595.276 x 841.89"
HOLDER = Holder(name="労金 花子", name_kana="ロウキン ハナコ", birth_date=date(1954, 3, 10), sex="female",
                relationship="insured", symbol="7001", number="12", branch="01",
                insurer_number="06139992", insurer_name="さくら産業健康保険組合",
                qualified_on=date(2019, 4, 1))
LONG_NAME = "長谷川木之本 左右衛門三郎太郎兵衛之助"  # 20 characters with the space
LONG = replace(HOLDER, name=LONG_NAME, insurer_name="全国労働金庫健康保険組合", sex="male",
               relationship="dependent", birth_date=date(1989, 1, 8))
CERTIFICATE = EligibilityCertificatePrint(  # a member over 70: the ratio line
    serial="K0000001230", holder=HOLDER, issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1),
    expires_on=date(2029, 3, 9), copay_ratio=20, ratio_effective_from=date(2025, 10, 1))
YOUNG = EligibilityCertificatePrint(
    serial="K0000001250", holder=LONG, issued_on=date(2025, 10, 1), valid_from=date(2025, 10, 1),
    expires_on=date(2029, 11, 30))
LIMIT = LimitCertificatePrint(kind="limit", serial="L0000000010", holder=LONG, category_code="A02",
                              category="イ", issued_on=date(2026, 2, 17), valid_from=date(2026, 2, 1),
                              valid_until=date(2027, 1, 31))
REDUCTION = LimitCertificatePrint(kind="limit_reduction", serial="G0000000010", holder=HOLDER,
                                  category_code="B05", category="低所得Ⅱ", issued_on=date(2026, 2, 17),
                                  valid_from=date(2026, 2, 1), valid_until=date(2027, 1, 31))
ELDERLY = ElderlyCertificatePrint(serial="E0000000010", holder=HOLDER, copay_ratio=20,
                                  issued_on=date(2025, 8, 20), valid_from=date(2025, 9, 1),
                                  valid_until=date(2026, 7, 31))
DISEASE = SpecificDiseaseCertificatePrint(serial="T0000000010", holder=LONG, disease="3",
                                          disease_name=SPECIFIC_DISEASES["3"], limit_yen=10000,
                                          issued_on=date(2026, 4, 6), valid_from=date(2026, 4, 1))
NOTICE = EligibilityNoticePrint(holder=HOLDER, issued_on=date(2025, 10, 3), copay_ratio=20,
                                ratio_effective_from=date(2024, 4, 1))

# (render, document, payload builder, title, items that must be printed)
CARDS = {
    "certificate_70": (lambda r: r.eligibility_certificate(CERTIFICATE), CERTIFICATE, certificate_payload,
                       "資格確認書", ["労金花子", "昭和29年3月10日", "女", "本人", "記号", "7001", "番号", "12",
                                  "枝番", "01", "06139992", "さくら産業健康保険組合", "令和7年10月1日",
                                  "令和11年3月9日", "一部負担金の割合", "2割", "発効期日", "K0000001230"]),
    "certificate_long_name": (lambda r: r.eligibility_certificate(YOUNG), YOUNG, certificate_payload,
                              "資格確認書", [LONG_NAME.replace(" ", ""), "平成元年1月8日", "男", "家族",
                                         "全国労働金庫健康保険組合", "令和11年11月30日"]),
    "limit": (lambda r: r.limit_certificate(LIMIT), LIMIT, limit_payload, "限度額適用認定証",
              ["適用区分", "イ", "令和8年2月1日", "令和9年1月31日", "令和8年2月17日"]),
    "limit_reduction": (lambda r: r.limit_certificate(REDUCTION), REDUCTION, limit_payload,
                        "限度額適用・標準負担額減額認定証", ["低所得Ⅱ", "令和9年1月31日"]),
    "elderly": (lambda r: r.elderly_certificate(ELDERLY), ELDERLY, elderly_payload, "高齢受給者証",
                ["2割", "令和7年9月1日", "令和8年7月31日"]),
    "specific_disease": (lambda r: r.specific_disease_certificate(DISEASE), DISEASE, specific_disease_payload,
                         "特定疾病療養受療証", ["後天性免疫不全症候群", "月額10,000円", "令和8年4月1日"]),
}


@pytest.fixture(scope="module")
def renderer():
    return DocumentRenderer(SIGNER)


@pytest.fixture(scope="module")
def rendered(renderer):
    return {name: render(renderer) for name, (render, *_rest) in CARDS.items()}


def write(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return path


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    out = ["-"] if tool == "pdftotext" else []
    return subprocess.run([tool, *args, str(write(pdf, tmp_path)), *out], capture_output=True, text=True,
                          check=True).stdout


def info(pdf: bytes, tmp_path: Path) -> dict:
    out = poppler("pdfinfo", pdf, tmp_path)
    return dict(re.findall(r"^(Pages|Page size):\s+(.*?)\s*(?:pts.*)?$", out, re.M))


def text(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return re.sub(r"\s", "", poppler("pdftotext", pdf, tmp_path, *pages))


def page_image(pdf: bytes, tmp_path: Path, page: int = 1, dpi: int = 300) -> Image.Image:
    for old in tmp_path.glob("page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                    str(write(pdf, tmp_path)), str(tmp_path / "page")], check=True)
    return Image.open(next(tmp_path.glob("page*.png")))


def dark_share(image: Image.Image) -> float:
    grey = image.convert("L")
    return sum(grey.histogram()[:128]) / (grey.width * grey.height)


def word_boxes(pdf: bytes, tmp_path: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(word, x0, y0, x1, y1) in points from the top left, from `pdftotext -bbox`."""
    html = poppler("pdftotext", pdf, tmp_path, "-bbox", "-f", str(page), "-l", str(page))
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html)]


def qr_text(pdf: bytes, tmp_path: Path) -> str:
    codes = zxingcpp.read_barcodes(page_image(pdf, tmp_path))
    assert len(codes) == 1
    return codes[0].text


# ------------------------------------------------------------------------------ cards
@pytest.mark.parametrize("name", CARDS)
def test_card_is_two_card_size_pages_with_its_items_in_wareki(rendered, tmp_path, name):
    pdf = rendered[name]
    _render, _doc, _payload, title, items = CARDS[name]
    assert pdf.startswith(b"%PDF-")
    assert info(pdf, tmp_path) == {"Pages": "2", "Page size": CARD_POINTS}
    front = text(pdf, tmp_path, 1)
    for item in [title, "生年月日", "保険者番号", "保険者名称", "記号", "番号", "枝番", "交付年月日", *items]:
        assert item in front, item
    assert not re.search(r"(?<!\d)(19|20)\d\d[-/]\d", front), "dates are printed in 和暦"
    back = text(pdf, tmp_path, 2)
    assert "注意事項" in back and "備考" in back


@pytest.mark.parametrize("name", CARDS)
def test_fonts_are_ipaex_embedded_and_nothing_else(rendered, tmp_path, name):
    fonts = poppler("pdffonts", rendered[name], tmp_path).splitlines()[2:]
    assert fonts
    for line in fonts:
        assert re.search(r"IPAex(Gothic|Mincho)\s+(CID )?TrueType.*\byes\s+yes\s+yes", line), line


@pytest.mark.parametrize("name", CARDS)
def test_front_and_back_render_and_are_not_blank(rendered, tmp_path, name):
    front = page_image(rendered[name], tmp_path, 1, dpi=150)
    assert front.size == (506, 319)  # 85.6 x 54 mm at 150 dpi
    assert dark_share(front) > 0.04
    assert dark_share(page_image(rendered[name], tmp_path, 2, dpi=150)) > 0.01


@pytest.mark.parametrize("name", CARDS)
def test_layout_keeps_every_word_on_the_card_clear_of_the_qr_code_and_of_each_other(rendered, tmp_path, name):
    width, height = CARD
    quiet = 4 * QR_SIZE / 49  # the quiet zone, 4 modules
    qr = (QR_X - quiet, height - QR_Y - QR_SIZE - quiet, QR_X + QR_SIZE + quiet, height - QR_Y + quiet)
    words = word_boxes(rendered[name], tmp_path)
    for word, x0, y0, x1, y1 in words:
        assert 8 <= x0 and x1 <= width - 8 and 0 <= y0 and y1 <= height - 1, (word, x0, x1)
        assert x1 <= qr[0] or x0 >= qr[2] or y1 <= qr[1] or y0 >= qr[3], \
            f"{word} runs into the QR code or its quiet zone"
    for i, (a, ax0, ay0, ax1, ay1) in enumerate(words):
        for b, bx0, by0, bx1, by1 in words[i + 1:]:
            overlap_x = min(ax1, bx1) - max(ax0, bx0)
            overlap_y = min(ay1, by1) - max(ay0, by0)
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{a} overlaps {b}"


def test_long_name_is_printed_whole_within_the_card(rendered, tmp_path):
    words = word_boxes(rendered["certificate_long_name"], tmp_path)
    name = [w for w in words if w[0] in LONG_NAME.split()]
    assert "".join(w[0] for w in name) == LONG_NAME.replace(" ", "")
    assert max(w[3] for w in name) <= CARD[0] - 9
    assert max(w[4] - w[2] for w in name) >= 8, "shrunk, but still the largest item"


def test_ratio_is_printed_only_from_70(rendered, tmp_path):
    printed = text(rendered["certificate_long_name"], tmp_path)
    assert "一部負担金の割合" not in printed and "発効期日" not in printed


@pytest.mark.parametrize("name", CARDS)
def test_qr_code_decodes_from_the_printed_card_and_is_the_signed_payload(rendered, tmp_path, name):
    _render, doc, payload, *_ = CARDS[name]
    code = qr_text(rendered[name], tmp_path)
    expected = {key: str(value).upper() for key, value in payload(doc).items()}
    assert SIGNER.verify(code) == expected
    assert expected["s"] == doc.serial and expected["i"] == "06139992"


def test_certificate_payload_is_what_is_printed_and_tampering_is_detected(rendered, tmp_path):
    assert certificate_payload(CERTIFICATE) == {
        "t": "C", "s": "K0000001230", "i": "06139992", "k": "7001", "n": "12", "b": "01",
        "d": "1954-03-10", "f": "2025-10-01", "e": "2029-03-09"}
    code = qr_text(rendered["certificate_70"], tmp_path)
    assert len(code) < 200, "short, so the code stays small (49 x 49 modules at level M: 0.33 mm each)"
    with pytest.raises(ForgedCard):
        SIGNER.verify(code.replace("E2029-03-09", "E2034-11-30"))
    with pytest.raises(ForgedCard):
        CardSigner(b"another-society-secret-012345678").verify(code)


def test_qr_code_is_about_16_mm_in_the_bottom_right_corner(rendered, tmp_path):
    image = page_image(rendered["certificate_70"], tmp_path, dpi=300)
    box = zxingcpp.read_barcodes(image)[0].position
    side_mm = (box.top_right.x - box.top_left.x) / 300 * 25.4
    assert 14 <= side_mm <= 16.5
    assert box.top_left.x > image.width / 2 and box.top_left.y > image.height / 3


# ------------------------------------------------------------------------------ the notice
def test_notice_is_a4_with_the_r_notice_1_items_and_a_cut_out(renderer, tmp_path):
    pdf = renderer.eligibility_notice(NOTICE)
    assert pdf.startswith(b"%PDF-")
    assert info(pdf, tmp_path) == {"Pages": "1", "Page size": A4_POINTS}
    printed = text(pdf, tmp_path)
    for item in ("資格情報のお知らせ", "労金花子", "昭和29年3月10日", "記号7001", "番号12", "枝番01",
                 "06139992", "さくら産業健康保険組合", "資格取得年月日", "平成31年4月1日", "交付年月日",
                 "令和7年10月3日", "一部負担金の割合", "2割", "令和6年4月1日", "切り取り線",
                 "マイナ保険証と一緒", "資格情報画面", "保険診療は受けられません"):
        assert item in printed, item
    assert "性別" not in printed and "女" not in printed and "男" not in printed
    assert not re.search(r"\d{12}", printed), "never a My Number"
    assert printed.count("労金花子") >= 3  # address, table, cut-out
    fonts = poppler("pdffonts", pdf, tmp_path)
    assert re.search(r"IPAexGothic\s+(CID )?TrueType.*\byes\s+yes\s+yes", fonts)
    image = page_image(pdf, tmp_path, dpi=72)
    assert image.size in {(595, 842), (596, 842)} and dark_share(image) > 0.01


def test_notice_under_70_has_no_ratio(renderer, tmp_path):
    notice = EligibilityNoticePrint(holder=LONG, issued_on=date(2025, 10, 3))
    printed = text(renderer.eligibility_notice(notice), tmp_path)
    assert LONG_NAME.replace(" ", "") in printed and "一部負担金の割合" not in printed
    assert "性別" not in printed and "男" not in printed


def test_notice_without_ratio_date_prints_the_ratio_alone(renderer, tmp_path):
    printed = text(renderer.eligibility_notice(replace(NOTICE, ratio_effective_from=None)), tmp_path)
    assert "2割" in printed and "から）" not in printed


# ------------------------------------------------------------------------------ print runs
def _run(n: int, start: int = 1) -> list[EligibilityCertificatePrint]:
    return [replace(YOUNG, serial=f"K{k:09d}0", holder=replace(HOLDER, name=f"試験 {k}号"))
            for k in range(start, start + n)]


def test_run_file_of_50_cards_has_100_pages_front_then_back(renderer, tmp_path):
    out = io.BytesIO()
    seen: list[int] = []
    assert renderer.eligibility_certificates(iter(_run(50)), out, seen.append) == 50
    pdf = out.getvalue()
    assert pdf.startswith(b"%PDF-")
    assert info(pdf, tmp_path) == {"Pages": "100", "Page size": CARD_POINTS}
    assert seen and seen[-1] == 50
    assert "試験1号" in text(pdf, tmp_path, 1) and "注意事項" in text(pdf, tmp_path, 2)
    assert "試験50号" in text(pdf, tmp_path, 99) and "注意事項" in text(pdf, tmp_path, 100)
    assert re.search(r"IPAexGothic.*\byes\s+yes\s+yes", poppler("pdffonts", pdf, tmp_path))


def test_empty_run_is_a_valid_file(renderer, tmp_path):
    out = io.BytesIO()
    assert renderer.eligibility_certificates(iter([]), out) == 0
    assert info(out.getvalue(), tmp_path) == {"Pages": "1", "Page size": CARD_POINTS}  # one blank page
    assert text(out.getvalue(), tmp_path) == ""


def test_long_run_is_joined_in_order_and_valid(renderer, tmp_path):
    """Several blocks rendered in parallel, joined into one file in the mailing order."""
    out = io.BytesIO()
    seen: list[int] = []
    assert renderer.eligibility_certificates(iter(_run(1201)), out, seen.append) == 1201
    pdf = out.getvalue()
    assert info(pdf, tmp_path) == {"Pages": "2402", "Page size": CARD_POINTS}
    assert seen == sorted(seen) and seen[-1] == 1201 and len(seen) >= 2
    assert "試験1201号" in text(pdf, tmp_path, 2401)
    check = subprocess.run(["qpdf", "--check", str(write(pdf, tmp_path))], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout
    assert SIGNER.verify(qr_text(_page(pdf, tmp_path, 1001), tmp_path))["s"] == "K0000005010"  # card 501


def test_a_block_that_fails_fails_the_run_rather_than_leave_its_cards_out(renderer, monkeypatch):
    """A part missing: the cards before it are joined and reported, then the run stops with
    the worker's error; the file is never finished, so it cannot go to print short."""
    monkeypatch.setattr(pool, "PRINT_BLOCK", 2)  # blocks are cut in this process
    cards = _run(6)
    cards[3] = replace(cards[3], holder=replace(HOLDER, symbol="七〇〇一"))  # no QR character: unsignable
    out, seen = io.BytesIO(), []
    with pytest.raises(ValueError, match="card fields"):
        renderer.eligibility_certificates(iter(cards), out, seen.append)
    assert seen == [2]
    assert out.getvalue().startswith(b"%PDF-") and b"%%EOF" not in out.getvalue()


def _page(pdf: bytes, tmp_path: Path, page: int) -> bytes:
    """One page of a long file as a PDF of its own (qpdf), to render quickly."""
    source, target = write(pdf, tmp_path), tmp_path / "one.pdf"
    subprocess.run(["qpdf", str(source), "--pages", str(source), str(page), "--", str(target)], check=True)
    return target.read_bytes()


@pytest.mark.parametrize("issued_on, penalty, not_printed", [(date(2025, 5, 31), "懲役", "拘禁刑"),
                                                             (date(2025, 6, 1), "拘禁刑", "懲役")])
def test_the_back_names_the_penalty_of_the_issue_date(renderer, tmp_path, issued_on, penalty, not_printed):
    """懲役 became 拘禁刑 on 2025-06-01 (D-156): a card says what the law said on its 交付年月日."""
    for render in (lambda d: renderer.eligibility_certificate(replace(YOUNG, issued_on=d, valid_from=d)),
                   lambda d: renderer.elderly_certificate(replace(ELDERLY, issued_on=d))):
        back = text(render(issued_on), tmp_path, page=2)
        assert f"詐欺罪として{penalty}の処分" in back and not_printed not in back
