"""The documents on the API: 資格確認書 (applications, the list as of a day, the PDF),
資格情報のお知らせ, 限度額適用認定証, 特定疾病療養受療証, 高齢受給者証, and a member's documents
with their PDFs."""
from __future__ import annotations

from fastapi.responses import Response

from ...service_layer import commands, documents
from ...service_layer.auth import Permission
from .common import AsOf, Ctx, feature_router, pdf
from .guard import Caller

router = feature_router()


@router.post("/members/{member_id}/eligibility-certificates", status_code=201, tags=["documents"])
def apply_for_certificate(ctx: Ctx, member_id: str, body: commands.CertificateApplication,
                          who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return documents.apply_for_certificate(ctx, who, member_id, body)


@router.get("/members/{member_id}/eligibility-certificates", tags=["documents"])
def list_certificates(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None) -> dict:
    return {"items": documents.list_certificates(ctx, who, member_id, as_of)}


@router.get("/eligibility-certificates/{cert_id}/pdf", tags=["documents"], response_class=Response)
def certificate_pdf(ctx: Ctx, cert_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
    return pdf(documents.certificate_pdf(ctx, who, cert_id), f"certificate-{cert_id}.pdf")


@router.post("/members/{member_id}/notices", status_code=201, tags=["documents"])
def issue_notice(ctx: Ctx, member_id: str, body: commands.NoticeApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return documents.issue_notice(ctx, who, member_id, body)


@router.post("/members/{member_id}/limit-certifications", status_code=201, tags=["documents"])
def certify_limit(ctx: Ctx, member_id: str, body: commands.LimitApplication, who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return documents.certify_limit(ctx, who, member_id, body)


@router.post("/members/{member_id}/specific-disease-certifications", status_code=201, tags=["documents"])
def certify_specific_disease(ctx: Ctx, member_id: str, body: commands.SpecificDiseaseApplication,
                             who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return documents.certify_specific_disease(ctx, who, member_id, body)


@router.post("/members/{member_id}/elderly-certificates", status_code=201, tags=["documents"])
def issue_elderly_certificate(ctx: Ctx, member_id: str, body: commands.ElderlyApplication,
                              who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return documents.issue_elderly_certificate(ctx, who, member_id, body)


@router.get("/members/{member_id}/documents", tags=["documents"])
def list_documents(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ)) -> dict:
    return {"items": documents.list_documents(ctx, who, member_id)}


@router.get("/documents/{doc_id}/pdf", tags=["documents"], response_class=Response)
def document_pdf(ctx: Ctx, doc_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
    return pdf(documents.document_pdf(ctx, who, doc_id), f"document-{doc_id}.pdf")
