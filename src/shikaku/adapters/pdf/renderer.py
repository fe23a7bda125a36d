"""`DocumentRenderer`: one method per document the society prints, each a complete PDF (or, for
a run, the print-shop file). It puts together what a document says (wording), its layout
(card_layout, page_layout) and, for a run, the process pool (pool)."""
from __future__ import annotations

from datetime import date
from typing import BinaryIO, Callable, Iterable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ...domain.addresses import Delivery
from ...domain.documents import (
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    PortalScreenPrint,
    SpecificDiseaseCertificatePrint,
)
from ..signing import CardSigner
from . import wording
from .card_layout import CardFace, CardPrinter
from .faces import BLUE, certificate_face, elderly_face, limit_face, notice_face, specific_disease_face
from .mailing import (
    MAILED_SHIFT,
    ReturnReminderPrint,
    a4_pages,
    a4_pages_to,
    mailed_head,
    mount_sheet,
    return_reminder,
)
from .page_layout import (
    HEIGHT,
    a4_page,
    boxed,
    bullets,
    centred,
    cut_out,
    footer,
    heading,
    items,
    letter_head,
    paragraphs,
    top_right,
)
from .pin_letter import PinResetLetterPrint
from .pool import print_run
from .typesetting import MINCHO


class DocumentRenderer:
    """Lays the documents out with reportlab; one canvas per file."""

    def __init__(self, signer: CardSigner):
        self.signer = signer
        self._cards = CardPrinter(signer)

    # ---------------------------------------------------------------- cards
    def eligibility_certificate(self, doc: EligibilityCertificatePrint) -> bytes:
        """資格確認書: a 2-page card-size PDF, front then back."""
        return self._cards.document([certificate_face(doc)])

    def eligibility_certificates(self, docs: Iterable[EligibilityCertificatePrint], out: BinaryIO,
                                 progress: Callable[[int], None] | None = None) -> int:
        """The print-shop file of a run: each card's front then back (duplex), in the given order;
        returns the number of cards and reports the count so far to `progress` after every block.
        Rendered in parallel (see `pool.print_run`)."""
        return print_run(self.signer.seed, docs, out, progress)

    def limit_certificate(self, doc: LimitCertificatePrint) -> bytes:
        """限度額適用認定証 / 限度額適用・標準負担額減額認定証 (by `doc.kind`): card size, 2 pages."""
        return self._cards.document([limit_face(doc)])

    def elderly_certificate(self, doc: ElderlyCertificatePrint) -> bytes:
        """高齢受給者証: card size, 2 pages."""
        return self._cards.document([elderly_face(doc)])

    def specific_disease_certificate(self, doc: SpecificDiseaseCertificatePrint) -> bytes:
        """特定疾病療養受療証: card size, 2 pages."""
        return self._cards.document([specific_disease_face(doc)])

    # ---------------------------------------------------------------- A4
    def eligibility_notice(self, doc: EligibilityNoticePrint, delivery: Delivery | None = None) -> bytes:
        """資格情報のお知らせ: A4, a letter above and a card-size cut-out below; never 性別. With a
        `delivery`, the address block sits in the window of a 長3 envelope (D-115)."""
        return a4_page(wording.NOTICE, lambda c: self._notice(c, doc, delivery))

    def mount_sheets(self, sheets: list[tuple[CardFace, str | None, Holder, date, Delivery | None]]) -> bytes:
        """送付状・台紙 of card-size documents (D-115), one A4 page each: the address block in the
        window, a short letter, the card's front and back to cut out. Each sheet is (the card's
        face, its 交付番号, its holder, the date of the letter, where it goes)."""
        return a4_pages(wording.mount_title(sheets[0][0].text.title) if len(sheets) == 1 else wording.PRINT_FILE,
                        [self._mount(face, serial, holder, on, delivery)
                         for face, serial, holder, on, delivery in sheets])

    def mount_sheets_to(self, sheets: Iterable[tuple[CardFace, str | None, Holder, date, Delivery | None]],
                        out: BinaryIO) -> int:
        """The 送付状・台紙 of a whole run, written to `out` as they come (a run can hold many);
        returns the number of sheets."""
        return a4_pages_to(out, wording.MAILING_FILE, (self._mount(*sheet) for sheet in sheets))

    def certificate_face(self, doc: EligibilityCertificatePrint) -> CardFace:
        return certificate_face(doc)

    def document_face(self, doc) -> CardFace:
        """The face of a card-size certification (限度額, 高齢受給者, 特定疾病) by its print's type."""
        if isinstance(doc, LimitCertificatePrint):
            return limit_face(doc)
        if isinstance(doc, ElderlyCertificatePrint):
            return elderly_face(doc)
        return specific_disease_face(doc)

    def _mount(self, face: CardFace, serial: str | None, holder: Holder, on: date,
               delivery: Delivery | None) -> Callable[[Canvas], None]:
        return lambda c: mount_sheet(c, face.text.title, serial, holder, wording.ymd(on), delivery,
                                     lambda: self._cards.front(c, face), lambda: self._cards.back(c, face))

    def return_reminders(self, docs: list[ReturnReminderPrint]) -> bytes:
        """資格確認書の返納のお願い (D-119): one A4 letter per unreturned certificate, in the given
        (postal) order, each with its address block."""
        return a4_pages(wording.RETURN_REMINDER, [lambda c, doc=doc: return_reminder(c, doc) for doc in docs])

    def portal_screen(self, doc: PortalScreenPrint) -> bytes:
        """資格情報画面 as downloaded from the portal: A4, the registered items on the day with
        出力日時, and how to use it (Q2: it replaces carrying the notice); never 性別."""
        return a4_page(wording.PORTAL_SCREEN, lambda c: _portal_screen(c, doc))

    def pin_reset_letter(self, doc: PinResetLetterPrint, delivery: Delivery | None = None) -> bytes:
        """暗証番号再設定通知書: A4, a letter to the member with the new PIN in a box, the card it
        belongs to (last characters of its id), 和暦 dates and how to sign in; made once, never
        stored (the PIN is nowhere else)."""
        return a4_page(wording.PIN_LETTER, lambda c: _pin_letter(c, doc, delivery))

    def _notice(self, c: Canvas, doc: EligibilityNoticePrint, delivery: Delivery | None = None) -> None:
        """The letter (R-NOTICE-1 items; how to use it, R-NOTICE-2, R-NOTICE-3), then the cut-out."""
        h = doc.holder
        shift = _head(c, wording.NOTICE, h, wording.ymd(doc.issued_on), delivery)
        y = paragraphs(c, wording.with_insurer(wording.NOTICE_INTRO, h), HEIGHT - 56 * mm - shift)
        y -= 2 * mm
        y = items(c, wording.notice_items(doc), y - 3 * mm)
        bullets(c, wording.NOTICE_USE_HEADING, wording.NOTICE_USE, y - 4 * mm)
        cut_out(c, lambda: self._cards.front(c, notice_face(doc)))


