"""The joiner of a print run (adapters/pdf/joiner.py): parts joined into one valid file with
every page, in the parts' order; each part keeping its own fonts and forms; a cross-reference
table that points at every object, also past 10,000 objects; an empty run; a broken part.
The parts are real PDFs (reportlab, as the print workers write them, and a hand-written one
with a nested page tree); the joined file is read back with poppler and checked with qpdf."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest

from shikaku.adapters.pdf.card_layout import CARD
from shikaku.adapters.pdf.joiner import Joiner
from shikaku.adapters.pdf.typesetting import GOTHIC, new_canvas, register_fonts


def reportlab_part(pages: list[str], form: str | None = None) -> bytes:
    """A card-size PDF with one word a page, each page also showing the form "Face0" (which
    says `form`) when given: every part names its form alike, as the print workers' do."""
    register_fonts()
    out = io.BytesIO()
    c = new_canvas(out, CARD, "part")
    for word in pages:
        if form:
            if not c.hasForm("Face0"):
                c.beginForm("Face0")
                c.setFont(GOTHIC, 8)
                c.drawString(10, 10, form)
                c.endForm()
            c.doForm("Face0")
        c.setFont(GOTHIC, 12)
        c.drawString(20, 60, word)
        c.showPage()
    c.save()
    return out.getvalue()


def hand_written_part(pages: list[str], nested: bool = False) -> bytes:
    """A PDF written by hand, one word a page in Helvetica; `nested`: the first two pages hang
    under a page-tree node of their own (reportlab's trees are flat)."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    inner = 4 if nested else 2
    leaves = []
    for index, word in enumerate(pages):
        page, content = 5 + 2 * index, 6 + 2 * index
        parent = inner if nested and index < 2 else 2
        objects[page] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 200 100 ] /Resources "
                         b"<< /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (parent, content))
        stream = b"BT /F1 12 Tf 10 40 Td (%s) Tj ET" % word.encode()
        objects[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        leaves.append(page)
    kids = leaves
    if nested:
        objects[4] = b"<< /Type /Pages /Parent 2 0 R /Count 2 /Kids [ %d 0 R %d 0 R ] >>" % tuple(leaves[:2])
        kids = [4, *leaves[2:]]
    objects[2] = b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (
        len(pages), b" ".join(b"%d 0 R" % kid for kid in kids))
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, text) for number, text in sorted(objects.items()))
    return b"%PDF-1.4\n" + body + b"trailer\n<< /Size %d /Root 1 0 R >>\n%%%%EOF\n" % (max(objects) + 1)


def join(*parts: bytes, blank: tuple[float, float] = CARD) -> bytes:
    out = io.BytesIO()
    joiner = Joiner(out, blank)
    for part in parts:
        joiner.add(part)
    joiner.finish()
    return out.getvalue()


def pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """The words of each page, in order (pdftotext ends each page with a form feed)."""
    path = tmp_path / "joined.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def pdfinfo(pdf: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "joined.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^(Pages|Page size):\s+(.*?)\s*(?:pts.*)?$", out, re.M))


def assert_qpdf_finds_no_error(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "joined.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, \
        check.stdout + check.stderr


def xref_offsets(pdf: bytes) -> list[int]:
    """The offsets of objects 1, 2, … as the joined file's cross-reference table gives them."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))
    table = re.match(rb"xref\n0 (\d+)\n0000000000 65535 f \n", pdf[start:])
    entries = pdf[start + table.end():start + table.end() + 20 * (int(table.group(1)) - 1)]
    return [int(entries[i:i + 10]) for i in range(0, len(entries), 20)]


def test_parts_are_joined_page_by_page_in_their_order(tmp_path):
    pdf = join(reportlab_part(["A1"]), reportlab_part(["B1", "B2", "B3"]), reportlab_part(["C1", "C2"]))
    assert pdfinfo(pdf, tmp_path) == {"Pages": "6", "Page size": "242.646 x 153.071"}
    assert pages_text(pdf, tmp_path) == ["A1", "B1", "B2", "B3", "C1", "C2"]
    assert_qpdf_finds_no_error(pdf, tmp_path)


def test_each_part_keeps_its_own_form_though_every_part_names_it_alike(tmp_path):
    pdf = join(reportlab_part(["A1", "A2"], form="ALPHA"), reportlab_part(["B1", "B2"], form="BRAVO"))
    assert pages_text(pdf, tmp_path) == ["A1 ALPHA", "A2 ALPHA", "B1 BRAVO", "B2 BRAVO"]
    fonts = subprocess.run(["pdffonts", str(tmp_path / "joined.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert len(re.findall(r"IPAexGothic.*\byes\s+yes\s+yes", fonts)) == 2, "each part's embedded subset"


def test_a_nested_page_tree_keeps_its_page_order(tmp_path):
    pdf = join(reportlab_part(["A1"]), hand_written_part(["N1", "N2", "N3"], nested=True),
               hand_written_part(["H1"]))
    assert pdfinfo(pdf, tmp_path)["Pages"] == "5"
    assert pages_text(pdf, tmp_path) == ["A1", "N1", "N2", "N3", "H1"]
    assert_qpdf_finds_no_error(pdf, tmp_path)


def test_the_cross_reference_table_points_at_every_object_past_10000(tmp_path):
    """The table is written in chunks of 10,000 entries: a run of more objects than that."""
    big = hand_written_part([f"P{n}" for n in range(5_100)])  # 10,203 objects
    pdf = join(reportlab_part(["A1"]), big, reportlab_part(["Z1"]))
    offsets = xref_offsets(pdf)
    assert len(offsets) > 10_000
    for number, offset in enumerate(offsets, start=1):
        assert pdf.startswith(b"%d 0 obj\n" % number, offset), number
    texts = pages_text(pdf, tmp_path)
    assert len(texts) == 5_102 and texts[:3] == ["A1", "P0", "P1"] and texts[-2:] == ["P5099", "Z1"]
    assert_qpdf_finds_no_error(pdf, tmp_path)


def test_an_empty_run_is_one_blank_page_of_the_size_asked(tmp_path):
    pdf = join(blank=(200.0, 100.0))
    assert pdfinfo(pdf, tmp_path) == {"Pages": "1", "Page size": "200 x 100"}
    assert pages_text(pdf, tmp_path) == [""]
    assert_qpdf_finds_no_error(pdf, tmp_path)


@pytest.mark.parametrize("cut", ["nothing", "before_trailer", "mid_file"])
def test_a_broken_part_is_refused_and_leaves_the_file_as_it_was(tmp_path, cut):
    good = reportlab_part(["A1"])
    broken = {"nothing": b"", "before_trailer": good[:good.rindex(b"trailer")],
              "mid_file": good[:len(good) // 2]}[cut]
    out = io.BytesIO()
    joiner = Joiner(out, CARD)
    joiner.add(good)
    written = out.getvalue()
    with pytest.raises(ValueError):
        joiner.add(broken)
    assert out.getvalue() == written
    joiner.add(reportlab_part(["B1"]))
    joiner.finish()
    assert pages_text(out.getvalue(), tmp_path) == ["A1", "B1"]
    assert_qpdf_finds_no_error(out.getvalue(), tmp_path)
