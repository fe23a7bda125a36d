"""Mailed documents (issue 14, item 2; D-115): the address block placed for the window of a
長形3号 window envelope, the head of a mailed A4 letter, the A4 送付状・台紙 that carries a
card-size document, and the 資格確認書の返納のお願い.

The window (D-115). An A4 sheet folded in three (Z or letter fold, panels of 99 mm) fits a 長形3号
envelope (120 × 235 mm, JIS S 5502); the top panel faces the window. Japan Post requires an
address window of at least 45 × 80 mm (日本郵便「郵便番号・バーコードマニュアル」/ 定形郵便物の
ガイドライン「窓付き封筒の注意事項」); the stock 長3 window envelopes have a 90 × 45 mm window
about 20 mm from the left edge and 13 mm from the top of the sheet's panel. The block is printed
inside it with room for the sheet to slide: 25–105 mm from the left, 18–55 mm from the top of the
page, on the top panel (above the first fold at 99 mm); nothing else is printed there."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Callable, Iterable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ...domain.addresses import Delivery
from ...domain.documents import Holder
from . import wording
from .card_layout import CARD
from .page_layout import HEIGHT, WIDTH, bullets, footer, heading, items, paragraphs, top_right
from .typesetting import GOTHIC, new_canvas, wrap

# The address block within the window (from the page's top-left corner, D-115).
BLOCK_LEFT, BLOCK_TOP, BLOCK_WIDTH, BLOCK_HEIGHT = 25 * mm, 18 * mm, 80 * mm, 37 * mm
FOLD = 99 * mm  # the first fold of an A4 sheet folded in three
MAILED_TITLE_Y = HEIGHT - 66 * mm  # a mailed letter's title, below the window
MAILED_SHIFT = 22 * mm  # how much lower than an unmailed letter its body starts


@dataclass(frozen=True, slots=True)
class ReturnReminderPrint:
    """資格確認書の返納のお願い (D-119) for one unreturned certificate."""

    holder: Holder  # as the certificate printed it
    serial: str
    valid_from: date
    expires_on: date
    lost_on: date  # 資格喪失日
    issued_on: date  # the letter's date
    deadline: date  # 返納期限
    delivery: Delivery | None


def a4_pages(title: str, draws: Iterable[Callable[[Canvas], None]]) -> bytes:
    """An A4 PDF titled `title`, one page drawn by each of `draws`."""
    out = io.BytesIO()
    a4_pages_to(out, title, draws)
    return out.getvalue()


def a4_pages_to(out: BinaryIO, title: str, draws: Iterable[Callable[[Canvas], None]]) -> int:
    """Writes an A4 PDF titled `title` to `out`, one page drawn by each of `draws`; returns the
    number of pages."""
    c = new_canvas(out, A4, title)
    pages = 0
    for draw in draws:
        draw(c)
        c.showPage()
        pages += 1
    c.save()
    return pages


def _block_fonts(lines: tuple[str, ...]) -> tuple[float, list[tuple[str, float]]]:
    """The lines of the block with their sizes, shrunk until they fit the block's height."""
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        placed: list[tuple[str, float]] = []
        for index, line in enumerate(lines):
            last = index == len(lines) - 1
            size = (12.0 if last else 10.0) * scale
            for part in wrap(line, BLOCK_WIDTH, GOTHIC, size):
                placed.append((part, size))
        height = sum(size * 1.45 for _, size in placed)
        if height <= BLOCK_HEIGHT or scale == 0.6:
            return height, placed
    raise AssertionError("unreachable")


def address_block(c: Canvas, delivery: Delivery | None, addressee: str) -> None:
    """〒, the address (wrapped), [the 事業所], and the name with 様, inside the window; a
    document with nowhere to go says so in the same place (it is then handed over, not mailed)."""
    lines = delivery.lines if delivery else (wording.NO_ADDRESS, addressee)
    _height, placed = _block_fonts(lines)
    y = HEIGHT - BLOCK_TOP
    for index, (part, size) in enumerate(placed):
        y -= size * 1.45
        last = index == len(placed) - 1
        c.setFont(GOTHIC, size)
        c.drawString(BLOCK_LEFT + (4 * mm if last else 0), y + size * 0.3, part)


