"""Every Japanese text the PDFs print, in one place: titles, labels, notes and letters, and what
each document says as label/value rows (which items, in which order, worded how). Dates are
和暦 (R-DATE-1). Nothing here knows where on the page a text goes: that is the layout's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...domain.documents import (
    DOCUMENT_NAMES,
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    PortalScreenPrint,
    SpecificDiseaseCertificatePrint,
)
from ...domain.policy import PENAL_TERM
from ...domain.registry import RELATIONSHIP_LABELS, SEX_LABELS
from ...domain.wareki import format_wareki
from .pin_letter import PinResetLetterPrint

Row = list[tuple[str, str]]  # (label, value) cells side by side

# ---------------------------------------------------------------- titles
CERTIFICATE = DOCUMENT_NAMES["certificate"]
LIMIT = {kind: DOCUMENT_NAMES[kind] for kind in ("limit", "limit_reduction")}
ELDERLY = DOCUMENT_NAMES["elderly"]
SPECIFIC_DISEASE = DOCUMENT_NAMES["specific_disease"]
NOTICE = DOCUMENT_NAMES["notice"]
PORTAL_SCREEN = "資格情報画面"
PIN_LETTER = "暗証番号再設定通知書"
PRINT_FILE = "資格確認書 印刷ファイル"  # the print-shop file of a run
MAILING_FILE = "資格確認書 郵送用台紙"  # the run's 送付状・台紙, in postal order (D-163)

# ---------------------------------------------------------------- cards
NAME = "氏名"
NOTES_HEADING = "注意事項"
REMARKS = "備考"
CERTIFICATE_NOTES = [
    "この資格確認書は、マイナ保険証によるオンライン資格確認を受けることができない方に交付するものです。",
    "保険医療機関等で受診するときは、必ず窓口に提示してください。",
    "記載事項に変更があったとき、資格を失ったときは、遅滞なく保険者に届け出て、この証を返納してください。",
    "有効期限を過ぎたもの、資格を失った後のものは使用できません。",
    "不正に使用した者は、刑法により詐欺罪として{penalty}の処分を受けます。",
    "表面の二次元コードで、保険者が発行した真正な証であることを確認できます。",
]
CERTIFICATION_NOTES = [
    "保険医療機関等で受診するときは、資格確認書等と一緒に窓口に提示してください。",
    "有効期限を過ぎたとき、資格を失ったときは、遅滞なく保険者に返納してください。",
    "記載事項に変更があったときは、保険者に届け出てください。",
    "不正に使用した者は、刑法により詐欺罪として{penalty}の処分を受けます。",
    "表面の二次元コードで、保険者が発行した真正な証であることを確認できます。",
]


@dataclass(frozen=True)
class CardText:
    """What one card says: its title, 本人/家族, the name, the label/value rows, the 交付番号
    (empty: none printed) and the notes on its back."""

    title: str
    badge: str
    name: str
    rows: list[Row]
    serial: str
    notes: list[str]


def ymd(day: date | None) -> str:
    """A day in 和暦 (empty for none)."""
    return format_wareki(day) if day else ""


def ratio(percent: int) -> str:
    """一部負担金の割合 as printed: 30 → 3割."""
    return f"{percent // 10}割"


def monthly_yen(yen: int) -> str:
    """自己負担限度額 as printed: 月額 10,000円."""
    return f"月額 {yen:,}円"


def serial_line(serial: str) -> str:
    """The 交付番号 under a card's QR code."""
    return f"交付番号 {serial}"


def _numbers_row(holder: Holder) -> Row:
    return [("記号", holder.symbol), ("番号", holder.number), ("枝番", holder.branch)]


def _insurer_row(holder: Holder) -> Row:
    return [("保険者番号", holder.insurer_number), ("保険者名称", holder.insurer_name)]


def back_notes(notes: list[str], issued_on: date) -> list[str]:
    """A card's notes as worded on its 交付年月日: the 刑の名称 of that day (`PENAL_TERM`, D-156)."""
    penalty = PENAL_TERM.on(issued_on)
    return [note.format(penalty=penalty) for note in notes]


def _card(title: str, holder: Holder, rows: list[Row], serial: str, notes: list[str],
          issued_on: date) -> CardText:
    return CardText(title, RELATIONSHIP_LABELS.get(holder.relationship, ""), holder.name, rows, serial,
                    back_notes(notes, issued_on))


