"""The HTTP API (API.md): thin routes that turn requests into use-case calls."""

import io
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi import Body as BodyParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ...adapters.db.repository import MAX_ID
from ...service_layer import (
    accounts,
    audit_trail,
    commands,
    documents,
    guessing,
    members,
    myna,
    reception,
    runs,
    society,
    verification,
)
from ...service_layer.auth import Permission, Role
from ...service_layer.context import Context
from .. import web
from . import fast_path, problems
from .edge import Edge
from .guard import Caller, GuardedRoute


class FastJSON(JSONResponse):
    """JSON rendered by orjson (dates as ISO 8601), for the verification hot path; a
    JSONResponse so that the OpenAPI document shows the route's JSON model."""

    def render(self, content) -> bytes:
        return orjson.dumps(content)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(Body):
    my_number: str = Field(max_length=30)
    card_id: str = Field(min_length=4, max_length=32, pattern=r"^[0-9A-Za-z]+$")
    certificate_expires_on: commands.Day
    pin: str | None = Field(default=None, description="暗証番号 (数字4桁): 加入者ポータルのログインに使います")


class InsuranceRegistrationIn(Body):
    registered_on: commands.Day | None = None


class VerifiedMember(BaseModel):
    insurer_number: str
    insurer_name: str
    symbol: str
    number: str
    branch: str
    relationship_code: Literal["1", "2"]
    name: str
    name_kana: str
    birth_date: date
    sex: str
    qualified_on: date
    disqualified_on: date | None


class ElderlyStatus(BaseModel):
    ratio: int
    valid_from: date
    valid_until: date


class LimitCategory(BaseModel):
    code: str
    label: str


class SpecificDisease(BaseModel):
    code: str | None
    limit_yen: int | None
    valid_from: date
    valid_until: date | None


class VerificationAnswer(BaseModel):
    """The documented shape of a verification answer (API.md); rendered by hand on the hot path."""

    validity: Literal["valid", "invalid", "invalid_new_qualification", "not_found", "multiple"]
    validity_code: Literal["1", "2", "3", "4", "5"]
    member: VerifiedMember | None = Field(default=None, description="absent when not_found")
    copay_ratio: int | None
    preschool: bool | None
    elderly: ElderlyStatus | None
    limit: LimitCategory | None
    specific_diseases: list[SpecificDisease]


class VerificationResults(BaseModel):
    results: list[VerificationAnswer]


class MemberPage(BaseModel):
    items: list[members.MemberView]
    total: int


class TokenView(BaseModel):
    """A stored token as listed: never the token or its hash."""

    id: int
    role: Role
    subject: str
    created_at: datetime
    revoked_at: datetime | None


