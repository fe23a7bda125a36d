"""オンライン資格確認 as clinic software speaks it (OQS.md §2.1): the national XML messages over
HTTP with a facility token, answered from the same verification as `/api/v1/verifications`
(admission, rate limit and 照会履歴 alike). Before a message is read the API's conventions hold
(401, 403, 413, 415, problem+json); every message read is answered 200 with an `XmlMsg`.

`message_answer` is a message route's whole answer; the bulk routes reach it through
`answer_message` (in a worker thread), the 資格確認 through `fast_answer` (on the event loop, in
front of the framework, as the JSON verification)."""
from __future__ import annotations

from typing import Callable, Literal

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ...domain.errors import DomainError
from ...service_layer import commands
from ...service_layer.auth import Actor, Permission
from ...service_layer.context import Context, today_in_japan
from ..oqs import bulk, messages, wire
from ..oqs.codes import Unreadable
from .common import Ctx, feature_router
from .edge import MIB
from .guard import Caller
from .problems import PROBLEM, domain_problem

router = feature_router()
QUALIFICATION_CONFIRMATIONS = "/api/v1/oqs/qualification-confirmations"  # served by `fast_answer`

MESSAGE_LIMIT = 1 * MIB  # siquc01, muquc02 and card readings (OQS.md §2.1)
_TAGS = ["oqs"]

_SIQUC01 = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <QualificationConfirmationDate>20260401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1310100017</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>file-77</ArbitraryFileIdentifier>
  </MessageHeader>
  <MessageBody>
    <QualificationConfirmSearchInfo>
      <InsurerNumber>06139992</InsurerNumber>
      <InsuredCardSymbol>1234</InsuredCardSymbol>
      <InsuredIdentificationNumber>5678</InsuredIdentificationNumber>
      <InsuredBranchNumber>00</InsuredBranchNumber>
      <Birthdate>19800510</Birthdate>
      <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>
      <ArbitraryIdentifier>patient-0042</ArbitraryIdentifier>
    </QualificationConfirmSearchInfo>
  </MessageBody>
</XmlMsg>"""

_SIQUC01_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260401093012</ProcessExecutionTime>
    <QualificationConfirmationDate>20260401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1310100017</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>file-77</ArbitraryFileIdentifier>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <QualificationConfirmSearchInfo>…the request's…</QualificationConfirmSearchInfo>
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <QualificationValidity>1</QualificationValidity>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>01</InsuredCardClassification>
        <InsurerNumber>06139992</InsurerNumber>
        <InsuredCardSymbol>1234</InsuredCardSymbol>
        <InsuredIdentificationNumber>5678</InsuredIdentificationNumber>
        <InsuredBranchNumber>00</InsuredBranchNumber>
        <PersonalFamilyClassification>1</PersonalFamilyClassification>
        <Name>試験　太郎</Name>
        <NameKana>ｼｹﾝ ﾀﾛｳ</NameKana>
        <Sex1>1</Sex1>
        <Birthdate>19800510</Birthdate>
        <QualificationDate>20200401</QualificationDate>
        <InsuredCardValidDate>20200401</InsuredCardValidDate>
        <InsurerName>テスト健康保険組合</InsurerName>
        <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>
        <LimitApplicationCertificateRelatedConsTime>20260401093012</LimitApplicationCertificateRelatedConsTime>
        <LimitApplicationCertificateRelatedInfo>
          <LimitApplicationCertificateClassification>01</LimitApplicationCertificateClassification>
          <LimitApplicationCertificateClassificationFlag>A03</LimitApplicationCertificateClassificationFlag>
        </LimitApplicationCertificateRelatedInfo>
        <SpecificDiseasesCertificateRelatedConsFlg>1</SpecificDiseasesCertificateRelatedConsFlg>
        <SpecificDiseasesCertificateRelatedConsTime>20260401093012</SpecificDiseasesCertificateRelatedConsTime>
      </ResultOfQualificationConfirmation>
    </ResultList>
  </MessageBody>
</XmlMsg>"""

_ERROR_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260401093012</ProcessExecutionTime>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>9</SegmentOfResult>
    <ErrorCode>SK-M02</ErrorCode>
    <ErrorMessage>DTD・実体参照・外部参照を含む電文は受け付けません</ErrorMessage>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
