"""The layout every card shares (85.6 × 54 mm, front then back): a coloured band with the title
and 本人/家族, the name large, then a grid of label/value cells; the QR code sits bottom right
and the rows beside it are narrowed so nothing can run into it. Long values shrink, then wrap
onto a second line. What is the same on every card of a layout is drawn once per file, as a
form. The back carries the 注意事項 and a 備考 box."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable

import zxingcpp
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..signing import CardSigner
from . import wording
from .typesetting import GOTHIC, MINCHO, fit, new_canvas, register_fonts, wrap
from .wording import CardText, Row

CARD = (85.6 * mm, 54 * mm)

# ---------------------------------------------------------------- card geometry (points)
MARGIN = 3.5 * mm
BAND = 8.5 * mm  # the coloured title band
NAME_X = 10 * mm
NAME_Y = CARD[1] - BAND - 6.2 * mm
GRID_TOP = NAME_Y - 1.8 * mm  # the rule under the name; the grid's rows hang from it
QR_SIZE = 16 * mm
QR_X, QR_Y = CARD[0] - MARGIN - QR_SIZE, 4.6 * mm
QUIET = 1.5 * mm  # kept clear around the code (the quiet zone: 4 modules of 0.33 mm)
SERIAL_Y = 1.5 * mm
ROW = 5.6 * mm  # the pitch of a row with one line of value
LABEL_SIZE, VALUE_SIZE = 4.8, 7.0
LABEL_DROP = 3.0 * mm  # row top to the label's baseline
INDENT = 0.8 * mm  # values stand a little right of their labels


@dataclass(frozen=True)
class CardFace:
    """One card as drawn: its words, the colour of its title band and the fields its QR code
    signs (None: no code, as on the notice's cut-out)."""

    text: CardText
    colour: tuple[float, float, float]
    qr_fields: dict | None


class CardPrinter:
    """Draws cards, front then back (duplex), with QR codes signed by `signer` (R-CERT-10)."""

    def __init__(self, signer: CardSigner):
        register_fonts()
        self.signer = signer

    def document(self, faces: list[CardFace]) -> bytes:
        """A PDF of the cards, titled after the first."""
        out = io.BytesIO()
        self.write(out, faces[0].text.title, faces)
        return out.getvalue()

    def write(self, out: BinaryIO, title: str, faces: Iterable[CardFace]) -> None:
        """Writes a PDF of the cards, in their order, into `out`."""
        c = new_canvas(out, CARD, title)
        for face in faces:
            self.card(c, face)
        c.save()

    def card(self, c: Canvas, face: CardFace) -> None:
        """One card: the front page, then the back page."""
        self.front(c, face)
        c.showPage()
        text = face.text
        _once(c, _form_name(("back", text.title, tuple(text.notes))), lambda: _back(c, text))
        c.showPage()

    def back(self, c: Canvas, face: CardFace) -> None:
        """The back of a card at the origin (the 注意事項 and the 備考 box)."""
        text = face.text
        _once(c, _form_name(("back", text.title, tuple(text.notes))), lambda: _back(c, text))

    def front(self, c: Canvas, face: CardFace) -> None:
        """The front of a card at the origin: the form of its layout, then the name, the values,
        the QR code and the 交付番号."""
        text, qr = face.text, face.qr_fields is not None
        labels, values = _layout(text.rows, qr)
        _once(c, _form_name(("front", text.title, face.colour, text.badge, labels)),
              lambda: _front_frame(c, face, labels))
        width, _height = CARD
        c.setFont(GOTHIC, fit(text.name, width - MARGIN - NAME_X, 11.0, 6.0, 0.5))
        c.drawString(NAME_X, NAME_Y, text.name)
        for line, x, y, size in values:
            c.setFont(GOTHIC, size)
            c.drawString(x, y, line)
        if qr:
            _draw_qr(c, self.signer.sign(face.qr_fields), QR_X, QR_Y, QR_SIZE)
        if text.serial:
            c.setFont(GOTHIC, 4.5)
            c.setFillColorRGB(0.35, 0.35, 0.35)
            c.drawRightString(width - MARGIN, SERIAL_Y, wording.serial_line(text.serial))
            c.setFillColorRGB(0, 0, 0)


def _front_frame(c: Canvas, face: CardFace, labels) -> None:
    """The colour band with the title and 本人/家族, the labels and the rule under the name."""
    width, height = CARD
    text = face.text
    c.setFillColorRGB(*face.colour)
    c.rect(0, height - BAND, width, BAND, fill=1, stroke=0)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(GOTHIC, fit(text.title, width - 2 * MARGIN - 10 * mm, 10.5, 6.0, 0.5))
    c.drawString(MARGIN, height - BAND + 2.8 * mm, text.title)
    if text.badge:
        c.setFont(GOTHIC, 7)
        c.drawRightString(width - MARGIN, height - BAND + 3 * mm, text.badge)
    c.setFillColorRGB(0.35, 0.35, 0.35)
    c.setFont(GOTHIC, LABEL_SIZE)
    c.drawString(MARGIN, NAME_Y + 0.4 * mm, wording.NAME)
    for label, x, y in labels:
        c.drawString(x, y, label)
    c.setStrokeColorRGB(0.75, 0.75, 0.75)
    c.setLineWidth(0.3)
    c.line(MARGIN, GRID_TOP, width - MARGIN, GRID_TOP)
    c.setFillColorRGB(0, 0, 0)


def _back(c: Canvas, text: CardText) -> None:
    """注意事項 in small type, then the 備考 box down to the bottom margin."""
    width, height = CARD
    c.setFont(GOTHIC, 7.5)
    c.drawString(MARGIN, height - 6 * mm, wording.NOTES_HEADING)
    c.setFont(MINCHO, 5.2)
    y = height - 10.5 * mm
    for number, note in enumerate(text.notes, start=1):
        for line in wrap(f"{number}. {note}", width - 2 * MARGIN, MINCHO, 5.2, "　 "):
            c.drawString(MARGIN, y, line)
            y -= 2.6 * mm
        y -= 0.6 * mm
    box = max(y - 4 * mm, 6 * mm)
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.3)
    c.rect(MARGIN, 3 * mm, width - 2 * MARGIN, box, fill=0, stroke=1)
    c.setFont(GOTHIC, 5)
    c.drawString(MARGIN + 1 * mm, 3 * mm + box - 2.5 * mm, wording.REMARKS)


