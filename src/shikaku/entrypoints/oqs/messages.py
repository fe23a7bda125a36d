"""OQS messages answered by online verification (OQS.md §1.1, §1.3): a
`QualificationConfirmSearchInfo` read into the card-data query of the JSON API, and the answer
of that same query (`service_layer.verification.verify_in_detail`: decided, logged and shaped
once) written as `ResultOfQualificationConfirmation`. Nothing here decides eligibility, ratios
or categories: it names what the verification answered with the national elements and codes.

Public: `confirm_unit` (one search info → the unit of an answer; the bulk answers each item with
it), `answer_confirmation` (a whole siquc01), `answer_card_reading` (the face result),
`error_message` (a SegmentOfResult 9 message), `check_header` and `header_date`."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from pydantic import ValidationError

from ...domain.dates import check_date
from ...domain.errors import DomainError
from ...domain.numbers import normalize_digits
from ...service_layer import commands, verification
from ...service_layer.auth import Actor
from ...service_layer.context import JAPAN, Context
from . import codes
from .codes import InvalidQuery, Unreadable

SEARCH = "QualificationConfirmSearchInfo"
RESULT = "ResultOfQualificationConfirmation"
# ReferenceClassification: what the answer is about.
CARD_READING, CARD_DATA = "1", "2"
# SegmentOfResult.
DONE, IN_PROGRESS, FAILED = "1", "2", "9"

SEX = {"male": "1", "female": "2"}  # Sex1; anything else is 3 (未設定)
# ReasonOfLoss by the reason of the loss (API.md): 01 死亡, 03 他の保険へ; every other reason 99.
REASONS_OF_LOSS = {"death": "01", "other_insurance": "03", "late_elderly": "03"}
# LimitApplicationCertificateClassification 02 (限度額適用・標準負担額減額認定証): オ, 低所得Ⅱ・Ⅰ.
REDUCTION_CATEGORIES = frozenset({"A05", "B05", "B06"})
# The elements of a search info with their Japanese names, for the messages that name them.
LABELS = {"InsurerNumber": "保険者番号", "InsuredCardSymbol": "記号", "InsuredIdentificationNumber": "番号",
          "InsuredBranchNumber": "枝番", "Birthdate": "生年月日",
          "LimitApplicationCertificateRelatedConsFlg": "限度額適用認定証関連情報の提供同意"}
_FIELDS = {"insurer_number": "InsurerNumber", "symbol": "InsuredCardSymbol",
           "number": "InsuredIdentificationNumber", "branch": "InsuredBranchNumber", "birth_date": "Birthdate"}
_DAY = re.compile(r"\d{8}")
_ECHO_LENGTH = 100  # header elements echoed back: texts of at most this length


# ---------------------------------------------------------------- headers

def now_in_japan() -> datetime:
    return datetime.now(JAPAN)


def timestamp(moment: datetime) -> str:
    """yyyyMMddHHmmss (formatted by hand: strftime costs several times as much)."""
    return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def day_text(day: date | None) -> str | None:
    """yyyyMMdd."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}" if day else None


def check_header(tree: dict, actor: Actor, encoding: str) -> dict:
    """The request's MessageHeader, once it names the caller's facility (OQS.md §3)."""
    header = tree.get("MessageHeader")
    if not isinstance(header, dict):
        raise Unreadable(codes.HEADER, "MessageHeader がありません", encoding)
    code = header.get("MedicalInstitutionCode")
    if not isinstance(code, str) or not code.strip():
        raise Unreadable(codes.HEADER, "MessageHeader に MedicalInstitutionCode がありません", encoding)
    if normalize_digits(code) != actor.subject:
        raise Unreadable(codes.NOT_YOUR_FACILITY, encoding=encoding)
    return header


def header_date(header: dict, encoding: str) -> date:
    """QualificationConfirmationDate: the service date; one that does not exist is a malformed
    header."""
    try:
        return _day(header.get("QualificationConfirmationDate"))
    except (TypeError, ValueError, DomainError):
        raise Unreadable(codes.HEADER, "QualificationConfirmationDate（資格確認日）が正しくありません"
                                       "（yyyyMMdd）", encoding) from None


def response_header(request_header: dict | None, reference: str, segment: str,
                    error: tuple[str, str] | None = None, moment: datetime | None = None) -> dict:
    """The MessageHeader of an answer, in the order of OQS.md §1.1; CharacterCodeIdentifier is
    set when the answer is encoded (`wire.encode`)."""
    echo = request_header if isinstance(request_header, dict) else {}
    return {"ProcessExecutionTime": timestamp(moment or now_in_japan()),
            "QualificationConfirmationDate": _echo(echo, "QualificationConfirmationDate"),
            "MedicalInstitutionCode": _echo(echo, "MedicalInstitutionCode"),
            "ArbitraryFileIdentifier": _echo(echo, "ArbitraryFileIdentifier"),
            "ReferenceClassification": reference, "SegmentOfResult": segment,
            "ErrorCode": error[0] if error else None, "ErrorMessage": error[1] if error else None,
            "CharacterCodeIdentifier": None}


