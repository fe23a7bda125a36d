"""Print-ready PDFs of the society's documents: card-size certificates (85.6 × 54 mm, front and
back, with a signed QR code against copies, R-CERT-10), the A4 資格情報のお知らせ with its
card-size cut-out (R-NOTICE-1), and the print-shop file of a run. A real Japanese font (IPAex,
from Debian's fonts-ipaexfont) is embedded; every date is printed in 和暦 (R-DATE-1).

All cards share one layout (`_front`, `_back`): a coloured band with the title and 本人/家族, the
name large, then a grid of label/value cells; the QR code sits bottom right and the rows beside
it are narrowed so nothing can run into it. Long values shrink, then wrap onto a second line."""
from __future__ import annotations

import io
import multiprocessing
import os
import re
import tempfile
from array import array
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
    PortalScreenPrint,
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

# The colour of each kind's title band.
BLUE, PURPLE, GREEN, BROWN = (0.12, 0.37, 0.55), (0.45, 0.25, 0.55), (0.20, 0.50, 0.30), (0.70, 0.35, 0.15)

Row = list[tuple[str, str]]  # (label, value) cells side by side


@dataclass(frozen=True)
class CardFace:
    """What one card shows: title, colour, 本人/家族, the name, the label/value rows, the QR
    fields (none: no code, as on the notice's cut-out), the serial and the back's notes."""

    title: str
    colour: tuple[float, float, float]
    badge: str
    name: str
    rows: list[Row]
    serial: str
    qr_fields: dict | None
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
    "有効期限を過ぎたとき、資格を失ったときは、遅滞なく保険者に返納してください。",
    "記載事項に変更があったときは、保険者に届け出てください。",
    "不正に使用した者は、刑法により詐欺罪として懲役の処分を受けます。",
    "表面の二次元コードで、保険者が発行した真正な証であることを確認できます。",
]


def _ymd(day: date | None) -> str:
    return format_wareki(day) if day else ""


def _ratio(percent: int) -> str:
    return f"{percent // 10}割"


def _numbers_row(holder: Holder) -> Row:
    return [("記号", holder.symbol), ("番号", holder.number), ("枝番", holder.branch)]


def _insurer_row(holder: Holder) -> Row:
    return [("保険者番号", holder.insurer_number), ("保険者名称", holder.insurer_name)]


# The document kind in a QR code: one letter (the signed payload keeps to the QR alphanumeric
# alphabet, which has no '_', D-33).
QR_TYPES = {"certificate": "C", "limit": "L", "limit_reduction": "G", "elderly": "E",
            "specific_disease": "T"}


def _payload(kind: str, serial: str, holder: Holder, **extra) -> dict:
    return {"t": QR_TYPES[kind], "s": serial, "i": holder.insurer_number, "k": holder.symbol,
            "n": holder.number, "b": holder.branch, "d": holder.birth_date.isoformat(), **extra}


def certificate_payload(doc: EligibilityCertificatePrint) -> dict:
    """The fields the QR code of a 資格確認書 signs (what is printed, compactly); the renderer
    draws `signer.sign(certificate_payload(doc))`."""
    return _payload("certificate", doc.serial, doc.holder, f=doc.valid_from.isoformat(),
                    e=doc.expires_on.isoformat())


def limit_payload(doc: LimitCertificatePrint) -> dict:
    return _payload(doc.kind, doc.serial, doc.holder, c=doc.category_code, f=doc.valid_from.isoformat(),
                    e=doc.valid_until.isoformat())


def elderly_payload(doc: ElderlyCertificatePrint) -> dict:
    return _payload("elderly", doc.serial, doc.holder, r=doc.copay_ratio, f=doc.valid_from.isoformat(),
                    e=doc.valid_until.isoformat())


def specific_disease_payload(doc: SpecificDiseaseCertificatePrint) -> dict:
    return _payload("specific_disease", doc.serial, doc.holder, x=doc.disease, l=doc.limit_yen,
                    f=doc.valid_from.isoformat())


