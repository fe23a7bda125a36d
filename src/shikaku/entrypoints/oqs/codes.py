"""shikaku's result codes in OQS messages (OQS.md §3; docs/oqs.md lists them). The national
result codes are not public: these are shikaku's own, stable, and spelled `SK-…` so that nobody
mistakes them for national ones. `SK-M…` comes with SegmentOfResult 9 (the message could not
be processed: ErrorCode / ErrorMessage); `SK-Q…` with ProcessingResultStatus 2 (the query was
read but is invalid: ProcessingResultCode / ProcessingResultMessage)."""
from __future__ import annotations

# ---------------------------------------------------------------- the message (SegmentOfResult 9)
NOT_WELL_FORMED = "SK-M01"  # not well-formed XML, not JSON
FORBIDDEN_MARKUP = "SK-M02"  # DTD, entity declaration or reference, XInclude, processing instruction
ENCODING = "SK-M03"  # an encoding other than UTF-8 and Shift_JIS, or bytes that are not in it
NOT_XMLMSG = "SK-M04"  # not an XmlMsg, or not the message this route answers
TOO_COMPLEX = "SK-M05"  # nested too deep or too many elements
HEADER = "SK-M06"  # MessageHeader missing or malformed (a date that does not exist …)
NOT_YOUR_FACILITY = "SK-M07"  # MedicalInstitutionCode is not the caller's facility
UNKNOWN_RECEPTION = "SK-M08"  # 一括照会: an unknown reception number (or another facility's)
BULK_SIZE = "SK-M09"  # 一括照会: no item, or more than 10,000
SERVER_AWAY = "SK-M10"  # the terminal: the server did not answer (or 5xx) for 30 s
SERVER_REFUSED = "SK-M11"  # the terminal: the server refused the request (4xx)

# ---------------------------------------------------------------- the query (ProcessingResultStatus 2)
MISSING = "SK-Q01"  # a required element is missing (or empty)
INSURER_NUMBER = "SK-Q02"  # 保険者番号 failing R-NUM-1
DATE = "SK-Q03"  # a date that does not exist, or out of range
FLAG = "SK-Q04"  # a flag other than 0 / 1
VALUE = "SK-Q05"  # another element with a value that cannot be read (not text, too long, characters)

MESSAGES = {
    NOT_WELL_FORMED: "電文を読み取れません（整形式の XML または JSON ではありません）",
    FORBIDDEN_MARKUP: "DTD・実体参照・外部参照を含む電文は受け付けません",
    ENCODING: "文字コードは UTF-8 または Shift_JIS で送信してください",
    NOT_XMLMSG: "資格確認の電文（XmlMsg）ではありません",
    TOO_COMPLEX: "電文の要素の数または入れ子の深さが上限を超えています",
    HEADER: "MessageHeader の内容が正しくありません",
    NOT_YOUR_FACILITY: "医療機関コードが、認証された医療機関のものと一致しません",
    UNKNOWN_RECEPTION: "受付番号が見つかりません",
    BULK_SIZE: "一括照会の件数は 1 件以上 10,000 件以下としてください",
    SERVER_AWAY: ("資格確認サーバーに接続できません。オンライン資格確認が利用できないときの取扱いにより、"
                  "資格確認書・資格情報のお知らせ等で資格を確認してください"),
    SERVER_REFUSED: "資格確認サーバーが要求を受け付けませんでした。端末の設定（トークン・医療機関コード）を確認してください",
    MISSING: "必須項目がありません",
    INSURER_NUMBER: "保険者番号が正しくありません",
    DATE: "日付が正しくありません",
    FLAG: "フラグは 0 または 1 で指定してください",
    VALUE: "項目の値が正しくありません",
}


class Unreadable(Exception):
    """A message that cannot be processed (SegmentOfResult 9): `code` and a Japanese message;
    `encoding` is the encoding to answer in when it was known before the failure."""

    def __init__(self, code: str, message_ja: str | None = None, encoding: str = "UTF-8"):
        super().__init__(code)
        self.code, self.message_ja, self.encoding = code, message_ja or MESSAGES[code], encoding


class InvalidQuery(Exception):
    """A readable query that is invalid (ProcessingResultStatus 2)."""

    def __init__(self, code: str, message_ja: str):
        super().__init__(code)
        self.code, self.message_ja = code, message_ja