class TokenPage(BaseModel):
    items: list[TokenView]
    total: int


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def create_app(ctx: Context) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app):
        yield
        ctx.access_log.flush()

    app = FastAPI(lifespan=lifespan, title="shikaku API", version="1", docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None,
                  description="健康保険組合の資格管理・オンライン資格確認・資格確認書 (API.md)")

    # Within BIGINT: SQLite's driver answers a larger offset with OverflowError (a 500).
    Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
    AsOf = Annotated[commands.Day | None, Query(description="この日現在 (既定: 今日)")]
    api = APIRouter(prefix="/api/v1", route_class=GuardedRoute)

    @api.get("/health", tags=["society"])
    async def health() -> dict:
        return {"status": "ok"}

    @api.get("/insurer", tags=["society"])
    def insurer(who: Caller(Permission.SOCIETY_READ)) -> dict:
        return society.insurer(ctx, who)

    @api.post("/facilities", status_code=201, tags=["facilities"])
    def add_facility(body: commands.FacilityRegistration, who: Caller(Permission.FACILITIES_WRITE)) -> dict:
        return society.add_facility(ctx, who, body.code, body.name)

    @api.post("/tokens", status_code=201, tags=["society"])
    def issue_token(body: commands.TokenIssue, who: Caller(Permission.TOKENS_WRITE)) -> dict:
        return society.issue_token(ctx, who, body.role, body.subject)

    @api.get("/tokens", tags=["society"])
    def list_tokens(who: Caller(Permission.TOKENS_READ), limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Offset = 0) -> TokenPage:
        items, total = society.list_tokens(ctx, who, limit, offset)
        return TokenPage(items=items, total=total)

    @api.delete("/tokens/{token_id}", status_code=204, tags=["society"], response_class=Response)
    def revoke_token(token_id: str, who: Caller(Permission.TOKENS_WRITE)) -> Response:
        society.revoke_token_id(ctx, who, token_id)
        return Response(status_code=204)

    @api.post("/tokens/revoke", tags=["society"], summary="トークンの失効 (保有者による, RFC 7009)",
              description="送られたトークンを失効させます。認証は不要です (トークンを持つことが権限です)。"
                          "存在しないトークンでも同じく 200 を返します。")
    def revoke_own_token(body: commands.TokenRevocation, request: Request) -> dict:
        society.revoke_own_token(ctx, body.token, request.client.host if request.client else None)
        return {}

    @api.post("/members", status_code=201, tags=["members"])
    def enrol(body: commands.Enrolment, who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
        return members.enrol(ctx, who, body)

    @api.get("/members", tags=["members"])
    def list_members(who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None, symbol: Annotated[str | None, Query(max_length=16)] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50,
                     offset: Offset = 0) -> MemberPage:
        items, total = members.list_members(ctx, who, symbol=symbol, limit=limit, offset=offset,
                                            as_of=as_of)
        return MemberPage(items=items, total=total)

    @api.get("/members/{member_id}", tags=["members"])
    def get_member(member_id: str, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None) -> members.MemberView:
        return members.get_member(ctx, who, member_id, as_of)

    @api.put("/members/{member_id}/my-number", tags=["members"])
    def register_my_number(member_id: str, body: commands.MyNumberRegistration,
                           who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
        return members.register_my_number(ctx, who, member_id, body)

    @api.post("/members/{member_id}/disqualification", tags=["members"])
    def disqualify(member_id: str, body: commands.Disqualification, who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
        return members.disqualify(ctx, who, member_id, body)

    @api.patch("/members/{member_id}", tags=["members"])
    def amend(member_id: str, body: commands.Amendment, who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
        return members.amend(ctx, who, member_id, body)

    @api.post("/members/{member_id}/legacy-cards", status_code=201, tags=["members"])
    def add_legacy_card(member_id: str, body: commands.LegacyCard, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return members.add_legacy_card(ctx, who, member_id, body)

    @api.post("/myna/cards", status_code=201, tags=["myna"])
    def add_card(body: CardIn, who: Caller(Permission.NATIONAL_WRITE)) -> dict:
        return myna.add_card(ctx, who, body.my_number, body.card_id, body.certificate_expires_on,
                             body.pin)

    @api.post("/myna/cards/{card_id}/insurance-registration", status_code=201, tags=["myna"])
    def register_card(card_id: str, body: InsuranceRegistrationIn, who: Caller(Permission.NATIONAL_WRITE)) -> dict:
        return myna.register_for_insurance(ctx, who, card_id, body.registered_on or ctx.today())

    @api.delete("/myna/cards/{card_id}/insurance-registration", tags=["myna"])
    def cancel_card(card_id: str, who: Caller(Permission.NATIONAL_WRITE), cancelled_on: AsOf = None) -> dict:
        return myna.cancel_insurance_registration(ctx, who, card_id, cancelled_on or ctx.today())

    @api.post("/members/{member_id}/portal-pin-reset", tags=["members"], response_class=Response,
              summary="加入者ポータルの暗証番号の再設定 (暗証番号再設定通知書の PDF を返します)",
              description="新しい暗証番号を作り、ロックを解除します。暗証番号はこの PDF にだけ印字され、"
                          "保存されません (再発行はできません)。",
              responses={200: {"content": {"application/pdf": {}}}})
    def reset_portal_pin(member_id: str, who: Caller(Permission.MEMBERS_WRITE)) -> Response:
        return Response(accounts.reset_portal_pin(ctx, who, member_id), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="pin-reset-{member_id}.pdf"'})

    @api.get("/members/{member_id}/access-log", tags=["members"])
    def access_log(member_id: str, who: Caller(Permission.MEMBERS_READ), limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Offset = 0) -> dict:
        items, total = verification.access_history(ctx, who, member_id, limit, offset)
        return {"items": items, "total": total}

    # The hot path: runs on the event loop (one indexed read, no thread hand-off) and
    # serialises with orjson directly.
    # Served by `fast_path.FastPath` in front of the framework; this route gives the same
    # answer (same function) to in-process callers and documents the endpoint.
    @api.post("/verifications", tags=["verification"], response_class=FastJSON,
              responses={200: {"model": VerificationAnswer}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"$ref": "#/components/schemas/Verification"}}}}})
    async def verify(request: Request, who: Caller(Permission.VERIFY)) -> FastJSON:
        status, body = fast_path.answer(ctx, who, await request.body())
        return FastJSON(body, status_code=status,
                        media_type="application/json" if status == 200 else problems.PROBLEM)

    @api.post("/verification-batches", tags=["verification"], response_class=FastJSON,
              responses={200: {"model": VerificationResults}})
    def verify_batch(body: commands.VerificationBatch, who: Caller(Permission.VERIFY)) -> FastJSON:
        return FastJSON({"results": verification.verify_batch(ctx, who, body)})

    @api.post("/fhir/CoverageEligibilityRequest", tags=["verification"],
              summary="FHIR R4: CoverageEligibilityRequest → CoverageEligibilityResponse")
    def verify_fhir(payload: Annotated[dict, BodyParam(media_type="application/fhir+json")],
                    who: Caller(Permission.VERIFY)) -> JSONResponse:
        return JSONResponse(verification.verify_fhir(ctx, who, payload),
                            media_type="application/fhir+json")

    @api.post("/members/{member_id}/eligibility-certificates", status_code=201, tags=["documents"])
    def apply_for_certificate(member_id: str, body: commands.CertificateApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return documents.apply_for_certificate(ctx, who, member_id, body)

    @api.get("/members/{member_id}/eligibility-certificates", tags=["documents"])
    def list_certificates(member_id: str, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None) -> dict:
        return {"items": documents.list_certificates(ctx, who, member_id, as_of)}

    @api.get("/eligibility-certificates/{cert_id}/pdf", tags=["documents"], response_class=Response)
    def certificate_pdf(cert_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
        return _pdf(documents.certificate_pdf(ctx, who, cert_id), f"certificate-{cert_id}.pdf")

    @api.post("/members/{member_id}/notices", status_code=201, tags=["documents"])
    def issue_notice(member_id: str, body: commands.NoticeApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return documents.issue_notice(ctx, who, member_id, body)

    @api.post("/members/{member_id}/limit-certifications", status_code=201, tags=["documents"])
    def certify_limit(member_id: str, body: commands.LimitApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return documents.certify_limit(ctx, who, member_id, body)

    @api.post("/members/{member_id}/specific-disease-certifications", status_code=201, tags=["documents"])
    def certify_specific_disease(member_id: str, body: commands.SpecificDiseaseApplication,
                                 who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return documents.certify_specific_disease(ctx, who, member_id, body)

    @api.post("/members/{member_id}/elderly-certificates", status_code=201, tags=["documents"])
    def issue_elderly_certificate(member_id: str, body: commands.ElderlyApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
        return documents.issue_elderly_certificate(ctx, who, member_id, body)

    @api.get("/members/{member_id}/documents", tags=["documents"])
    def list_documents(member_id: str, who: Caller(Permission.MEMBERS_READ)) -> dict:
        return {"items": documents.list_documents(ctx, who, member_id)}

    @api.get("/documents/{doc_id}/pdf", tags=["documents"], response_class=Response)
    def document_pdf(doc_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
        return _pdf(documents.document_pdf(ctx, who, doc_id), f"document-{doc_id}.pdf")

    @api.post("/ex-officio-runs", status_code=201, tags=["runs"])
    def ex_officio_run(body: commands.CertificateRun, who: Caller(Permission.RUNS)) -> dict:
        return runs.ex_officio(ctx, who, body)

    @api.post("/renewal-runs", status_code=201, tags=["runs"])
    def renewal_run(body: commands.RenewalRun, who: Caller(Permission.RUNS)) -> dict:
        return runs.renewal(ctx, who, body)

    @api.get("/ex-officio-runs/{run_id}", tags=["runs"])
    @api.get("/renewal-runs/{run_id}", tags=["runs"])
    def get_run(run_id: str, who: Caller(Permission.MEMBERS_READ)) -> dict:
        return runs.get_run(ctx, who, run_id)

    @api.get("/runs/{run_id}/print-file", tags=["runs"], response_class=Response)
    def run_print_file(run_id: str, who: Caller(Permission.RUNS)) -> Response:
        out = io.BytesIO()
        runs.print_file(ctx, who, run_id, out)
        return _pdf(out.getvalue(), f"run-{run_id}.pdf")

    @api.get("/runs/{run_id}/manifest", tags=["runs"], response_class=Response)
    def run_manifest(run_id: str, who: Caller(Permission.RUNS)) -> Response:
        return Response(runs.manifest(ctx, who, run_id).encode("utf-8-sig"), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="run-{run_id}.csv"'})

    @api.post("/reception-assessments", tags=["reception"])
    def assess(body: commands.ReceptionAssessment, who: Caller(Permission.RECEPTION)) -> dict:
        return reception.assess(ctx, who, body)

    @api.get("/self-pay-limits", tags=["documents"])
    def self_pay_limit(who: Caller(Permission.SOCIETY_READ), category: Annotated[str, Query(max_length=3)],
                       medical_cost: Annotated[int, Query(ge=0, le=10**10)],
                       month: Annotated[commands.Day, Query(description="診療月 (その月の任意の日)")],
                       outpatient_only: bool = False) -> dict:
        return documents.calculate_self_pay_limit(ctx, who, category, medical_cost, month, outpatient_only)

    @api.post("/card-checks", tags=["reception"])
    def check_card(body: commands.CardCheck, who: Caller(Permission.CHECK_CARD)) -> dict:
        return documents.check_card(ctx, who, body.payload)

    @api.get("/verification-flags", tags=["verification"],
             summary="照会の警告 (生年月日の推測の疑い, DOMAIN.md §10)")
    def verification_flags(who: Caller(Permission.MEMBERS_READ),
                           limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0) -> dict:
        items, total = guessing.list_flags(ctx, who, limit, offset)
        return {"items": items, "total": total}

    @api.post("/verification-flags/{flag_id}/release", tags=["verification"],
              summary="照会の警告の解除 (業務責任者)")
    def release_verification_flag(flag_id: str, who: Caller(Permission.OVERRIDE)) -> dict:
        return guessing.release(ctx, who, flag_id)

    @api.get("/audit-log", tags=["audit"])
    def audit_log(who: Caller(Permission.AUDIT_READ), target: Annotated[str | None, Query(max_length=100)] = None,
                  action: Annotated[str | None, Query(max_length=60)] = None,
                  refusals: Annotated[bool, Query(description="拒否された試行だけ (認証・権限・ログインの失敗)")] = False,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Offset = 0) -> dict:
        items, total = audit_trail.read(ctx, who, target=target, action=action, refusals=refusals,
                                        limit=limit, offset=offset)
        return {"items": items, "total": total}

    app.include_router(api)
    web.install(app, ctx)  # after the API: API requests match their routes first
    _publish_schema(app, "Verification", fast_path.VERIFICATION)
    return app


def _publish_schema(app: FastAPI, name: str, adapter: TypeAdapter) -> None:
    """Adds a model that a route validates by hand to the OpenAPI components."""
    default = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = default()
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}))
        components[name] = schema
        return document

    app.openapi = openapi


def create_server(ctx: Context):
    """The ASGI application `shikaku serve` runs: the body limits and security headers in front
    of everything, then the verification fast path in front of the API."""
    return Edge(fast_path.FastPath(create_app(ctx), ctx))
