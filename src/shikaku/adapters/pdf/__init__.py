"""Print-ready PDFs of the society's documents: card-size certificates (85.6 × 54 mm, front and
back, with a signed QR code against copies, R-CERT-10), the A4 資格情報のお知らせ with its
card-size cut-out (R-NOTICE-1), the 資格情報画面, the 暗証番号再設定通知書, and the print-shop
file of a run. A real Japanese font (IPAex) is embedded; every date is printed in 和暦 (R-DATE-1).

    renderer      DocumentRenderer: one method per document
    wording       every Japanese text printed, and what each document says
    faces         each kind of card: its words, colour and QR fields
    card_layout   the cards' layout and drawing (CARD, the QR code's place)
    page_layout   the A4 documents' layout
    typesetting   canvas, fonts, fitting and line breaking
    pool          the process pool of a print run
    joiner        joins a run's rendered parts into one file
    pin_letter    PinResetLetterPrint, the data of the 暗証番号再設定通知書

The QR code's payload and the 交付番号 prefixes are defined once, in domain/qr_payload.py."""
from .pin_letter import PinResetLetterPrint
from .renderer import DocumentRenderer

__all__ = ["DocumentRenderer", "PinResetLetterPrint"]
