"""Print-ready PDFs of the society's documents: card-size certificates (85.6 × 54 mm, front and
back, with a signed QR code against copies, R-CERT-10), the A4 資格情報のお知らせ with its
card-size cut-out (R-NOTICE-1), and the print-shop file of a run. A real Japanese font (IPAex,
from Debian's fonts-ipaexfont) is embedded; every date is printed in 和暦 (R-DATE-1)."""
from __future__ import annotations

import io
import os
import re
import tempfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Callable, Iterable, Iterator

import zxingcpp
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..domain.documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)
from ..domain.wareki import format_wareki
from .signing import CardSigner

GOTHIC, MINCHO = "IPAexGothic", "IPAexMincho"
FONT_FILES = {GOTHIC: "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
              MINCHO: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"}
CARD = (85.6 * mm, 54 * mm)
rl_config.useA85 = 0  # binary (zlib) streams: smaller files, and ASCII85 costs a third of the time
_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    if not _fonts_ready:
        for name, path in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, path))
        _fonts_ready = True


SEX = {"male": "男", "female": "女"}
RELATIONSHIP = {"insured": "本人", "dependent": "家族"}


@dataclass(frozen=True)
class CardFace:
    """What one card shows: title, colour, the label/value rows, the QR fields, the notes."""

    title: str
    colour: tuple[float, float, float]
    holder: Holder
    rows: list[list[tuple[str, str]]]  # each row: (label, value) cells side by side
    serial: str
    qr_fields: dict
    notes: list[str]


CERTIFICATE_NOTES = [
    "この資格確認書は、マイナ保険証によるオンライン資格確認を受けることができない方に交付するものです。",
    "保険医療機関等で受診するときは、必ず窓口に提示してください。",
    "記載事項に変更があったとき、資格を失ったときは、遅滞なく保険者に届け出て、この証を返納してください。",
    "有効期限を過ぎたもの、資格を失った後のものは使用できません。",
    "不正に使用した者は、刑法により詐欺罪として懲役の処分を受けます。",
    "表面の二次元コードで、保険者が発行した真正な証であることを確認できます。",
]
CERTIFICATION_NOTES = [
    "保険医療機関等で受診するときは、資格確認書等と一緒に窓口に提示してください。",
    "有効期限を過ぎたとき、資格を失ったときは、保険者に返納してください。",
    "記載事項に変更があったときは、保険者に届け出てください。",
    "表面の二次元コードで、保険者が発行した真正な証であることを確認できます。",
]


def _ymd(day: date | None) -> str:
    return format_wareki(day) if day else ""


def _numbers_row(holder: Holder) -> list[tuple[str, str]]:
    return [("記号", holder.symbol), ("番号", holder.number), ("枝番", holder.branch)]


def _insurer_row(holder: Holder) -> list[tuple[str, str]]:
    return [("保険者番号", holder.insurer_number), ("保険者名称", holder.insurer_name)]


# The document kind in a QR code: one letter (the QR alphanumeric alphabet has no '_').
QR_TYPES = {"certificate": "C", "limit": "L", "limit_reduction": "G", "elderly": "E",
            "specific_disease": "T"}


def certificate_payload(doc: EligibilityCertificatePrint) -> dict:
    """The fields the QR code of a 資格確認書 signs (what is printed, compactly)."""
    h = doc.holder
    return {"t": QR_TYPES["certificate"], "s": doc.serial, "i": h.insurer_number, "k": h.symbol, "n": h.number,
            "b": h.branch, "d": h.birth_date.isoformat(), "f": doc.valid_from.isoformat(),
            "e": doc.expires_on.isoformat()}


def _certificate_face(doc: EligibilityCertificatePrint) -> CardFace:
    h = doc.holder
    rows = [[("生年月日", _ymd(h.birth_date)), ("性別", SEX[h.sex])],
            _numbers_row(h),
            [("交付年月日", _ymd(doc.issued_on)), ("有効期限", _ymd(doc.expires_on))]]
    if doc.copay_ratio is not None:
        rows.append([("一部負担金の割合", f"{doc.copay_ratio // 10}割"),
                     ("発効期日", _ymd(doc.ratio_effective_from))])
    rows.append(_insurer_row(h))
    return CardFace("資格確認書", (0.12, 0.37, 0.55), h, rows, doc.serial, certificate_payload(doc),
                    CERTIFICATE_NOTES)