</XmlMsg>"""


def message_openapi(request_example: str, response_example: str) -> dict:
    """The OpenAPI of a message route: XML (or JSON) in, XML (or JSON) out, with examples."""
    xml_schema = {"type": "string", "format": "binary"}
    json_schema = {"type": "object", "properties": {"XmlMsg": {"type": "object"}}, "required": ["XmlMsg"]}
    return {
        "requestBody": {"required": True, "content": {
            "application/xml": {"schema": xml_schema, "example": request_example},
            "text/xml": {"schema": xml_schema},
            "application/json": {"schema": json_schema}}},
        "responses": {"200": {"description": "XmlMsg（要求と同じ文字コード・形式。エラーも電文の中: "
                                             "SegmentOfResult 9 または ProcessingResultStatus 2）",
                              "content": {"application/xml": {"schema": xml_schema, "examples": {
                                  "正常終了": {"value": response_example},
                                  "異常終了": {"value": _ERROR_RESPONSE}}},
                                  "application/json": {"schema": json_schema}}},
                      "413": {"description": "本文が上限を超えています"},
                      "415": {"description": "application/xml, text/xml, application/json 以外"}}}


def check_media_type(content_type: str | None) -> None:
    """415 unless the body is a message's media type (XML, or its JSON form)."""
    if not wire.readable_media_type(content_type):
        raise DomainError("unsupported_media_type", "application/xml, text/xml または application/json で送信してください",
                          "body", status=415)


async def read_message(request: Request, limit: int = MESSAGE_LIMIT) -> bytes:
    """The request's body once it is a message's media type (else 415); 413 over `limit` (the
    edge bounds the body before)."""
    check_media_type(request.headers.get("content-type"))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise DomainError("body_too_large", f"リクエストが大きすぎます（上限 {limit // 1024:,} KiB）",
                              "body", status=413)
    return bytes(body)


def message_answer(body: bytes, content_type: str | None, answer: Callable[[dict, str], dict],
                   reference_classification: str = messages.CARD_DATA) -> tuple[bytes, str]:
    """The answer to a message (content and media type): `answer(tree, encoding)` of what
    `wire.decode` reads; what cannot be processed gets SegmentOfResult 9, with the request's
    header echoed once it was read."""
    try:
        tree, encoding = wire.decode(body, content_type)
    except Unreadable as exc:
        return wire.encode(messages.error_message(None, exc.code, exc.message_ja, reference_classification),
                           exc.encoding)
    try:
        return wire.encode(answer(tree, encoding), encoding)
    except Unreadable as exc:
        return wire.encode(messages.error_message(tree.get("MessageHeader"), exc.code, exc.message_ja,
                                                  reference_classification), encoding)


async def answer_message(request: Request, answer: Callable[[dict, str], dict], limit: int = MESSAGE_LIMIT) -> Response:
    """`message_answer` of the request (in a worker thread: it reads the database), HTTP 200."""
    try:
        body = await read_message(request, limit)
    except ClientDisconnect:  # the clinic hung up: no one to answer
        return Response(status_code=400)
    content, media_type = await run_in_threadpool(message_answer, body, request.headers.get("content-type"), answer)
    return Response(content, media_type=media_type)


