"""The layout of the A4 documents (資格情報のお知らせ, 資格情報画面, 暗証番号再設定通知書): one
page each, text between 20 mm margins, built from a letter head, paragraphs, label/value rows,
bullet points, a boxed figure, a footer, and the notice's card-size cut-out."""
from __future__ import annotations

import io
from typing import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import wording
from .card_layout import CARD, MARGIN
from .typesetting import GOTHIC, MINCHO, fit, new_canvas, wrap

WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, WIDTH - 20 * mm


def a4_page(title: str, draw: Callable[[Canvas], None]) -> bytes:
    """A one-page A4 PDF titled `title`, its content drawn by `draw`."""
    out = io.BytesIO()
    c = new_canvas(out, A4, title)
    draw(c)
    c.showPage()
    c.save()
    return out.getvalue()


def top_right(c: Canvas, first: str, second: str) -> None:
    """Two short lines in the top right corner (the date or 出力日時, then the society)."""
    c.setFont(GOTHIC, 9)
    c.drawRightString(RIGHT, HEIGHT - 18 * mm, first)
    c.drawRightString(RIGHT, HEIGHT - 23 * mm, second)


def heading(c: Canvas, title: str, y: float) -> None:
    """A document's title, large and centred."""
    c.setFont(GOTHIC, 18)
    c.drawCentredString(WIDTH / 2, y, title)


def centred(c: Canvas, text: str, y: float, font: str = GOTHIC) -> None:
    """One line at 10 pt, centred (a subtitle)."""
    c.setFont(font, 10)
    c.drawCentredString(WIDTH / 2, y, text)


def letter_head(c: Canvas, title: str, addressee: str, on: str, sender: str) -> None:
    """A letter's head: the date and the society top right, the addressee, the title."""
    top_right(c, on, sender)
    c.setFont(GOTHIC, 10.5)
    c.drawString(LEFT, HEIGHT - 30 * mm, addressee)
    heading(c, title, HEIGHT - 44 * mm)


def paragraphs(c: Canvas, lines: list[str], y: float) -> float:
    """Wrapped lines of text from `y` down; returns the y below them."""
    c.setFont(MINCHO, 10)
    for line in lines:
        for part in wrap(line, RIGHT - LEFT, MINCHO, 10):
            c.drawString(LEFT, y, part)
            y -= 5.5 * mm
    return y


def items(c: Canvas, rows: list[tuple[str, str]], y: float) -> float:
    """Label/value rows from `y` down, the label shaded; returns the y below the last row."""
    c.setLineWidth(0.5)
    for label, value in rows:
        c.setFillColorRGB(0.92, 0.95, 0.97)
        c.rect(LEFT, y - 2.6 * mm, 48 * mm, 8 * mm, fill=1, stroke=0)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(GOTHIC, 9)
        c.drawString(LEFT + 3 * mm, y, label)
        c.setFont(GOTHIC, fit(value, RIGHT - LEFT - 54 * mm, 11, 6, 0.5))
        c.drawString(LEFT + 53 * mm, y, value)
        c.setStrokeColorRGB(0.78, 0.78, 0.78)
        c.line(LEFT, y - 2.6 * mm, RIGHT, y - 2.6 * mm)
        y -= 8 * mm
    return y


def bullets(c: Canvas, title: str, texts: list[str], y: float) -> float:
    """A heading and wrapped bullet points from `y` down; returns the y below them."""
    c.setFont(GOTHIC, 10.5)
    c.drawString(LEFT, y, title)
    y -= 6.5 * mm
    c.setFont(MINCHO, 9.5)
    for text in texts:
        for index, part in enumerate(wrap(text, RIGHT - LEFT - 4 * mm, MINCHO, 9.5)):
            if index == 0:
                c.drawString(LEFT, y, "・")
            c.drawString(LEFT + 4 * mm, y, part)
            y -= 5 * mm
        y -= 1.2 * mm
    return y


def boxed(c: Canvas, caption: str, figure: str, top: float, colour: tuple[float, float, float]) -> float:
    """A figure printed large in a framed box under `top`, with its caption; returns the box's bottom."""
    box_h, box_w = 26 * mm, 110 * mm
    bottom = top - box_h
    c.setStrokeColorRGB(*colour)
    c.setLineWidth(1.2)
    c.rect((WIDTH - box_w) / 2, bottom, box_w, box_h, fill=0, stroke=1)
    c.setFillColorRGB(0, 0, 0)
    centred(c, caption, bottom + box_h - 7 * mm)
    c.setFont(GOTHIC, 30)
    c.drawCentredString(WIDTH / 2, bottom + 5 * mm, figure)
    return bottom


def footer(c: Canvas, text: str) -> None:
    """A grey line at the foot of the page."""
    c.setFont(GOTHIC, 8)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.drawString(LEFT, 15 * mm, text)


def cut_out(c: Canvas, draw_card: Callable[[], None]) -> None:
    """The notice's card-size cut-out at the foot of the page: dashed cut lines with their
    captions, the card's front drawn by `draw_card` (at the origin, moved into the frame) and
    the reminder that the cut-out alone gives no insured treatment."""
    left, bottom = (WIDTH - CARD[0]) / 2, 24 * mm
    cut_y = bottom + CARD[1] + 10 * mm
    c.setDash(3, 2)
    c.setStrokeColorRGB(0.4, 0.4, 0.4)
    c.setLineWidth(0.6)
    c.line(10 * mm, cut_y, WIDTH - 10 * mm, cut_y)
    c.rect(left, bottom, CARD[0], CARD[1], fill=0, stroke=1)
    c.setDash()
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont(GOTHIC, 7)
    c.drawString(12 * mm, cut_y + 1.5 * mm, wording.CUT_LINE)
    c.drawCentredString(WIDTH / 2, bottom + CARD[1] + 3 * mm, wording.CUT_OUT_CAPTION)
    c.setFillColorRGB(0, 0, 0)
    c.saveState()
    c.translate(left, bottom)
    draw_card()
    c.setFont(GOTHIC, 5)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.drawString(MARGIN, 2.8 * mm, wording.CUT_OUT_WARNING)
    c.restoreState()