def _face(title: str, colour, holder: Holder, rows: list[Row], serial: str, fields: dict,
          notes: list[str]) -> CardFace:
    return CardFace(title, colour, RELATIONSHIP.get(holder.relationship, ""), holder.name, rows, serial,
                    fields, notes)


def _certificate_face(doc: EligibilityCertificatePrint) -> CardFace:
    h = doc.holder
    rows = [[("生年月日", _ymd(h.birth_date)), ("性別", SEX[h.sex])],
            _numbers_row(h),
            [("交付年月日", _ymd(doc.issued_on)), ("有効期限", _ymd(doc.expires_on))]]
    if doc.copay_ratio is not None:
        rows.append([("一部負担金の割合", _ratio(doc.copay_ratio)),
                     ("発効期日", _ymd(doc.ratio_effective_from))])
    rows.append(_insurer_row(h))
    return _face("資格確認書", BLUE, h, rows, doc.serial, certificate_payload(doc), CERTIFICATE_NOTES)


def _limit_face(doc: LimitCertificatePrint) -> CardFace:
    title = "限度額適用認定証" if doc.kind == "limit" else "限度額適用・標準負担額減額認定証"
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("適用区分", doc.category)],
            _numbers_row(doc.holder),
            [("発効期日", _ymd(doc.valid_from)), ("有効期限", _ymd(doc.valid_until))],
            [("交付年月日", _ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return _face(title, PURPLE, doc.holder, rows, doc.serial, limit_payload(doc), CERTIFICATION_NOTES)


def _elderly_face(doc: ElderlyCertificatePrint) -> CardFace:
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("一部負担金の割合", _ratio(doc.copay_ratio))],
            _numbers_row(doc.holder),
            [("発効期日", _ymd(doc.valid_from)), ("有効期限", _ymd(doc.valid_until))],
            [("交付年月日", _ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return _face("高齢受給者証", GREEN, doc.holder, rows, doc.serial, elderly_payload(doc),
                 CERTIFICATION_NOTES)


def _disease_face(doc: SpecificDiseaseCertificatePrint) -> CardFace:
    rows = [[("生年月日", _ymd(doc.holder.birth_date)), ("自己負担限度額", f"月額 {doc.limit_yen:,}円")],
            [("認定疾病名", doc.disease_name)],
            _numbers_row(doc.holder),
            [("発効期日", _ymd(doc.valid_from)), ("交付年月日", _ymd(doc.issued_on))],
            _insurer_row(doc.holder)]
    return _face("特定疾病療養受療証", BROWN, doc.holder, rows, doc.serial, specific_disease_payload(doc),
                 CERTIFICATION_NOTES)


NOTICE_INTRO = [
    "{insurer}に登録されている、あなたの医療保険の資格情報をお知らせします。",
    "受診の際は、マイナ保険証（健康保険証として利用登録したマイナンバーカード）をお使いください。",
]
NOTICE_USE = [
    "このお知らせだけでは、保険診療は受けられません。必ずマイナ保険証と一緒に使います。",
    "機器のトラブルなどでマイナ保険証を読み取れない医療機関等や、マイナ保険証に対応していない医療機関等では、"
    "マイナ保険証と一緒にこのお知らせを窓口に提示してください。",
    "マイナポータルの「資格情報画面」（またはそれをダウンロードしたもの）を、このお知らせの代わりに提示"
    "することもできます。資格情報画面をダウンロードしたスマートフォンをお持ちであれば、このお知らせを"
    "持ち歩く必要はありません。",
    "なくした場合でも、マイナポータルで資格情報画面を確認できるときは、再交付の手続きは不要です。",
]

# How to use the downloaded 資格情報画面 (Q1, Q2 of the society's notice; R-NOTICE-2, R-NOTICE-3).
PORTAL_USE = [
    "この資格情報画面（またはこのPDF）は、「資格情報のお知らせ」と同じ役割を持ちます。"
    "これを保存したスマートフォンをお持ちであれば、「資格情報のお知らせ」を持ち歩く必要はありません。",
    "これだけでは保険診療は受けられません。マイナ保険証を読み取れない医療機関等や、マイナ保険証に"
    "対応していない医療機関等では、マイナ保険証と一緒に窓口に提示してください。",
    "記載内容は出力日時の時点のものです。氏名などが変わったときは、新しく出力してください。",
]


@dataclass(frozen=True, slots=True)
class PinResetLetterPrint:
    """暗証番号再設定通知書 (D-94): the letter mailed to a member with the new PIN of the portal.
    The card is named by the last characters of its id only: the letter alone must not be a
    full sign-in if it goes astray (the member reads the card number off their own card)."""

    holder: Holder
    card_hint: str  # the last 4 characters of the card id
    pin: str  # the new 4-digit PIN: printed here and nowhere else
    issued_on: date  # 再設定日


PIN_LETTER_INTRO = [
    "加入者ポータルにログインするための暗証番号を、お申し出により次のとおり再設定しました。",
    "これまでの暗証番号は使えなくなりました。暗証番号のロックも解除されています。",
]
PIN_LETTER_USE = [
    "加入者ポータルのログイン画面で、お手持ちのマイナンバーカードのカード番号と、上の新しい暗証番号を"
    "入力してください。",
    "暗証番号は他人に知られないようにしてください。加入者ポータルでは暗証番号を変更できません。"
    "覚えたらこの通知書は破棄するか、人目に触れない場所に保管してください。",
    "{insurer}の職員が、電話やメールで暗証番号をおたずねすることはありません。",
    "暗証番号を3回続けて間違えるとロックされます。そのときは、{insurer}に再設定をお申し出ください。",
    "再設定を申し出た覚えがない場合は、すぐに{insurer}にご連絡ください。",
]


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
        """The print-shop file of a run: each card's front then back (duplex), in the given order;
        returns the number of cards and reports the count so far to `progress` after every block.

        Blocks of cards are rendered in parallel, one process per core, and streamed into `out`
        in order by a joiner; memory stays flat however long the run. The workers are spawned,
        not forked: the caller may be a threaded server (forking it could copy a held lock)."""
        with tempfile.TemporaryDirectory(prefix="shikaku-print-") as work, \
                ProcessPoolExecutor(max_workers=os.cpu_count() or 1, initializer=_start_worker,
                                    initargs=(self.signer.seed,),
                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            pending: deque = deque()
            writer = _Joiner(out)
            count = 0

            def collect() -> None:
                nonlocal count
                path, cards = pending.popleft().result()
                with open(path, "rb") as part:
                    writer.add(part.read())
                os.unlink(path)
                count += cards
                if progress:
                    progress(count)

            for index, block in enumerate(_blocks(docs, PRINT_BLOCK)):
                pending.append(pool.submit(_render_block, block, f"{work}/part-{index:06d}.pdf"))
                if len(pending) > 2 * (os.cpu_count() or 1):
                    collect()
            while pending:
                collect()
            writer.finish()
        return count

    def limit_certificate(self, doc: LimitCertificatePrint) -> bytes:
        """限度額適用認定証 / 限度額適用・標準負担額減額認定証 (by `doc.kind`): card size, 2 pages."""
        return self._cards([_limit_face(doc)])

    def elderly_certificate(self, doc: ElderlyCertificatePrint) -> bytes:
        """高齢受給者証: card size, 2 pages."""
        return self._cards([_elderly_face(doc)])

    def specific_disease_certificate(self, doc: SpecificDiseaseCertificatePrint) -> bytes:
        """特定疾病療養受療証: card size, 2 pages."""
        return self._cards([_disease_face(doc)])

    def eligibility_notice(self, doc: EligibilityNoticePrint) -> bytes:
        """資格情報のお知らせ: A4, a letter above and a card-size cut-out below; never 性別."""
        out = io.BytesIO()
        c = self._canvas(out, A4, "資格情報のお知らせ")
        width, height = A4
        left, right = 20 * mm, width - 20 * mm
        h = doc.holder
        self._letter_head(c, "資格情報のお知らせ", h, doc.issued_on)
        y = self._paragraphs(c, [line.format(insurer=h.insurer_name) for line in NOTICE_INTRO], left, right,
                             height - 56 * mm)
        # The registered items (R-NOTICE-1: never 性別, never the My Number).
        y -= 2 * mm
        items = [("氏名", h.name), ("生年月日", _ymd(h.birth_date)),
                 ("記号・番号・枝番", f"記号 {h.symbol}　番号 {h.number}　枝番 {h.branch}"),
                 ("保険者番号", h.insurer_number), ("保険者名称", h.insurer_name),
                 ("資格取得年月日", _ymd(h.qualified_on)), ("交付年月日", _ymd(doc.issued_on))]
        if doc.copay_ratio is not None:
            since = f"（{_ymd(doc.ratio_effective_from)}から）" if doc.ratio_effective_from else ""
            items.append(("一部負担金の割合", _ratio(doc.copay_ratio) + since))
        y = self._items(c, items, left, right, y - 3 * mm)
        # How to use it (Q1, Q2 of the society's notice; R-NOTICE-2, R-NOTICE-3).
        self._bullets(c, "このお知らせの使い方", NOTICE_USE, left, right, y - 4 * mm)
        # The card-size cut-out, framed by dashed cut lines.
        cut_left, bottom = (width - CARD[0]) / 2, 24 * mm
        cut_y = bottom + CARD[1] + 10 * mm
        c.setDash(3, 2)
        c.setStrokeColorRGB(0.4, 0.4, 0.4)
        c.setLineWidth(0.6)
        c.line(10 * mm, cut_y, width - 10 * mm, cut_y)
        c.rect(cut_left, bottom, CARD[0], CARD[1], fill=0, stroke=1)
        c.setDash()
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.setFont(GOTHIC, 7)
        c.drawString(12 * mm, cut_y + 1.5 * mm, "切り取り線")
        c.drawCentredString(width / 2, bottom + CARD[1] + 3 * mm,
                            "点線に沿って切り取り、マイナ保険証と一緒にお持ちください")
        c.setFillColorRGB(0, 0, 0)
        c.saveState()
        c.translate(cut_left, bottom)
        rows = [[("生年月日", _ymd(h.birth_date))], _numbers_row(h),
                [("資格取得年月日", _ymd(h.qualified_on)), ("交付年月日", _ymd(doc.issued_on))]]
        if doc.copay_ratio is not None:
            rows.append([("一部負担金の割合", _ratio(doc.copay_ratio))]
                        + ([("発効期日", _ymd(doc.ratio_effective_from))] if doc.ratio_effective_from else []))
        rows.append(_insurer_row(h))
        self._front(c, CardFace("資格情報のお知らせ", BLUE, "", h.name, rows, "", None, []))
        c.setFont(GOTHIC, 5)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(MARGIN, 2.8 * mm, "※このお知らせだけでは保険診療を受けられません。マイナ保険証と一緒に提示してください。")
        c.restoreState()
        c.showPage()
        c.save()
        return out.getvalue()

    def portal_screen(self, doc: PortalScreenPrint) -> bytes:
        """資格情報画面 as downloaded from the portal: A4, the registered items on the day with
        出力日時, and how to use it (Q2: it replaces carrying the notice); never 性別."""
        out = io.BytesIO()
        c = self._canvas(out, A4, "資格情報画面")
        width, height = A4
        left, right = 20 * mm, width - 20 * mm
        h = doc.holder
        printed = f"出力日時 {_ymd(doc.printed_at.date())} {doc.printed_at:%H:%M}"
        c.setFont(GOTHIC, 9)
        c.drawRightString(right, height - 18 * mm, printed)
        c.drawRightString(right, height - 23 * mm, h.insurer_name)
        c.setFont(GOTHIC, 18)
        c.drawCentredString(width / 2, height - 38 * mm, "資格情報画面（医療保険）")
        c.setFont(MINCHO, 10)
        c.drawCentredString(width / 2, height - 46 * mm,
                            f"{_ymd(doc.as_of)}現在、{h.insurer_name}に登録されている資格情報です。")
        status = "資格があります" if doc.disqualified_on is None or doc.as_of < doc.disqualified_on \
            else f"資格がありません（資格喪失日 {_ymd(doc.disqualified_on)}）"
        items = [("氏名", h.name), ("フリガナ", h.name_kana), ("生年月日", _ymd(h.birth_date)),
                 ("本人・家族", RELATIONSHIP.get(h.relationship, "")),
                 ("記号・番号・枝番", f"記号 {h.symbol}　番号 {h.number}　枝番 {h.branch}"),
                 ("保険者番号", h.insurer_number), ("保険者名称", h.insurer_name),
                 ("資格取得年月日", _ymd(h.qualified_on)), ("資格の状態", status)]
        if doc.copay_ratio is not None:
            items.append(("一部負担金の割合", _ratio(doc.copay_ratio)))
        if doc.elderly:
            ratio, since, until = doc.elderly
            items.append(("高齢受給者", f"{_ratio(ratio)}（{_ymd(since)}から{_ymd(until)}まで）"))
        if doc.limit_category:
            items.append(("限度額適用区分", doc.limit_category))
        items += [("特定疾病", f"{name}（月額 {limit:,}円）") for name, limit in doc.specific_diseases]
        y = self._items(c, items, left, right, height - 58 * mm)
        self._bullets(c, "この画面の使い方", PORTAL_USE, left, right, y - 4 * mm)
        c.setFont(GOTHIC, 8)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(left, 15 * mm, f"{printed}　加入者ポータルから出力")
        c.showPage()
        c.save()
        return out.getvalue()

    def pin_reset_letter(self, doc: PinResetLetterPrint) -> bytes:
        """暗証番号再設定通知書: A4, a letter to the member with the new PIN in a box, the card it
        belongs to (last characters of its id), 和暦 dates and how to sign in; made once, never
        stored (the PIN is nowhere else)."""
        out = io.BytesIO()
        c = self._canvas(out, A4, "暗証番号再設定通知書")
        width, height = A4
        left, right = 20 * mm, width - 20 * mm
        h = doc.holder
        self._letter_head(c, "暗証番号再設定通知書", h, doc.issued_on)
        c.setFont(GOTHIC, 10)
        c.drawCentredString(width / 2, height - 51 * mm, "（加入者ポータルのログイン用）")
        y = self._paragraphs(c, PIN_LETTER_INTRO, left, right, height - 62 * mm)
        items = [("氏名", h.name), ("記号・番号・枝番", f"記号 {h.symbol}　番号 {h.number}　枝番 {h.branch}"),
                 ("対象のカード", f"カード番号の末尾が {doc.card_hint} のマイナンバーカード"),
                 ("再設定日", _ymd(doc.issued_on)), ("保険者名称", h.insurer_name)]
        y = self._items(c, items, left, right, y - 5 * mm)
        # The PIN, large, in a box of its own.
        box_h, box_w = 26 * mm, 110 * mm
        box_left, box_bottom = (width - box_w) / 2, y - 4 * mm - box_h
        c.setStrokeColorRGB(*BLUE)
        c.setLineWidth(1.2)
        c.rect(box_left, box_bottom, box_w, box_h, fill=0, stroke=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(GOTHIC, 10)
        c.drawCentredString(width / 2, box_bottom + box_h - 7 * mm, "新しい暗証番号（数字4桁）")
        c.setFont(GOTHIC, 30)
        c.drawCentredString(width / 2, box_bottom + 5 * mm, doc.pin)
        self._bullets(c, "ご利用にあたって", [t.format(insurer=h.insurer_name) for t in PIN_LETTER_USE],
                      left, right, box_bottom - 10 * mm)
        c.setFont(GOTHIC, 8)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(left, 15 * mm, f"この通知書は再発行できません（暗証番号は{h.insurer_name}にも保存されていません）。")
        c.showPage()
        c.save()
        return out.getvalue()

    # ---------------------------------------------------------------- layout
    def _letter_head(self, c: Canvas, title: str, h: Holder, on: date) -> None:
        """An A4 letter's head: the date and the society top right, the addressee, the title."""
        width, height = A4
        c.setFont(GOTHIC, 9)
        c.drawRightString(width - 20 * mm, height - 18 * mm, _ymd(on))
        c.drawRightString(width - 20 * mm, height - 23 * mm, h.insurer_name)
        c.setFont(GOTHIC, 10.5)
        c.drawString(20 * mm, height - 30 * mm, f"{h.name}　様")
        c.setFont(GOTHIC, 18)
        c.drawCentredString(width / 2, height - 44 * mm, title)

    def _paragraphs(self, c: Canvas, lines: list[str], left: float, right: float, y: float) -> float:
        """Wrapped lines of text from `y` down; returns the y below them."""
        c.setFont(MINCHO, 10)
        for line in lines:
            for part in _wrap(line, right - left, MINCHO, 10):
                c.drawString(left, y, part)
                y -= 5.5 * mm
        return y

    def _items(self, c: Canvas, items: list[tuple[str, str]], left: float, right: float,
               y: float) -> float:
        """A4 label/value rows from `y` down; returns the y below the last row."""
        c.setLineWidth(0.5)
        for label, value in items:
            c.setFillColorRGB(0.92, 0.95, 0.97)
            c.rect(left, y - 2.6 * mm, 48 * mm, 8 * mm, fill=1, stroke=0)
            c.setFillColorRGB(0, 0, 0)
            c.setFont(GOTHIC, 9)
            c.drawString(left + 3 * mm, y, label)
            c.setFont(GOTHIC, _fit(value, right - left - 54 * mm, 11, 6, 0.5))
            c.drawString(left + 53 * mm, y, value)
            c.setStrokeColorRGB(0.78, 0.78, 0.78)
            c.line(left, y - 2.6 * mm, right, y - 2.6 * mm)
            y -= 8 * mm
        return y

    def _bullets(self, c: Canvas, heading: str, texts: list[str], left: float, right: float,
                 y: float) -> float:
        """A heading and wrapped bullet points from `y` down; returns the y below them."""
        c.setFont(GOTHIC, 10.5)
        c.drawString(left, y, heading)
        y -= 6.5 * mm
        c.setFont(MINCHO, 9.5)
        for text in texts:
            for index, part in enumerate(_wrap(text, right - left - 4 * mm, MINCHO, 9.5)):
                if index == 0:
                    c.drawString(left, y, "・")
                c.drawString(left + 4 * mm, y, part)
                y -= 5 * mm
            y -= 1.2 * mm
        return y

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
        """One card: the front page, then the back page (duplex)."""
        self._front(c, face)
        c.showPage()
        self._once(c, _form_name(("back", face.title, tuple(face.notes))), lambda: self._back(c, face))
        c.showPage()

    def _once(self, c: Canvas, name: str, draw: Callable[[], None]) -> None:
        """Draws what is the same on every card of a layout once per file, as a form."""
        if not c.hasForm(name):
            c.beginForm(name)
            draw()
            c.endForm()
        c.doForm(name)

    def _front(self, c: Canvas, face: CardFace) -> None:
        qr = face.qr_fields is not None
        labels, values = _layout(face.rows, qr)
        self._once(c, _form_name(("front", face.title, face.colour, face.badge, labels)),
                   lambda: self._front_frame(c, face, labels))
        width, _height = CARD
        c.setFont(GOTHIC, _fit(face.name, width - MARGIN - NAME_X, 11.0, 6.0, 0.5))
        c.drawString(NAME_X, NAME_Y, face.name)
        for text, x, y, size in values:
            c.setFont(GOTHIC, size)
            c.drawString(x, y, text)
        if qr:
            self._qr(c, self.signer.sign(face.qr_fields), QR_X, QR_Y, QR_SIZE)
        if face.serial:
            c.setFont(GOTHIC, 4.5)
            c.setFillColorRGB(0.35, 0.35, 0.35)
            c.drawRightString(width - MARGIN, SERIAL_Y, f"交付番号 {face.serial}")
            c.setFillColorRGB(0, 0, 0)

    def _front_frame(self, c: Canvas, face: CardFace, labels) -> None:
        """The colour band with the title and 本人/家族, the labels and the rule under the name."""
        width, height = CARD
        c.setFillColorRGB(*face.colour)
        c.rect(0, height - BAND, width, BAND, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.setFont(GOTHIC, _fit(face.title, width - 2 * MARGIN - 10 * mm, 10.5, 6.0, 0.5))
        c.drawString(MARGIN, height - BAND + 2.8 * mm, face.title)
        if face.badge:
            c.setFont(GOTHIC, 7)
            c.drawRightString(width - MARGIN, height - BAND + 3 * mm, face.badge)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        c.setFont(GOTHIC, LABEL_SIZE)
        c.drawString(MARGIN, NAME_Y + 0.4 * mm, "氏名")
        for label, x, y in labels:
            c.drawString(x, y, label)
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        c.setLineWidth(0.3)
        c.line(MARGIN, GRID_TOP, width - MARGIN, GRID_TOP)
        c.setFillColorRGB(0, 0, 0)

    def _back(self, c: Canvas, face: CardFace) -> None:
        """注意事項 in small type, then the 備考 box down to the bottom margin."""
        width, height = CARD
        c.setFont(GOTHIC, 7.5)
        c.drawString(MARGIN, height - 6 * mm, "注意事項")
        c.setFont(MINCHO, 5.2)
        y = height - 10.5 * mm
        for number, note in enumerate(face.notes, start=1):
            for line in _wrap(f"{number}. {note}", width - 2 * MARGIN, MINCHO, 5.2, "　 "):
                c.drawString(MARGIN, y, line)
                y -= 2.6 * mm
            y -= 0.6 * mm
        box = max(y - 4 * mm, 6 * mm)
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setLineWidth(0.3)
        c.rect(MARGIN, 3 * mm, width - 2 * MARGIN, box, fill=0, stroke=1)
        c.setFont(GOTHIC, 5)
        c.drawString(MARGIN + 1 * mm, 3 * mm + box - 2.5 * mm, "備考")

    def _qr(self, c: Canvas, payload: str, x: float, y: float, size: float) -> None:
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


_OBJECT = re.compile(rb"(\d+) 0 obj\r?\n")
_REFERENCE = re.compile(rb"(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)")


class _Joiner:
    """Streams reportlab PDFs (the parts) into one: each part's objects are copied with their
    references renumbered, and its pages hung under one intermediate page-tree node, itself a
    kid of the file's page tree (a balanced tree of two levels). Per object only its offset is
    kept (8 bytes, for the cross-reference table), so memory stays flat for any run."""

    CATALOG, PAGES = 1, 2  # object numbers of the new catalog and page tree

    def __init__(self, out: BinaryIO):
        self.out, self.position = out, 0
        self.offsets = array("Q", [0, 0, 0])  # by object number; 0 is the free head
        self.nodes: list[tuple[int, int]] = []  # (page-tree node, its page count) per part
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def add(self, data: bytes) -> None:
        objects = dict(_objects(data))
        trailer = data[data.rindex(b"trailer"):]
        root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        info = re.search(rb"/Info (\d+) 0 R", trailer)
        pages_root = int(re.search(rb"/Pages (\d+) 0 R", objects[root][0]).group(1))
        tree, leaves = self._page_tree(objects, pages_root)
        skip = {root, *tree} | ({int(info.group(1))} if info else set())
        node = self._number()
        numbers = {old: self._number() for old in objects if old not in skip}
        # References to the part's page tree (the pages' /Parent) go to the new node.
        renumber = lambda m: b"%d 0 R" % numbers.get(int(m.group(1)), node)
        for old, (dictionary, stream) in objects.items():
            if old in skip:
                continue
            self.offsets[numbers[old]] = self.position
            self._write(b"%d 0 obj\n" % numbers[old] + _REFERENCE.sub(renumber, dictionary))
            if stream is not None:
                self._write(b"stream\n" + stream + b"\nendstream\n")
            self._write(b"endobj\n")
        kids = b" ".join(b"%d 0 R" % numbers[leaf] for leaf in leaves)
        self._object(node, b"<< /Type /Pages /Parent %d 0 R /Count %d /Kids [ %s ] >>"
                     % (self.PAGES, len(leaves), kids))
        self.nodes.append((node, len(leaves)))

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
        if not self.nodes:  # an empty run: one blank card page, as PDF readers want a page
            blank = self._number()
            self._object(blank, b"<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 %.4f %.4f ] >>"
                         % (self.PAGES, *CARD))
            self.nodes.append((blank, 1))
        kids = b" ".join(b"%d 0 R" % node for node, _count in self.nodes)
        self._object(self.PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>"
                     % (sum(count for _node, count in self.nodes), kids))
        self._object(self.CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self.PAGES)
        xref, size = self.position, len(self.offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 10_000):
            self._write(b"".join(b"%010d 00000 n \n" % offset
                                 for offset in self.offsets[start:start + 10_000]))
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


def _layout(rows: list[Row], qr: bool) -> tuple[tuple, list[tuple[str, float, float, float]]]:
    """The grid under the name: ((label, x, y) …) and [(value line, x, y, size) …].

    Columns are those of the width left of the QR code, so cells line up from row to row; the
    last cell of a row reaches the right margin unless the row comes down beside the QR code.
    A value too long for its cell shrinks, then wraps (the row grows by the extra lines)."""
    right_wide = CARD[0] - MARGIN
    right_narrow = QR_X - QUIET if qr else right_wide
    beside_qr = QR_Y + QR_SIZE + QUIET  # a row whose bottom is below this is beside the code
    planned, top = [], GRID_TOP
    for row in rows:
        column = (right_narrow - MARGIN) / len(row)
        for right in (right_wide, right_narrow):
            cells, height = [], ROW
            for index, (label, value) in enumerate(row):
                x = MARGIN + index * column
                edge = right if index == len(row) - 1 else x + column
                size, lines = _fit_lines(value, edge - x - INDENT - 0.6 * mm)
                cells.append((label, x, size, lines))
                lines_height = (0.85 + 1.2 * (len(lines) - 1)) * size
                height = max(height, LABEL_DROP + 0.2 * mm + lines_height + 0.3 * mm)
            if top - height >= beside_qr or right == right_narrow:
                break
        planned.append((top, cells))
        top -= height
    # Squeeze the pitch if the rows would run below the bottom margin (not with today's documents).
    squeeze = min(1.0, (GRID_TOP - 2.5 * mm) / max(GRID_TOP - top, 1))
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


def _fit_lines(text: str, width: float) -> tuple[float, list[str]]:
    """The size and lines of a cell's value: one line from 7 pt down to 5 pt, else wrapped
    onto as few lines as possible at 5.5 pt down to 4.5 pt."""
    size = _fit(text, width, VALUE_SIZE, 5.0, 0.25)
    if size >= 5.0:
        return size, [text]
    best = None
    for size in (5.5, 5.0, 4.5):
        lines = _wrap(text, width, GOTHIC, size)
        if best is None or len(lines) < len(best[1]):
            best = (size, lines)
        if len(lines) <= 2:
            return size, lines
    return best


_FORM_NAMES: dict[tuple, str] = {}


def _form_name(layout: tuple) -> str:
    """A form name per distinct static layout (the same in every file of this process)."""
    return _FORM_NAMES.setdefault(layout, f"Face{len(_FORM_NAMES)}")


def _fit(text: str, width: float, size: float, smallest: float, step: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits `width`;
    below `smallest` only as far as needed (so that nothing ever runs out of its box)."""
    while size > smallest and pdfmetrics.stringWidth(text, GOTHIC, size) > width:
        size -= step
    actual = pdfmetrics.stringWidth(text, GOTHIC, size)
    return size if actual <= width else size * width / actual


def _wrap(text: str, width: float, font: str, size: float, indent: str = "") -> list[str]:
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