def error_message(header: dict | None, code: str, message_ja: str, reference_classification: str = CARD_DATA) -> dict:
    """A whole answer with SegmentOfResult 9 (異常終了) and no MessageBody (OQS.md §3)."""
    return {"MessageHeader": response_header(header, reference_classification, FAILED, (code, message_ja))}


def _echo(header: dict, name: str) -> str | None:
    value = header.get(name)
    return value if isinstance(value, str) and len(value) <= _ECHO_LENGTH else None


# ---------------------------------------------------------------- one query

def confirm_unit(ctx: Context, actor: Actor, service_date: date, info: dict, channel: str) -> dict:
    """The answer to one `QualificationConfirmSearchInfo` on `service_date`, logged in the
    照会履歴 with `channel`: ProcessingResultStatus, ProcessingResultCode?,
    ProcessingResultMessage?, QualificationValidity?, ResultOfQualificationConfirmation? — the
    elements of a BulkConfirmUnit but the echo and the ReferenceNumber."""
    query = query_or_error(info, service_date)
    return units(ctx, [query if isinstance(query, dict) else verified(ctx, actor, query, channel)])[0]


def query_or_error(info, service_date: date) -> commands.CardDataVerification | dict:
    """The query of a search info (`search_query`), or the unit of its error."""
    try:
        return search_query(info, service_date)
    except InvalidQuery as exc:
        return error_unit(exc.code, exc.message_ja)


def verified(ctx: Context, actor: Actor, query: commands.CardDataVerification, channel: str,
             view=None) -> verification.Verified | dict:
    """The query verified (decided on `view`, see `verification.decide`, and logged), or the
    unit of its error."""
    try:
        return verification.verified(ctx, actor, query, channel, view)
    except DomainError as exc:
        if exc.status != 422:
            raise
        code = codes.INSURER_NUMBER if exc.code == "invalid_insurer_number" else codes.VALUE
        return error_unit(code, exc.message)


def error_unit(code: str, message_ja: str) -> dict:
    """The unit of a query that could not be processed (ProcessingResultStatus 2, OQS.md §3)."""
    return {"ProcessingResultStatus": "2", "ProcessingResultCode": code, "ProcessingResultMessage": message_ja}


def units(ctx: Context, decisions: list[verification.Verified | dict]) -> list[dict]:
    """The units of `verified` items (or of their errors), in order: the verified ones with their details
    (`verification.in_detail`, one read for all)."""
    answered = [d for d in decisions if isinstance(d, verification.Verified)]
    detailed = iter(verification.in_detail(ctx, answered))
    moment = now_in_japan()
    return [answered_unit(*next(detailed), d.query.limit_consent, moment)
            if isinstance(d, verification.Verified) else d for d in decisions]


def answered_unit(answer: dict, details: dict, consent: bool, moment: datetime) -> dict:
    """The unit of a verification's answer (ProcessingResultStatus 1)."""
    unit = {"ProcessingResultStatus": "1", "QualificationValidity": answer["validity_code"]}
    if answer.get("member"):  # validity 1, 2 and 3
        unit[RESULT] = qualification_result(answer, details, consent, moment)
    return unit


def search_query(info, service_date: date) -> commands.CardDataVerification:
    """The card-data query of a search info (OQS.md §1.1); `InvalidQuery` when it is invalid."""
    if not isinstance(info, dict):
        raise InvalidQuery(codes.MISSING, f"{SEARCH} がありません")
    fields = {"insurer_number": _required(info, "InsurerNumber"),
              "symbol": _required(info, "InsuredCardSymbol", "健康保険組合の被保険者証等には記号があります"),
              "number": _required(info, "InsuredIdentificationNumber"),
              "branch": _optional(info, "InsuredBranchNumber"),
              "birth_date": _birth_date(_required(info, "Birthdate"))}
    consent = _flag(_required(info, "LimitApplicationCertificateRelatedConsFlg"))
    try:
        return commands.CardDataVerification(method="card_info", service_date=service_date,
                                             limit_consent=consent, **fields)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _text(info: dict, name: str) -> str | None:
    value = info.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidQuery(codes.VALUE, f"{name}（{LABELS[name]}）の値が正しくありません")
    return value.strip() or None


