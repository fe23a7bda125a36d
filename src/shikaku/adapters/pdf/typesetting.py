"""Typesetting shared by every PDF: the canvas, the embedded Japanese fonts (IPAex, from Debian's
fonts-ipaexfont), fitting a text to a width and breaking Japanese lines (禁則)."""
from __future__ import annotations

from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

GOTHIC, MINCHO = "IPAexGothic", "IPAexMincho"
FONT_FILES = {GOTHIC: "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
              MINCHO: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"}
rl_config.useA85 = 0  # binary (zlib) streams: smaller files, and ASCII85 costs a third of the time
_fonts_ready = False


def register_fonts() -> None:
    """Registers the IPAex fonts with reportlab, once per process."""
    global _fonts_ready
    if not _fonts_ready:
        for name, path in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, path))
        _fonts_ready = True


def new_canvas(out: BinaryIO, size: tuple[float, float], title: str) -> Canvas:
    """A compressed canvas of pages of `size`, titled (the PDF's 表題) and in IPAex Gothic."""
    c = Canvas(out, pagesize=size, pageCompression=1, initialFontName=GOTHIC)
    c.setTitle(title)
    c.setAuthor("shikaku")
    return c


def fit(text: str, width: float, size: float, smallest: float, step: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits `width`;
    below `smallest` only as far as needed (so that nothing ever runs out of its box)."""
    while size > smallest and pdfmetrics.stringWidth(text, GOTHIC, size) > width:
        size -= step
    actual = pdfmetrics.stringWidth(text, GOTHIC, size)
    return size if actual <= width else size * width / actual


def wrap(text: str, width: float, font: str, size: float, indent: str = "") -> list[str]:
    """Breaks Japanese text into lines of at most `width`, character by character, keeping
    closing punctuation off the start of a line (禁則); continuation lines start with `indent`."""
    lines, current = [], ""
    for char in text:
        if current.strip() and pdfmetrics.stringWidth(current + char, font, size) > width:
            if char in _NO_LINE_START:
                current, char = current[:-1], current[-1] + char
            lines.append(current)
            current = indent + char
        else:
            current += char
    return lines + [current] if current else lines


_NO_LINE_START = set("、。，．・：；？！ー）」』】〕》〉ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