def certificate_card(doc: EligibilityCertificatePrint) -> CardText:
    """資格確認書 (R-CERT-10): 性別 included, the ratio and its 発効期日 only from age 70."""
    h = doc.holder
    rows = [[("生年月日", ymd(h.birth_date)), ("性別", SEX_LABELS[h.sex])],
            _numbers_row(h),
            [("交付年月日", ymd(doc.issued_on)), ("有効期限", ymd(doc.expires_on))]]
    if doc.copay_ratio is not None:
        rows.append([("一部負担金の割合", ratio(doc.copay_ratio)),
                     ("発効期日", ymd(doc.ratio_effective_from))])
    rows.append(_insurer_row(h))
    return _card(CERTIFICATE, h, rows, doc.serial, CERTIFICATE_NOTES, doc.issued_on)


def limit_card(doc: LimitCertificatePrint) -> CardText:
    """限度額適用認定証 / 限度額適用・標準負担額減額認定証 (by `doc.kind`) with its 適用区分."""
    rows = [[("生年月日", ymd(doc.holder.birth_date)), ("適用区分", doc.category)],
            _numbers_row(doc.holder),
            [("発効期日", ymd(doc.valid_from)), ("有効期限", ymd(doc.valid_until))],
            [("交付年月日", ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return _card(LIMIT[doc.kind], doc.holder, rows, doc.serial, CERTIFICATION_NOTES, doc.issued_on)


def elderly_card(doc: ElderlyCertificatePrint) -> CardText:
    """高齢受給者証 with its 一部負担金の割合."""
    rows = [[("生年月日", ymd(doc.holder.birth_date)), ("一部負担金の割合", ratio(doc.copay_ratio))],
            _numbers_row(doc.holder),
            [("発効期日", ymd(doc.valid_from)), ("有効期限", ymd(doc.valid_until))],
            [("交付年月日", ymd(doc.issued_on))], _insurer_row(doc.holder)]
    return _card(ELDERLY, doc.holder, rows, doc.serial, CERTIFICATION_NOTES, doc.issued_on)


def specific_disease_card(doc: SpecificDiseaseCertificatePrint) -> CardText:
    """特定疾病療養受療証 with the 認定疾病名 and its 自己負担限度額."""
    rows = [[("生年月日", ymd(doc.holder.birth_date)), ("自己負担限度額", monthly_yen(doc.limit_yen))],
            [("認定疾病名", doc.disease_name)],
            _numbers_row(doc.holder),
            [("発効期日", ymd(doc.valid_from)), ("交付年月日", ymd(doc.issued_on))],
            _insurer_row(doc.holder)]
    return _card(SPECIFIC_DISEASE, doc.holder, rows, doc.serial, CERTIFICATION_NOTES, doc.issued_on)


def notice_card(doc: EligibilityNoticePrint) -> CardText:
    """The card-size cut-out of the 資格情報のお知らせ: no 本人/家族, no 性別, no 交付番号, no back."""
    h = doc.holder
    rows = [[("生年月日", ymd(h.birth_date))], _numbers_row(h),
            [("資格取得年月日", ymd(h.qualified_on)), ("交付年月日", ymd(doc.issued_on))]]
    if doc.copay_ratio is not None:
        rows.append([("一部負担金の割合", ratio(doc.copay_ratio))]
                    + ([("発効期日", ymd(doc.ratio_effective_from))] if doc.ratio_effective_from else []))
    rows.append(_insurer_row(h))
    return CardText(NOTICE, "", h.name, rows, "", [])


# ---------------------------------------------------------------- A4 letters
def addressee(holder: Holder) -> str:
    """The 宛名 of a letter."""
    return f"{holder.name}　様"


def with_insurer(texts: list[str], holder: Holder) -> list[str]:
    """Texts naming the society ({insurer}: its 保険者名称), as NOTICE_INTRO and PIN_LETTER_USE."""
    return [text.format(insurer=holder.insurer_name) for text in texts]


def _symbol_number_branch(holder: Holder) -> str:
    return f"記号 {holder.symbol}　番号 {holder.number}　枝番 {holder.branch}"


# 資格情報のお知らせ (R-NOTICE-1, R-NOTICE-2, R-NOTICE-3)
NOTICE_INTRO = [
    "{insurer}に登録されている、あなたの医療保険の資格情報をお知らせします。",
    "受診の際は、マイナ保険証（健康保険証として利用登録したマイナンバーカード）をお使いください。",
]
NOTICE_USE_HEADING = "このお知らせの使い方"
NOTICE_USE = [
    "このお知らせだけでは、保険診療は受けられません。必ずマイナ保険証と一緒に使います。",
    "機器のトラブルなどでマイナ保険証を読み取れない医療機関等や、マイナ保険証に対応していない医療機関等では、"
    "マイナ保険証と一緒にこのお知らせを窓口に提示してください。",
    "マイナポータルの「資格情報画面」（またはそれをダウンロードしたもの）を、このお知らせの代わりに提示"
    "することもできます。資格情報画面をダウンロードしたスマートフォンをお持ちであれば、このお知らせを"
    "持ち歩く必要はありません。",
    "なくした場合でも、マイナポータルで資格情報画面を確認できるときは、再交付の手続きは不要です。",
]
CUT_LINE = "切り取り線"
CUT_OUT_CAPTION = "点線に沿って切り取り、マイナ保険証と一緒にお持ちください"
CUT_OUT_WARNING = "※このお知らせだけでは保険診療を受けられません。マイナ保険証と一緒に提示してください。"


def notice_items(doc: EligibilityNoticePrint) -> list[tuple[str, str]]:
    """The registered items of the 資格情報のお知らせ (R-NOTICE-1: never 性別, never the My Number)."""
    h = doc.holder
    items = [("氏名", h.name), ("生年月日", ymd(h.birth_date)),
             ("記号・番号・枝番", _symbol_number_branch(h)),
             ("保険者番号", h.insurer_number), ("保険者名称", h.insurer_name),
             ("資格取得年月日", ymd(h.qualified_on)), ("交付年月日", ymd(doc.issued_on))]
    if doc.copay_ratio is not None:
        since = f"（{ymd(doc.ratio_effective_from)}から）" if doc.ratio_effective_from else ""
        items.append(("一部負担金の割合", ratio(doc.copay_ratio) + since))
    return items


# 資格情報画面: how to use the download (Q1, Q2 of the society's notice; R-NOTICE-2, R-NOTICE-3)
PORTAL_HEADING = "資格情報画面（医療保険）"
PORTAL_USE_HEADING = "この画面の使い方"
PORTAL_USE = [
    "この資格情報画面（またはこのPDF）は、「資格情報のお知らせ」と同じ役割を持ちます。"
    "これを保存したスマートフォンをお持ちであれば、「資格情報のお知らせ」を持ち歩く必要はありません。",
    "これだけでは保険診療は受けられません。マイナ保険証を読み取れない医療機関等や、マイナ保険証に"
    "対応していない医療機関等では、マイナ保険証と一緒に窓口に提示してください。",
    "記載内容は出力日時の時点のものです。氏名などが変わったときは、新しく出力してください。",
]


def printed_at(doc: PortalScreenPrint) -> str:
    """出力日時 of the 資格情報画面."""
    return f"出力日時 {ymd(doc.printed_at.date())} {doc.printed_at:%H:%M}"


def portal_as_of(doc: PortalScreenPrint) -> str:
    """The line saying on which day the 資格情報画面 holds."""
    return f"{ymd(doc.as_of)}現在、{doc.holder.insurer_name}に登録されている資格情報です。"


def portal_footer(doc: PortalScreenPrint) -> str:
    """The foot of the 資格情報画面: when and where from it was printed."""
    return f"{printed_at(doc)}　加入者ポータルから出力"


def _status(doc: PortalScreenPrint) -> str:
    if doc.disqualified_on is None or doc.as_of < doc.disqualified_on:
        return "資格があります"
    return f"資格がありません（資格喪失日 {ymd(doc.disqualified_on)}）"


def portal_items(doc: PortalScreenPrint) -> list[tuple[str, str]]:
    """The items of the 資格情報画面 on `doc.as_of`: those of the notice (never 性別) and the state."""
    h = doc.holder
    items = [("氏名", h.name), ("フリガナ", h.name_kana), ("生年月日", ymd(h.birth_date)),
             ("本人・家族", RELATIONSHIP_LABELS.get(h.relationship, "")),
             ("記号・番号・枝番", _symbol_number_branch(h)),
             ("保険者番号", h.insurer_number), ("保険者名称", h.insurer_name),
             ("資格取得年月日", ymd(h.qualified_on)), ("資格の状態", _status(doc))]
    if doc.copay_ratio is not None:
        items.append(("一部負担金の割合", ratio(doc.copay_ratio)))
    if doc.elderly:
        percent, since, until = doc.elderly
        items.append(("高齢受給者", f"{ratio(percent)}（{ymd(since)}から{ymd(until)}まで）"))
    if doc.limit_category:
        items.append(("限度額適用区分", doc.limit_category))
    return items + [("特定疾病", f"{name}（{monthly_yen(limit)}）") for name, limit in doc.specific_diseases]


# 暗証番号再設定通知書 (D-94)
PIN_LETTER_SUBTITLE = "（加入者ポータルのログイン用）"
PIN_LETTER_INTRO = [
    "加入者ポータルにログインするための暗証番号を、お申し出により次のとおり再設定しました。",
    "これまでの暗証番号は使えなくなりました。暗証番号のロックも解除されています。",
]
PIN_CAPTION = "新しい暗証番号（数字4桁）"
PIN_LETTER_USE_HEADING = "ご利用にあたって"
PIN_LETTER_USE = [
    "加入者ポータルのログイン画面で、お手持ちのマイナンバーカードのカード番号と、上の新しい暗証番号を"
    "入力してください。",
    "暗証番号は他人に知られないようにしてください。加入者ポータルでは暗証番号を変更できません。"
    "覚えたらこの通知書は破棄するか、人目に触れない場所に保管してください。",
    "{insurer}の職員が、電話やメールで暗証番号をおたずねすることはありません。",
    "暗証番号を3回続けて間違えるとロックされます。そのときは、{insurer}に再設定をお申し出ください。",
    "再設定を申し出た覚えがない場合は、すぐに{insurer}にご連絡ください。",
]


def pin_letter_items(doc: PinResetLetterPrint) -> list[tuple[str, str]]:
    """Whom and which card the 暗証番号再設定通知書 is for (the card by its last characters only)."""
    h = doc.holder
    return [("氏名", h.name), ("記号・番号・枝番", _symbol_number_branch(h)),
            ("対象のカード", f"カード番号の末尾が {doc.card_hint} のマイナンバーカード"),
            ("再設定日", ymd(doc.issued_on)), ("保険者名称", h.insurer_name)]


def pin_letter_footer(holder: Holder) -> str:
    """The foot of the 暗証番号再設定通知書: it is made once."""
    return f"この通知書は再発行できません（暗証番号は{holder.insurer_name}にも保存されていません）。"


# ---------------------------------------------------------------- mailed documents (issue 14)
# 送付状・台紙 of a card-size document (D-115)
def mount_title(document: str) -> str:
    return f"{document}の送付について"


MOUNT_INTRO = [
    "平素より{insurer}の事業にご理解とご協力をいただき、ありがとうございます。",
    "{document}をお送りします。記載内容をご確認のうえ、大切に保管してください。",
    "記載内容に誤りがある場合や、お心当たりのない場合は、{insurer}までご連絡ください。",
]
MOUNT_CUT_CAPTION = "点線に沿って切り取り、中央の線で山折りにして、表面と裏面を貼り合わせてお使いください"
MOUNT_FRONT, MOUNT_BACK = "表面", "裏面"


def mount_intro(document: str, insurer: str) -> list[str]:
    return [text.format(document=document, insurer=insurer) for text in MOUNT_INTRO]


def mount_items(document: str, serial: str | None, holder: Holder) -> list[tuple[str, str]]:
    items = [("書類", document), ("氏名", holder.name), ("記号・番号・枝番", _symbol_number_branch(holder))]
    return items + ([("交付番号", serial)] if serial else [])


# 資格確認書の返納のお願い (D-119)
RETURN_REMINDER = "資格確認書の返納のお願い"
RETURN_REMINDER_INTRO = [
    "平素より{insurer}の事業にご理解とご協力をいただき、厚く御礼申し上げます。",
    "さて、あなたは{lost_on}に{insurer}の資格を喪失されましたが、下記の資格確認書のご返納を"
    "まだ確認できておりません。",
    "資格を喪失した後は、この資格確認書を使って受診することはできません。お手数をおかけしますが、"
    "{deadline}までに{insurer}あてにご返納くださいますようお願い申し上げます。",
]
RETURN_REMINDER_NOTES_HEADING = "ご注意"
RETURN_REMINDER_NOTES = [
    "資格を喪失した後に資格確認書を使って受診された場合は、{insurer}が負担した医療費（保険給付費）を"
    "後日返還していただくことになります。",
    "紛失などにより返納できない場合は、{insurer}までご連絡ください。",
    "この通知と行き違いにすでにご返納いただいている場合は、ご容赦ください。",
]


def return_reminder_texts(texts: list[str], insurer: str, lost_on: date, deadline: date) -> list[str]:
    return [text.format(insurer=insurer, lost_on=ymd(lost_on), deadline=ymd(deadline)) for text in texts]


def return_reminder_items(holder: Holder, serial: str, valid_from: date, expires_on: date,
                          lost_on: date, deadline: date) -> list[tuple[str, str]]:
    return [("氏名", holder.name), ("記号・番号・枝番", _symbol_number_branch(holder)),
            ("交付番号", serial), ("有効期間", f"{ymd(valid_from)}から{ymd(expires_on)}まで"),
            ("資格喪失日", ymd(lost_on)), ("返納期限", ymd(deadline))]


def contact_footer(insurer: str) -> str:
    return f"お問い合わせ先：{insurer}"


NO_ADDRESS = "（送付先未登録）"