def _required(info: dict, name: str, hint: str | None = None) -> str:
    value = _text(info, name)
    if value is None:
        raise InvalidQuery(codes.MISSING, f"{name}（{LABELS[name]}）がありません" + (f"（{hint}）" if hint else ""))
    return value


def _optional(info: dict, name: str) -> str | None:
    return _text(info, name)


def _day(text) -> date:
    digits = normalize_digits(text)
    if not _DAY.fullmatch(digits):
        raise ValueError(text)
    day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    return check_date(day, "日付")


def _birth_date(text: str) -> date:
    try:
        return _day(text)
    except (ValueError, DomainError):
        raise InvalidQuery(codes.DATE, "Birthdate（生年月日）が正しくありません（yyyyMMdd の実在する日付）") from None


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise InvalidQuery(codes.FLAG, "LimitApplicationCertificateRelatedConsFlg（限度額適用認定証関連情報の"
                                       "提供同意）は 0 または 1 で指定してください")
    return text == "1"


def _invalid(exc: ValidationError) -> InvalidQuery:
    error = exc.errors(include_input=False, include_url=False)[0]
    field = str(error["loc"][0]) if error.get("loc") else ""
    name = _FIELDS.get(field)
    label = f"{name}（{LABELS[name]}）" if name else "照会内容"
    return InvalidQuery(codes.DATE if field == "birth_date" else codes.VALUE, f"{label}の値が正しくありません")


# ---------------------------------------------------------------- the result

def qualification_result(answer: dict, details: dict, consent: bool, moment: datetime) -> dict:
    """ResultOfQualificationConfirmation in the order of OQS.md §1.1, from a verification's
    answer and its details (`domain.verification.answer_details`)."""
    member, elderly, limit = answer["member"], answer["elderly"], answer["limit"]
    at = timestamp(moment) if consent else None
    return {
        "InsuredCardClassification": "01",
        "InsurerNumber": member["insurer_number"], "InsuredCardSymbol": member["symbol"],
        "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
        "PersonalFamilyClassification": member["relationship_code"],
        "Name": "\u3000".join(member["name"].split()),
        "NameKana": half_width_kana(member["name_kana"]),
        "Sex1": SEX.get(member["sex"], "3"),
        "Birthdate": day_text(member["birth_date"]),
        "QualificationDate": day_text(member["qualified_on"]),
        "DisqualificationDate": day_text(member["disqualified_on"]),
        "InsuredCertificateIssuanceDate": day_text(details.get("card_issued_on")),
        "InsuredCardValidDate": day_text(member["qualified_on"]),
        "InsuredCardExpirationDate": day_text(details["covered_until"]),
        "InsuredPartialContributionRatio": _ratio(answer["copay_ratio"]) if elderly else None,
        "PreschoolClassification": "1" if answer["preschool"] else None,
        "ReasonOfLoss": _reason_of_loss(details["loss_reason"]) if member["disqualified_on"] else None,
        "InsurerName": member["insurer_name"],
        "ElderlyRecipientCertificateInfo": _elderly(elderly),
        "LimitApplicationCertificateRelatedConsFlg": "1" if consent else "0",
        "LimitApplicationCertificateRelatedConsTime": at,
        "LimitApplicationCertificateRelatedInfo": _limit(limit, details["limit_period"]),
        "SpecificDiseasesCertificateRelatedConsFlg": "1" if consent else "0",
        "SpecificDiseasesCertificateRelatedConsTime": at,
        "SpecificDiseasesCertificateList": _diseases(answer["specific_diseases"]) if consent else None,
    }


def _ratio(percent: int | None) -> str | None:
    return f"{percent:03d}" if percent is not None else None


def _reason_of_loss(reason: str | None) -> str:
    return REASONS_OF_LOSS.get(reason or "", "99")


def _elderly(elderly: dict | None) -> dict | None:
    if not elderly:
        return None
    return {"ElderlyRecipientValidStartDate": day_text(elderly["valid_from"]),
            "ElderlyRecipientValidEndDate": day_text(elderly["valid_until"]),
            "ElderlyRecipientContributionRatio": _ratio(elderly["ratio"])}


def _limit(limit: dict | None, period: tuple[date, date | None] | None) -> dict | None:
    if not limit:
        return None
    start, end = period or (None, None)
    return {"LimitApplicationCertificateClassification": "02" if limit["code"] in REDUCTION_CATEGORIES else "01",
            "LimitApplicationCertificateClassificationFlag": limit["code"],
            "LimitApplicationCertificateValidStartDate": day_text(start),
            "LimitApplicationCertificateValidEndDate": day_text(end)}