def _draw_qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """Draws the QR code as a 1-bit image mask, one sample per module, scaled without
    interpolation (so each module is a sharp square at any printer resolution)."""
    image = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M") \
        .to_image(scale=1, add_quiet_zones=False)
    count = memoryview(image).shape[0]
    bits = memoryview(image).tobytes().translate(_DARK_IS_ONE)
    pad = b"0" * (-count % 8)
    rows = b"".join(bits[row * count:(row + 1) * count] + pad for row in range(count))
    data = int(rows, 2).to_bytes(len(rows) // 8, "big").hex()
    c.addLiteral(f"q 0 g {size:.3f} 0 0 {size:.3f} {x:.3f} {y:.3f} cm "
                 f"BI /W {count} /H {count} /BPC 1 /IM true /D [1 0] /F /AHx ID {data}> EI Q")


_DARK_IS_ONE = bytes.maketrans(b"\x00\xff", b"10")  # zxing's image: 0 dark, 255 light


def _once(c: Canvas, name: str, draw: Callable[[], None]) -> None:
    """Draws what is the same on every card of a layout once per file, as a form."""
    if not c.hasForm(name):
        c.beginForm(name)
        draw()
        c.endForm()
    c.doForm(name)


_FORM_NAMES: dict[tuple, str] = {}


def _form_name(layout: tuple) -> str:
    """A form name per distinct static layout (the same in every file of this process)."""
    return _FORM_NAMES.setdefault(layout, f"Face{len(_FORM_NAMES)}")


def _layout(rows: list[Row], qr: bool) -> tuple[tuple, list[tuple[str, float, float, float]]]:
    """The grid under the name: ((label, x, y) …) and [(value line, x, y, size) …], rows
    squeezed closer if they would run below the bottom margin (not with today's documents)."""
    planned, bottom = _plan(rows, qr)
    squeeze = min(1.0, (GRID_TOP - 2.5 * mm) / max(GRID_TOP - bottom, 1))
    labels, values = [], []
    for row_top, cells in planned:
        row_top = GRID_TOP - (GRID_TOP - row_top) * squeeze
        for label, x, size, lines in cells:
            labels.append((label, round(x, 2), round(row_top - LABEL_DROP, 2)))
            y = row_top - LABEL_DROP - 0.2 * mm - 0.85 * size
            for line in lines:
                values.append((line, x + INDENT, y, size))
                y -= 1.2 * size
    return tuple(labels), values


def _plan(rows: list[Row], qr: bool) -> tuple[list[tuple[float, list]], float]:
    """([(row top, its cells) …], the bottom of the last row).

    Columns are those of the width left of the QR code, so cells line up from row to row; the
    last cell of a row reaches the right margin unless the row comes down beside the QR code."""
    right_wide = CARD[0] - MARGIN
    right_narrow = QR_X - QUIET if qr else right_wide
    beside_qr = QR_Y + QR_SIZE + QUIET  # a row whose bottom is below this is beside the code
    planned, top = [], GRID_TOP
    for row in rows:
        column = (right_narrow - MARGIN) / len(row)
        cells, height = _cells(row, column, right_wide)
        if qr and top - height < beside_qr:
            cells, height = _cells(row, column, right_narrow)
        planned.append((top, cells))
        top -= height
    return planned, top


def _cells(row: Row, column: float, right: float) -> tuple[list[tuple[str, float, float, list[str]]], float]:
    """A row's cells [(label, x, size, value lines) …], its last reaching `right`, and the
    row's height: a value too long for its cell shrinks, then wraps (the row grows by the lines)."""
    cells, height = [], ROW
    for index, (label, value) in enumerate(row):
        x = MARGIN + index * column
        edge = right if index == len(row) - 1 else x + column
        size, lines = _fit_lines(value, edge - x - INDENT - 0.6 * mm)
        cells.append((label, x, size, lines))
        lines_height = (0.85 + 1.2 * (len(lines) - 1)) * size
        height = max(height, LABEL_DROP + 0.2 * mm + lines_height + 0.3 * mm)
    return cells, height


def _fit_lines(text: str, width: float) -> tuple[float, list[str]]:
    """The size and lines of a cell's value: one line from 7 pt down to 5 pt, else wrapped
    onto as few lines as possible at 5.5 pt down to 4.5 pt."""
    size = fit(text, width, VALUE_SIZE, 5.0, 0.25)
    if size >= 5.0:
        return size, [text]
    best = None
    for size in (5.5, 5.0, 4.5):
        lines = wrap(text, width, GOTHIC, size)
        if best is None or len(lines) < len(best[1]):
            best = (size, lines)
        if len(lines) <= 2:
            return size, lines
    return best