def mailed_head(c: Canvas, title: str, delivery: Delivery | None, addressee: str, on: str,
                sender: str) -> None:
    """The head of a mailed letter: the date and the society top right, the address block in
    the window, the title below it."""
    top_right(c, on, sender)
    address_block(c, delivery, addressee)
    heading(c, title, MAILED_TITLE_Y)


def fold_marks(c: Canvas) -> None:
    """Short ticks in the margins at the folds (three panels of 99 mm)."""
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.3)
    for y in (HEIGHT - FOLD, HEIGHT - 2 * FOLD):
        c.line(0, y, 5 * mm, y)
        c.line(WIDTH - 5 * mm, y, WIDTH, y)
    c.setStrokeColorRGB(0, 0, 0)


def mount_sheet(c: Canvas, document: str, serial: str | None, holder: Holder, on: str,
                delivery: Delivery | None, front: Callable[[], None], back: Callable[[], None]) -> None:
    """送付状・台紙 of a card-size document: the mailed head, a short letter, and the card's front
    and back side by side at the foot, to cut out along the dashed line and fold in the middle."""
    mailed_head(c, wording.mount_title(document), delivery, wording.addressee(holder), on, holder.insurer_name)
    fold_marks(c)
    y = paragraphs(c, wording.mount_intro(document, holder.insurer_name), MAILED_TITLE_Y - 14 * mm)
    items(c, wording.mount_items(document, serial, holder), y - 4 * mm)
    left, bottom = (WIDTH - 2 * CARD[0]) / 2, 30 * mm
    c.setDash(3, 2)
    c.setStrokeColorRGB(0.4, 0.4, 0.4)
    c.setLineWidth(0.6)
    c.rect(left, bottom, 2 * CARD[0], CARD[1], fill=0, stroke=1)
    c.setDash(1, 2)
    c.line(left + CARD[0], bottom, left + CARD[0], bottom + CARD[1])
    c.setDash()
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont(GOTHIC, 7)
    c.drawCentredString(WIDTH / 2, bottom + CARD[1] + 3 * mm, wording.MOUNT_CUT_CAPTION)
    c.drawCentredString(left + CARD[0] / 2, bottom - 4 * mm, wording.MOUNT_FRONT)
    c.drawCentredString(left + 1.5 * CARD[0], bottom - 4 * mm, wording.MOUNT_BACK)
    c.setFillColorRGB(0, 0, 0)
    for x, draw in ((left, front), (left + CARD[0], back)):
        c.saveState()
        c.translate(x, bottom)
        draw()
        c.restoreState()
    footer(c, wording.contact_footer(holder.insurer_name))


def return_reminder(c: Canvas, doc: ReturnReminderPrint) -> None:
    """資格確認書の返納のお願い: the mailed head, the request, the certificate, the notes."""
    insurer = doc.holder.insurer_name
    mailed_head(c, wording.RETURN_REMINDER, doc.delivery, wording.addressee(doc.holder), wording.ymd(doc.issued_on),
                insurer)
    fold_marks(c)
    y = paragraphs(c, wording.return_reminder_texts(wording.RETURN_REMINDER_INTRO, insurer, doc.lost_on,
                                                    doc.deadline), MAILED_TITLE_Y - 14 * mm)
    c.setFont(GOTHIC, 10.5)
    c.drawCentredString(WIDTH / 2, y - 3 * mm, "記")
    y = items(c, wording.return_reminder_items(doc.holder, doc.serial, doc.valid_from, doc.expires_on,
                                               doc.lost_on, doc.deadline), y - 12 * mm)
    bullets(c, wording.RETURN_REMINDER_NOTES_HEADING,
            wording.return_reminder_texts(wording.RETURN_REMINDER_NOTES, insurer, doc.lost_on, doc.deadline),
            y - 6 * mm)
    footer(c, wording.contact_footer(insurer))