def confirmation(ctx: Context, who: Actor, body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """The answer to a siquc01 message of an admitted facility."""
    return message_answer(body, content_type,
                          lambda tree, encoding: messages.answer_confirmation(ctx, who, tree, encoding))


def fast_answer(ctx: Context, who: Actor, body: bytes, headers: dict) -> tuple[int, bytes, bytes]:
    """`confirmation` served by `fast_path.FastPath` on the event loop (a `fast_path.Handler`)."""
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    try:
        check_media_type(content_type)
    except DomainError as exc:
        status, payload = domain_problem(exc)
        return status, orjson.dumps(payload), PROBLEM.encode()
    content, media_type = confirmation(ctx, who, body, content_type)
    return 200, content, media_type.encode()


# Served by `fast_path.FastPath` in front of the framework (`fast_answer`); this route gives the
# same answer to in-process callers and documents the endpoint.
@router.post("/oqs/qualification-confirmations", tags=_TAGS, response_class=Response,
             summary="資格確認（siquc01）: 券面情報による照会の電文",
             openapi_extra=message_openapi(_SIQUC01, _SIQUC01_RESPONSE))
async def qualification_confirmation(ctx: Ctx, request: Request, who: Caller(Permission.VERIFY)) -> Response:
    check_media_type(request.headers.get("content-type"))
    content, media_type = confirmation(ctx, who, await request.body(), request.headers.get("content-type"))
    return Response(content, media_type=media_type)


class CardReading(commands.Command):
    """A card put on the 顔認証付きカードリーダー (simulated, OQS.md §1.3)."""

    card_id: commands.Line = Field(min_length=1, max_length=32)
    identity_check: Literal["face", "pin"]
    limit_consent: bool = False  # given on the reader's screen
    service_date: commands.Day | None = Field(default=None, description="既定: 今日（日本時間）")


@router.post("/oqs/card-readings", tags=_TAGS, response_class=Response,
             summary="マイナ保険証の読み取り（顔認証付きカードリーダーの模擬）: 資格確認結果の電文（UTF-8 の XML）",
             responses={200: {"content": {"application/xml": {"example": _SIQUC01_RESPONSE.replace(
                 "<ReferenceClassification>2", "<ReferenceClassification>1")}}}})
def card_reading(ctx: Ctx, body: CardReading, who: Caller(Permission.VERIFY)) -> Response:
    query = commands.CardVerification(method="myna_card", service_date=body.service_date or today_in_japan(),
                                      card_id=body.card_id, identity_check=body.identity_check,
                                      limit_consent=body.limit_consent)
    content, media_type = wire.encode(messages.answer_card_reading(ctx, who, query), wire.UTF8)
    return Response(content, media_type=media_type)


# ---------------------------------------------------------------- 一括照会 (OQS.md §1.2)
BULK_LIMIT = 16 * MIB  # muquc01: up to 10,000 items

_MUQUC01 = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <QualificationConfirmationDate>20260401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1310100017</MedicalInstitutionCode>
  </MessageHeader>
  <MessageBody>
    <QualificationConfirmSearchInfo>…1 件目…</QualificationConfirmSearchInfo>
    <QualificationConfirmSearchInfo>…2 件目（最大 10,000 件）…</QualificationConfirmSearchInfo>
  </MessageBody>
</XmlMsg>"""

_MUQUC01_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260401093012</ProcessExecutionTime>
    <QualificationConfirmationDate>20260401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1310100017</MedicalInstitutionCode>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <ReceptionNumber>482039175520394817730265</ReceptionNumber>
    <ReceptionDateTime>20260401093012</ReceptionDateTime>
  </MessageBody>
</XmlMsg>"""

_MUQUC02 = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader><MedicalInstitutionCode>1310100017</MedicalInstitutionCode></MessageHeader>
  <MessageBody><ReceptionNumber>482039175520394817730265</ReceptionNumber></MessageBody>
</XmlMsg>"""

_MUQUC02_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260401094500</ProcessExecutionTime>
    <QualificationConfirmationDate>20260401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1310100017</MedicalInstitutionCode>
    <ReferenceClassification>2</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <NumberOfProcessingResult>2</NumberOfProcessingResult>
    <NumberOfNormalProcessing>2</NumberOfNormalProcessing>
    <NumberOfError>0</NumberOfError>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <BulkConfirmUnit>
      <QualificationConfirmSearchInfo>…1 件目の照会…</QualificationConfirmSearchInfo>
      <ProcessingResultStatus>1</ProcessingResultStatus>
      <QualificationValidity>1</QualificationValidity>
      <ResultOfQualificationConfirmation>…資格確認と同じ…</ResultOfQualificationConfirmation>
      <ReferenceNumber>1</ReferenceNumber>
    </BulkConfirmUnit>
    <BulkConfirmUnit>…2 件目…<ReferenceNumber>2</ReferenceNumber></BulkConfirmUnit>
  </MessageBody>
</XmlMsg>"""


@router.post("/oqs/bulk-confirmations", tags=_TAGS, response_class=Response,
             summary="一括照会の受付（muquc01）: 1〜10,000 件を受け付け、受付番号を返します（回答は muquc02 で取得）",
             openapi_extra=message_openapi(_MUQUC01, _MUQUC01_RESPONSE))
async def bulk_confirmation(ctx: Ctx, request: Request, who: Caller(Permission.VERIFY)) -> Response:
    limits = request.app.state.limits
    answered = await answer_message(
        request, lambda tree, encoding: bulk.accept_message(ctx, who, tree, encoding, limits), BULK_LIMIT)
    worker = getattr(request.app.state, "bulk_worker", None)
    if worker is not None:
        worker.notify()
    return answered


@router.post("/oqs/bulk-confirmations/results", tags=_TAGS, response_class=Response,
             summary="一括照会の結果（muquc02）: 処理中は SegmentOfResult 2、その後は全件の回答",
             openapi_extra=message_openapi(_MUQUC02, _MUQUC02_RESPONSE))
async def bulk_confirmation_results(ctx: Ctx, request: Request, who: Caller(Permission.VERIFY)) -> Response:
    return await answer_message(request, lambda tree, encoding: bulk.results_message(ctx, who, tree, encoding))