def _payload(kind: str, serial: str, holder: Holder, **extra) -> dict:
    return {"t": QR_TYPES[kind], "s": serial, "i": holder.insurer_number, "k": holder.symbol,
            "n": holder.number, "b": holder.branch, "d": holder.birth_date.isoformat(), **extra}


def _limit_face(doc: LimitCertificatePrint) -> CardFace:
    title = "限度額適用認定証" if doc.kind == "limit" else "限度額適用・標準負担額減額認定証"
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("適用区分", doc.category)],
            _numbers_row(doc.holder),
            [("発効期日", _ymd(doc.valid_from)), ("有効期限", _ymd(doc.valid_until))],
            [("交付年月日", _ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return CardFace(title, (0.45, 0.25, 0.55), doc.holder, rows, doc.serial,
                    _payload(doc.kind, doc.serial, doc.holder, c=doc.category_code,
                             e=doc.valid_until.isoformat()), CERTIFICATION_NOTES)


def _elderly_face(doc: ElderlyCertificatePrint) -> CardFace:
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("一部負担金の割合", f"{doc.copay_ratio // 10}割")],
            _numbers_row(doc.holder),
            [("発効期日", _ymd(doc.valid_from)), ("有効期限", _ymd(doc.valid_until))],
            [("交付年月日", _ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return CardFace("高齢受給者証", (0.20, 0.50, 0.30), doc.holder, rows, doc.serial,
                    _payload("elderly", doc.serial, doc.holder, r=doc.copay_ratio,
                             e=doc.valid_until.isoformat()), CERTIFICATION_NOTES)


def _disease_face(doc: SpecificDiseaseCertificatePrint) -> CardFace:
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("自己負担限度額", f"月額 {doc.limit_yen:,}円")],
            _numbers_row(doc.holder),
            [("認定疾病", doc.disease_name)],
            [("発効期日", _ymd(doc.valid_from)), ("交付年月日", _ymd(doc.issued_on))],
            _insurer_row(doc.holder)]
    return CardFace("特定疾病療養受療証", (0.70, 0.35, 0.15), doc.holder, rows, doc.serial,
                    _payload("specific_disease", doc.serial, doc.holder, x=doc.disease,
                             l=doc.limit_yen), CERTIFICATION_NOTES)


class DocumentRenderer:
    """Lays the documents out with reportlab; one canvas per file."""

    def __init__(self, signer: CardSigner):
        _register_fonts()
        self.signer = signer

    # ---------------------------------------------------------------- public documents
    def eligibility_certificate(self, doc: EligibilityCertificatePrint) -> bytes:
        """資格確認書: a 2-page card-size PDF, front then back."""
        return self._cards([_certificate_face(doc)])

    def eligibility_certificates(self, docs: Iterable[EligibilityCertificatePrint], out: BinaryIO,
                                 progress: Callable[[int], None] | None = None) -> int:
        """The print-shop file of a run: each card's front then back (duplex), in the given order.

        Blocks of cards are rendered in parallel, one process per core, and joined in order
        with qpdf; memory stays flat however long the run."""
        with tempfile.TemporaryDirectory(prefix="shikaku-print-") as work, \
                ProcessPoolExecutor(max_workers=os.cpu_count() or 1, initializer=_start_worker,
                                    initargs=(self.signer.seed,)) as pool:
            pending: deque = deque()
            parts: list[str] = []
            count = 0

            def collect() -> None:
                nonlocal count
                path, cards = pending.popleft().result()
                parts.append(path)
                count += cards
                if progress:
                    progress(count)

            blocks = _blocks(docs, PRINT_BLOCK)
            for index, block in enumerate(blocks):
                pending.append(pool.submit(_render_block, block, f"{work}/part-{index:06d}.pdf"))
                if len(pending) > 2 * (os.cpu_count() or 1):
                    collect()
            while pending:
                collect()
            _join(parts, out)
        return count

    def limit_certificate(self, doc: LimitCertificatePrint) -> bytes:
        return self._cards([_limit_face(doc)])

    def elderly_certificate(self, doc: ElderlyCertificatePrint) -> bytes:
        return self._cards([_elderly_face(doc)])

    def specific_disease_certificate(self, doc: SpecificDiseaseCertificatePrint) -> bytes:
        return self._cards([_disease_face(doc)])

    def eligibility_notice(self, doc: EligibilityNoticePrint) -> bytes:
        """資格情報のお知らせ: A4, a letter above and a card-size cut-out below; never 性別."""
        out = io.BytesIO()
        c = self._canvas(out, A4, "資格情報のお知らせ")
        width, height = A4
        h = doc.holder
        c.setFont(GOTHIC, 9)
        c.drawRightString(width - 20 * mm, height - 18 * mm, f"交付年月日　{_ymd(doc.issued_on)}")
        c.drawString(20 * mm, height - 26 * mm, f"{h.name}　様")
        c.setFont(GOTHIC, 18)
        c.drawCentredString(width / 2, height - 40 * mm, "資格情報のお知らせ")
        c.setFont(MINCHO, 10)
        lines = [
            f"{h.insurer_name}に登録されているあなたの資格情報をお知らせします。",
            "マイナ保険証（健康保険証の利用登録をしたマイナンバーカード）で受診してください。",
            "",
            "・このお知らせだけでは保険診療を受けられません。必ずマイナ保険証と一緒に提示してください。",
            "・カードリーダーの故障などでマイナ保険証を読み取れない医療機関等や、オンライン資格確認に",
            "　対応していない医療機関等では、マイナ保険証と一緒にこのお知らせを窓口に提示してください。",
            "・マイナポータルの資格情報画面（またはそのダウンロード）を提示することもできます。",
            "　資格情報画面をダウンロードしたスマートフォンがあれば、このお知らせを持ち歩く必要はありません。",
            "・紛失した場合でも、マイナポータルで資格情報画面を確認できる場合は再交付は不要です。",
        ]
        y = height - 54 * mm
        for line in lines:
            c.drawString(20 * mm, y, line)
            y -= 6 * mm
        items = [("氏名", h.name), ("生年月日", _ymd(h.birth_date)),
                 ("記号・番号・枝番", f"{h.symbol}・{h.number}・{h.branch}"),
                 ("保険者番号", h.insurer_number), ("保険者名称", h.insurer_name),
                 ("資格取得年月日", _ymd(h.qualified_on))]
        if doc.copay_ratio is not None:
            items.append(("一部負担金の割合", f"{doc.copay_ratio // 10}割（{_ymd(doc.ratio_effective_from)}から）"))
        y -= 4 * mm
        for label, value in items:
            c.setFillColorRGB(0.93, 0.95, 0.97)
            c.rect(20 * mm, y - 2.5 * mm, 50 * mm, 8 * mm, fill=1, stroke=0)
            c.setFillColorRGB(0, 0, 0)
            c.setFont(GOTHIC, 9)
            c.drawString(23 * mm, y, label)
            c.setFont(GOTHIC, 11)
            c.drawString(74 * mm, y, value)
            c.setStrokeColorRGB(0.8, 0.8, 0.8)
            c.line(20 * mm, y - 2.5 * mm, width - 20 * mm, y - 2.5 * mm)
            y -= 9 * mm
        # The card-size cut-out, framed by dashed cut lines.
        left, bottom = (width - CARD[0]) / 2, 22 * mm
        c.setDash(3, 2)
        c.setStrokeColorRGB(0.4, 0.4, 0.4)
        c.line(10 * mm, bottom + CARD[1] + 8 * mm, width - 10 * mm, bottom + CARD[1] + 8 * mm)
        c.rect(left, bottom, CARD[0], CARD[1], fill=0, stroke=1)
        c.setDash()
        c.setFont(GOTHIC, 7)
        c.drawString(12 * mm, bottom + CARD[1] + 9.5 * mm, "切り取り線")
        c.drawCentredString(width / 2, bottom - 5 * mm, "点線に沿って切り取り、マイナ保険証と一緒にお持ちください")
        c.saveState()
        c.translate(left, bottom)
        rows = [[("生年月日", _ymd(h.birth_date))], _numbers_row(h),
                [("資格取得年月日", _ymd(h.qualified_on)), ("交付年月日", _ymd(doc.issued_on))]]
        if doc.copay_ratio is not None:
            rows.append([("一部負担金の割合", f"{doc.copay_ratio // 10}割")])
        rows.append(_insurer_row(h))
        self._front(c, CardFace("資格情報のお知らせ", (0.12, 0.37, 0.55), h, rows, "", {}, []),
                    qr=False)
        c.restoreState()
        c.showPage()
        c.save()
        return out.getvalue()

    # ---------------------------------------------------------------- layout
    def _canvas(self, out: BinaryIO, size, title: str) -> Canvas:
        c = Canvas(out, pagesize=size, pageCompression=1, initialFontName=GOTHIC)
        c.setTitle(title)
        c.setAuthor("shikaku")
        return c

    def _cards(self, faces: list[CardFace]) -> bytes:
        out = io.BytesIO()
        c = self._canvas(out, CARD, faces[0].title)
        for face in faces:
            self._card(c, face)
        c.save()
        return out.getvalue()

    def _card(self, c: Canvas, face: CardFace) -> None:
        self._front(c, face)
        c.showPage()
        self._once(c, f"back_{face.qr_fields.get('t', 'notice')}", lambda: self._back(c, face))
        c.showPage()

    def _once(self, c: Canvas, name: str, draw: Callable[[], None]) -> None:
        """Draws what is the same on every card of a kind once per file, as a form."""
        if not c.hasForm(name):
            c.beginForm(name)
            draw()
            c.endForm()
        c.doForm(name)

    def _front(self, c: Canvas, face: CardFace, qr: bool = True) -> None:
        cells = list(_cells(face, qr))
        self._once(c, f"front_{face.qr_fields.get('t', 'notice')}_{len(face.rows)}_{int(qr)}",
                   lambda: self._front_frame(c, face, cells))
        width, height = CARD
        c.setFillColorRGB(1, 1, 1)
        c.setFont(GOTHIC, 7)
        c.drawRightString(width - 3.5 * mm, height - BAND + 3 * mm,
                          RELATIONSHIP.get(face.holder.relationship, ""))
        c.setFillColorRGB(0, 0, 0)
        c.setFont(GOTHIC, _fit(c, face.holder.name, width - (25 * mm if qr else 14 * mm), 11.0, 6.0, 0.5))
        c.drawString(10 * mm, NAME_Y, face.holder.name)
        for _label, value, x, y, cell_width in cells:
            c.setFont(GOTHIC, _fit(c, value, cell_width - 1.5 * mm, 7.0, 4.5, 0.25))
            c.drawString(x + 0.8 * mm, y + 0.3 * mm, value)
        if qr:
            self._qr(c, self.signer.sign(face.qr_fields), width - 19 * mm, 3 * mm, 16 * mm)
        if face.serial:
            c.setFont(GOTHIC, 4.5)
            c.setFillColorRGB(0.35, 0.35, 0.35)
            c.drawRightString(width - 3 * mm, 1.2 * mm, f"交付番号 {face.serial}")
            c.setFillColorRGB(0, 0, 0)

    def _front_frame(self, c: Canvas, face: CardFace, cells) -> None:
        """The colour band, the title and the labels."""
        width, height = CARD
        c.setFillColorRGB(*face.colour)
        c.rect(0, height - BAND, width, BAND, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.setFont(GOTHIC, 10.5 if len(face.title) <= 9 else 8)
        c.drawString(3.5 * mm, height - BAND + 2.8 * mm, face.title)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        c.setFont(GOTHIC, 5)
        c.drawString(3.5 * mm, NAME_Y + 0.4 * mm, "氏名")
        c.setFont(GOTHIC, 4.8)
        for label, _value, x, y, _width in cells:
            c.drawString(x, y + 2.6 * mm, label)
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        c.setLineWidth(0.3)
        c.line(3.5 * mm, NAME_Y - 1.8 * mm, width - 3.5 * mm, NAME_Y - 1.8 * mm)
        c.setFillColorRGB(0, 0, 0)

    def _back(self, c: Canvas, face: CardFace) -> None:
        width, height = CARD
        c.setFont(GOTHIC, 7.5)
        c.drawString(3.5 * mm, height - 6 * mm, "注意事項")
        c.setFont(MINCHO, 5.2)
        y = height - 10.5 * mm
        for number, note in enumerate(face.notes, start=1):
            for line in _wrap(c, f"{number}. {note}", width - 7 * mm, MINCHO, 5.2):
                c.drawString(3.5 * mm, y, line)
                y -= 2.6 * mm
            y -= 0.6 * mm
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setLineWidth(0.3)
        c.rect(3.5 * mm, 3 * mm, width - 7 * mm, max(y - 4 * mm, 6 * mm), fill=0, stroke=1)
        c.setFont(GOTHIC, 5)
        c.drawString(4.5 * mm, 3 * mm + max(y - 4 * mm, 6 * mm) - 2.5 * mm, "備考")

    def _qr(self, c: Canvas, payload: str, x: float, y: float, size: float) -> None:
        """Draws the QR code as vector rectangles, one per run of dark modules in a row, in
        module units under a scaling transform (sharp at any printer resolution)."""
        image = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M") \
            .to_image(scale=1, add_quiet_zones=False)
        count = memoryview(image).shape[0]
        raw = memoryview(image).tobytes()
        runs = [f"{m.start()} {count - 1 - row} {m.end() - m.start()} 1 re"
                for row in range(count)
                for m in _DARK_RUN.finditer(raw[row * count:(row + 1) * count])]
        cell = size / count
        c.addLiteral(f"q 0 g {cell:.5f} 0 0 {cell:.5f} {x:.3f} {y:.3f} cm {' '.join(runs)} f Q")


_DARK_RUN = re.compile(rb"\x00+")


PRINT_BLOCK = 1000  # cards per part file of a print run
_worker_renderer: DocumentRenderer | None = None


def _start_worker(seed: bytes) -> None:
    global _worker_renderer
    _worker_renderer = DocumentRenderer(CardSigner.from_seed(seed))


def _render_block(docs: list[EligibilityCertificatePrint], path: str) -> tuple[str, int]:
    with open(path, "wb") as out:
        canvas = _worker_renderer._canvas(out, CARD, "資格確認書 印刷ファイル")
        for doc in docs:
            _worker_renderer._card(canvas, _certificate_face(doc))
        canvas.save()
    return path, len(docs)


def _blocks(docs: Iterable, size: int) -> Iterator[list]:
    block: list = []
    for doc in docs:
        block.append(doc)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _join(parts: list[str], out: BinaryIO) -> None:
    """One PDF of the parts, in order, streamed: each part's objects are copied with their
    references renumbered, its pages hung under one new page tree. Only one part is in memory
    at a time. (The parts are reportlab's output: plain objects, direct stream lengths.)"""
    if not parts:
        Canvas(out, pagesize=CARD, initialFontName=GOTHIC).save()
        return
    writer = _Joiner(out)
    for part in parts:
        with open(part, "rb") as f:
            writer.add(f.read())
    writer.finish()


_OBJECT = re.compile(rb"(\d+) 0 obj\r?\n")
_REFERENCE = re.compile(rb"(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)")


class _Joiner:
    CATALOG, PAGES = 1, 2  # object numbers of the new catalog and page tree

    def __init__(self, out: BinaryIO):
        self.out, self.offsets, self.pages = out, {}, []
        self.position = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.next_number = 3

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def add(self, data: bytes) -> None:
        objects = dict(_objects(data))
        trailer = data[data.rindex(b"trailer"):]
        root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        info = re.search(rb"/Info (\d+) 0 R", trailer)
        pages_root = int(re.search(rb"/Pages (\d+) 0 R", objects[root][0]).group(1))
        tree, leaves = self._page_tree(objects, pages_root)
        skip = {root, *tree} | ({int(info.group(1))} if info else set())
        numbers = {old: self._number() for old in objects if old not in skip}
        renumber = lambda m: b"%d 0 R" % numbers.get(int(m.group(1)), self.PAGES)
        for old, (dictionary, stream) in objects.items():
            if old in skip:
                continue
            self.offsets[numbers[old]] = self.position
            body = _REFERENCE.sub(renumber, dictionary)
            self._write(b"%d 0 obj\n" % numbers[old] + body)
            if stream is not None:
                self._write(b"stream\n" + stream + b"\nendstream\n")
            self._write(b"endobj\n")
        self.pages.extend(numbers[leaf] for leaf in leaves)

    def _number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    @staticmethod
    def _page_tree(objects: dict, node: int) -> tuple[list[int], list[int]]:
        """(page tree nodes, pages in order) under `node`."""
        kids = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", objects[node][0],
                                                                     re.S).group(1))]
        nodes, leaves = [node], []
        for kid in kids:
            if re.search(rb"/Type /Pages\b", objects[kid][0]):
                sub_nodes, sub_leaves = _Joiner._page_tree(objects, kid)
                nodes += sub_nodes
                leaves += sub_leaves
            else:
                leaves.append(kid)
        return nodes, leaves

    def finish(self) -> None:
        kids = b" ".join(b"%d 0 R" % page for page in self.pages)
        for number, body in ((self.PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.pages), kids)),
                             (self.CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self.PAGES)):
            self.offsets[number] = self.position
            self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        xref = self.position
        size = self.next_number
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        self._write(b"".join(b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)))
        self._write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, self.CATALOG, xref))