def _diseases(diseases: list[dict]) -> list[dict]:
    return [{"SpecificDiseasesDiseaseCategory": d["code"],
             "SpecificDiseasesValidStartDate": day_text(d["valid_from"]),
             "SpecificDiseasesValidEndDate": day_text(d["valid_until"]),
             "SpecificDiseasesSelfPay": str(d["limit_yen"]) if d["limit_yen"] is not None else None}
            for d in diseases]


# ---------------------------------------------------------------- whole messages

def answer_confirmation(ctx: Context, actor: Actor, tree: dict, encoding: str) -> dict:
    """The answer to a siquc01 request (資格確認, OQS.md §1.1)."""
    header = check_header(tree, actor, encoding)
    service_date = header_date(header, encoding)
    body = tree.get("MessageBody")
    info = body.get(SEARCH) if isinstance(body, dict) else None
    if isinstance(info, list):
        raise Unreadable(codes.NOT_XMLMSG, "資格確認の照会は 1 電文に 1 件です（複数件は一括照会で送信してください）",
                         encoding)
    unit = confirm_unit(ctx, actor, service_date, info, verification.CHANNEL_OQS)
    return {"MessageHeader": response_header(header, CARD_DATA, DONE),
            "MessageBody": {SEARCH: info if isinstance(info, dict) else None, **single_body(unit)}}


def confirmation_request(facility_code: str, service_date: date, insurer_number: str, card: dict,
                         consent: bool = True, file_id: str | None = None) -> dict:
    """A siquc01 request as clinic software writes it (the demo's sample, the examples): `card`
    holds symbol, number, branch and birth_date."""
    return {"MessageHeader": {"QualificationConfirmationDate": day_text(service_date),
                              "MedicalInstitutionCode": facility_code, "ArbitraryFileIdentifier": file_id},
            "MessageBody": {SEARCH: {"InsurerNumber": insurer_number, "InsuredCardSymbol": card["symbol"],
                                     "InsuredIdentificationNumber": card["number"],
                                     "InsuredBranchNumber": card["branch"], "Birthdate": day_text(card["birth_date"]),
                                     "LimitApplicationCertificateRelatedConsFlg": "1" if consent else "0"}}}


def answer_card_reading(ctx: Context, actor: Actor, query: commands.CardVerification) -> dict:
    """The result the terminal writes when a card is put on the reader (OQS.md §1.3)."""
    answer, details = verification.verify_in_detail(ctx, actor, query, verification.CHANNEL_CARD_READER)
    moment = now_in_japan()
    header = {"QualificationConfirmationDate": day_text(query.service_date), "MedicalInstitutionCode": actor.subject}
    unit = answered_unit(answer, details, query.limit_consent, moment)
    return {"MessageHeader": response_header(header, CARD_READING, DONE, moment=moment),
            "MessageBody": single_body(unit)}


def single_body(unit: dict) -> dict:
    """A unit as the body of a single answer: its result in a ResultList."""
    body = {key: value for key, value in unit.items() if key != RESULT}
    if unit.get(RESULT):
        body["ResultList"] = [{RESULT: unit[RESULT]}]
    return body


# ---------------------------------------------------------------- kana

def _half_width_table() -> dict[str, str]:
    """Full-width katakana (and the voiced marks) to their half-width forms."""
    table = {}
    for code in range(0xFF61, 0xFFA0):
        full = unicodedata.normalize("NFKC", chr(code))
        if len(full) == 1:
            table.setdefault(full, chr(code))
    table.update({"\u30f0": "ｲ", "\u30f1": "ｴ", "\u30f5": "ｶ", "\u30f6": "ｹ", "\u30ee": "ﾜ",
                  "\u309b": "ﾞ", "\u309c": "ﾟ"})
    return table


_HALF_WIDTH = _half_width_table()
# Every kana (composed, as names are stored) to its half-width form: the usual name in one call.
_KANA = {code: "".join(_HALF_WIDTH.get(ch, ch) for ch in unicodedata.normalize("NFD", chr(code).translate(
    {c: c + 0x60 for c in range(0x3041, 0x3097)}))) for code in (*range(0x3041, 0x3097), *range(0x30A1, 0x30FD))}
_ONLY_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fc]*")


def half_width_kana(kana: str) -> str:
    """フリガナ as the national messages write it: half-width katakana, one half-width space
    between the names (hiragana is read as katakana; other characters as NFKC gives them)."""
    return " ".join(word.translate(_KANA) if _ONLY_KANA.fullmatch(word) else _half_width_word(word)
                    for word in kana.split())


def _half_width_word(word: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFD", word):
        if "\u3041" <= ch <= "\u3096":
            ch = chr(ord(ch) + 0x60)
        out.append(_HALF_WIDTH.get(ch) or unicodedata.normalize("NFKC", ch))
    return "".join(out)