def _portal_screen(c: Canvas, doc: PortalScreenPrint) -> None:
    """出力日時 and the society, the title and the day it holds, the items, how to use it."""
    top_right(c, wording.printed_at(doc), doc.holder.insurer_name)
    heading(c, wording.PORTAL_HEADING, HEIGHT - 38 * mm)
    centred(c, wording.portal_as_of(doc), HEIGHT - 46 * mm, MINCHO)
    y = items(c, wording.portal_items(doc), HEIGHT - 58 * mm)
    bullets(c, wording.PORTAL_USE_HEADING, wording.PORTAL_USE, y - 4 * mm)
    footer(c, wording.portal_footer(doc))


def _head(c: Canvas, title: str, holder: Holder, on: str, delivery: Delivery | None) -> float:
    """A letter's head: mailed (the address block in the window, D-115) when it has a delivery,
    else the name alone (handed over); returns how much lower its body starts."""
    if delivery is None:
        letter_head(c, title, wording.addressee(holder), on, holder.insurer_name)
        return 0.0
    mailed_head(c, title, delivery, wording.addressee(holder), on, holder.insurer_name)
    return MAILED_SHIFT


def _pin_letter(c: Canvas, doc: PinResetLetterPrint, delivery: Delivery | None = None) -> None:
    """The letter head, whom and which card it is for, the new PIN boxed, how to sign in."""
    h = doc.holder
    shift = _head(c, wording.PIN_LETTER, h, wording.ymd(doc.issued_on), delivery)
    centred(c, wording.PIN_LETTER_SUBTITLE, HEIGHT - 51 * mm - shift)
    y = paragraphs(c, wording.PIN_LETTER_INTRO, HEIGHT - 62 * mm - shift)
    y = items(c, wording.pin_letter_items(doc), y - 5 * mm)
    bottom = boxed(c, wording.PIN_CAPTION, doc.pin, y - 4 * mm, BLUE)
    bullets(c, wording.PIN_LETTER_USE_HEADING, wording.with_insurer(wording.PIN_LETTER_USE, h),
            bottom - 10 * mm)
    footer(c, wording.pin_letter_footer(h))