def _objects(data: bytes) -> Iterator[tuple[int, tuple[bytes, bytes | None]]]:
    """(number, (dictionary, stream or None)) of every object of a reportlab PDF."""
    position = 0
    while match := _OBJECT.search(data, position):
        start = match.end()
        end = data.index(b"endobj", start)
        stream_at = data.find(b"stream", start, end)
        if stream_at == -1:
            yield int(match.group(1)), (data[start:end], None)
            position = end + 6
            continue
        dictionary = data[start:stream_at]
        length = int(_LENGTH.search(dictionary).group(1))
        body = stream_at + len(b"stream")
        body += 2 if data[body:body + 2] == b"\r\n" else 1
        yield int(match.group(1)), (dictionary, data[body:body + length])
        position = data.index(b"endobj", body + length) + 6


BAND = 8.5 * mm  # the coloured title band
NAME_Y = CARD[1] - BAND - 6.2 * mm


def _cells(face: CardFace, qr: bool):
    """(label, value, x, y, width) of every cell of the grid under the name."""
    usable = CARD[0] - (22 * mm if qr else 7 * mm)
    top = NAME_Y - 1.8 * mm
    row_height = min(5.6 * mm, (top - 3.5 * mm) / max(len(face.rows), 1))
    for index, row in enumerate(face.rows, start=1):
        cell_width = usable / len(row)
        for column, (label, value) in enumerate(row):
            yield label, value, 3.5 * mm + column * cell_width, top - index * row_height, cell_width


def _fit(c: Canvas, text: str, width: float, size: float, smallest: float, step: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits `width`."""
    while size > smallest and c.stringWidth(text, GOTHIC, size) > width:
        size -= step
    return size


def _wrap(c: Canvas, text: str, width: float, font: str, size: float) -> list[str]:
    """Breaks Japanese text into lines of at most `width` (character by character)."""
    lines, current = [], ""
    for char in text:
        if c.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = "　" + char if lines else char
        else:
            current += char
    return lines + [current] if current else lines
