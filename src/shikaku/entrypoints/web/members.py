"""Staff member pages (加入者): the member page and the forms of the registry and the documents.
Pages pass what was typed to the same use cases as the API and show what they answer; a refused
form comes back with what was typed, except a 個人番号, which is never sent back."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ...service_layer import accounts, addresses, commands, documents, members, returns, verification
from ...service_layer.accounts import WebSession
from ...service_layer.auth import Permission, allowed
from ...service_layer.members import MemberView
from .common import Staff, StaffMay, form_data, page, parse, redirect, submit, templates

router = APIRouter(prefix="/staff", include_in_schema=False)

MY_NUMBER = "my_number"
ACCESS_LOG_LINES = 20
both = templates.env.filters["both"]


def _command(model: type[BaseModel], values: dict[str, str], **fixed: Any):
    """The use case's command from the form's fields (other posted names are ignored)."""
    return parse(model, {k: v for k, v in values.items() if k in model.model_fields}, **fixed)


def _run(request: Request, session: WebSession, values: dict[str, str], act: Callable[[], Any],
         on_success: Callable[[Any], Response], template: str, **page_values: Any) -> Response:
    """`submit`, except that a typed 個人番号 is never shown again: the field comes back empty
    with a note to type it once more."""
    shown = {k: v for k, v in values.items() if k != MY_NUMBER}
    return submit(request, session, shown, act, on_success, template,
                  my_number_cleared=bool(values.get(MY_NUMBER, "").strip()), **page_values)


# ------------------------------------------------------------------ enrolment and the member page

_ENROLMENT = {"m": None, "title": "資格取得届（被保険者）", "action": "/staff/members/new"}


@router.get("/members/new")
def enrolment_form(request: Request, session: StaffMay(Permission.MEMBERS_WRITE)) -> Response:
    """資格取得届 (a new insured)."""
    return page(request, "staff/form_enrolment.html", session, errors={},
                values={"registered_on": request.app.state.ctx.today().isoformat()}, **_ENROLMENT)


@router.post("/members/new")
async def enrol(request: Request, session: StaffMay(Permission.MEMBERS_WRITE)) -> Response:
    values = await form_data(request, session)
    ctx = request.app.state.ctx
    return _run(request, session, values,
                lambda: members.enrol(ctx, session.actor, _command(
                    commands.Enrolment, values, relationship="insured", **_confirmed(values))),
                lambda new: _enrolled(request, new, values), "staff/form_enrolment.html", **_ENROLMENT)


def _confirmed(values: dict[str, str]) -> dict:
    """The form asks before it enrols a possible duplicate, until the clerk ticks
    「別人であることを確認しました」 (D-122)."""
    return {"confirm_duplicates": bool(values.get("confirm_duplicates"))}


def _enrolled(request: Request, new: MemberView, values: dict[str, str]) -> Response:
    """After an enrolment: the member page, or the certificate application when the form's
    交付希望欄 was ticked (R-CERT-4)."""
    done = f"{new.name} さんの資格取得を登録しました（記号・番号・枝番 {new.symbol}・{new.number}・{new.branch}）"
    if values.get("certificate_requested"):
        return redirect(request, f"/staff/members/{new.id}/certificates/new",
                        f"{done}。続けて資格確認書の交付申請を入力してください")
    return redirect(request, f"/staff/members/{new.id}", done)


@router.get("/members/{member_id}")
def member_page(request: Request, session: Staff, member_id: str) -> Response:
    """加入者の詳細: identity, eligibility today, マイナ保険証, history, documents, who verified."""
    ctx, actor = request.app.state.ctx, session.actor
    member = members.get_member(ctx, actor, member_id)
    readiness, cards = documents.myna_status(ctx, actor, member_id)
    access_log, access_total = verification.access_history(ctx, actor, member_id, ACCESS_LOG_LINES)
    return page(request, "staff/member.html", session, m=member, readiness=readiness, cards=cards,
                family=members.family(ctx, actor, member_id),
                timeline=members.timeline(ctx, actor, member_id),
                certificates=documents.list_certificates(ctx, actor, member_id),
                documents=documents.list_documents(ctx, actor, member_id),
                offers=documents.applicable_documents(ctx, actor, member_id),  # D-157
                access_log=access_log, access_total=access_total,
                can_write=allowed(actor, Permission.MEMBERS_WRITE),
                can_cancel_loss=allowed(actor, Permission.CANCEL_LOSS),  # 取消・訂正 (D-128)
                can_cancel_documents=allowed(actor, Permission.DOCUMENTS_CANCEL),
                portal_pin=accounts.portal_pin(ctx, actor, member_id),
                address=addresses.get_address(ctx, actor, member_id),  # 住所・送付先 (part B)
                mailing=addresses.mailing(ctx, actor, member_id), due_back=returns.due_back(ctx, actor, member_id))


def _pdf(content: bytes, name: str, fallback: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"})


@router.post("/members/{member_id}/portal-pin-reset")
async def portal_pin_reset(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), member_id: str) -> Response:
    """暗証番号の再設定: the answer is the letter with the new PIN (made once, never stored, D-94)."""
    await form_data(request, session)
    letter = accounts.reset_portal_pin(request.app.state.ctx, session.actor, member_id)
    return _pdf(letter, f"暗証番号再設定通知書-{member_id}.pdf", f"pin-reset-{member_id}.pdf")


@router.get("/certificates/{cert_id}/pdf")
def certificate_pdf(request: Request, session: Staff, cert_id: str) -> Response:
    content = documents.certificate_pdf(request.app.state.ctx, session.actor, cert_id)
    return _pdf(content, f"資格確認書-{cert_id}.pdf", f"certificate-{cert_id}.pdf")


@router.get("/documents/{doc_id}/pdf")
def document_pdf(request: Request, session: Staff, doc_id: str) -> Response:
    content = documents.document_pdf(request.app.state.ctx, session.actor, doc_id)
    return _pdf(content, f"交付書類-{doc_id}.pdf", f"document-{doc_id}.pdf")


# ------------------------------------------------------------------ forms about one member

@dataclass(frozen=True)
class MemberForm:
    """A form about one member: where it is, what it runs and what it says when done."""

    path: str  # under /staff/members/{id}/
    template: str
    title: str
    model: type[BaseModel]
    use_case: Callable  # (ctx, actor, member_id, command) -> result
    done: Callable[[Any], str]  # the flash message from the result
    dates: tuple[str, ...] = ("registered_on",)  # fields that start as today
    fixed: Callable[[MemberView, dict], dict] = lambda member, values: {}  # set by the page
    extra: Callable[[Any, WebSession, MemberView], dict] = lambda ctx, session, member: {}


def _paper(result: dict) -> str:
    return "。証を交付しました" if result["certificate_issued"] else \
        "。マイナ保険証をお使いの方のため紙の証は交付しません（オンライン資格確認で確認できます）"


def _readiness(ctx, session: WebSession, member: MemberView) -> dict:
    return {"readiness": documents.myna_status(ctx, session.actor, member.id)[0]}


def _certificate_page(ctx, session: WebSession, member: MemberView) -> dict:
    """The override (R-CERT-3) is offered to the roles that hold it; the use case decides."""
    return {**_readiness(ctx, session, member), "can_override": allowed(session.actor, Permission.OVERRIDE)}


def _override(member: MemberView, values: dict) -> dict:
    return {"override_note": values.get("override_note", "") if values.get("override") else None}


FORMS = (
    MemberForm("dependents/new", "staff/form_enrolment.html", "被扶養者異動届（追加）",
               commands.Enrolment, lambda ctx, actor, _id, command: members.enrol(ctx, actor, command),
               lambda new: f"{new.name} さんを被扶養者として登録しました（枝番 {new.branch}）",
               fixed=lambda member, values: {"relationship": "dependent", "insured_id": member.insured_id,
                                             **_confirmed(values)}),
    MemberForm("my-number", "staff/form_my_number.html", "個人番号の登録", commands.MyNumberRegistration,
               members.register_my_number,
               lambda m: f"個人番号を登録しました（{m.my_number_masked}）。オンライン資格確認で確認できるのは"
                         f"{both(m.online_available_from)}からです"),
    MemberForm("disqualification", "staff/form_disqualification.html", "資格喪失届",
               commands.Disqualification, members.disqualify, lambda m: "資格喪失を登録しました"),
    MemberForm("amend", "staff/form_amendment.html", "変更届", commands.Amendment, members.amend,
               lambda m: "変更を登録しました", dates=("effective_on", "registered_on")),
    MemberForm("certificates/new", "staff/cert_application.html", "資格確認書の交付申請",
               commands.CertificateApplication, documents.apply_for_certificate,
               lambda c: f"資格確認書を交付しました（交付番号 {c['serial']}、有効期限 {both(c['expires_on'])}）",
               dates=("applied_on",), fixed=_override, extra=_certificate_page),
    MemberForm("notices/new", "staff/form_notice.html", "資格情報のお知らせの交付",
               commands.NoticeApplication, documents.issue_notice,
               lambda n: f"資格情報のお知らせを交付しました（交付日 {both(n['issued_on'])}）",
               dates=("applied_on",)),
    MemberForm("limit-certifications/new", "staff/form_limit.html", "限度額適用認定の申請",
               commands.LimitApplication, documents.certify_limit,
               lambda c: f"認定を登録しました（適用区分 {c['category']}）{_paper(c)}",
               dates=("applied_on",), extra=_readiness),
    MemberForm("specific-disease-certifications/new", "staff/form_specific_disease.html",
               "特定疾病の認定申請", commands.SpecificDiseaseApplication, documents.certify_specific_disease,
               lambda c: f"特定疾病の認定を登録しました（自己負担限度額 月{c['limit_yen']:,}円）{_paper(c)}",
               dates=("applied_on",), extra=_readiness),
    MemberForm("elderly-certificates/new", "staff/form_elderly.html", "高齢受給者証の交付",
               commands.ElderlyApplication, documents.issue_elderly_certificate,
               lambda c: f"高齢受給者証を交付しました（一部負担金の割合 {c['copay_ratio'] // 10}割）",
               dates=("applied_on",), extra=_readiness),
)


def _page_values(request: Request, session: WebSession, form: MemberForm, member: MemberView) -> dict:
    return {"m": member, "title": form.title, "action": f"/staff/members/{member.id}/{form.path}",
            **form.extra(request.app.state.ctx, session, member)}


def _show(form: MemberForm):
    def show(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), member_id: str) -> Response:
        ctx = request.app.state.ctx
        member = members.get_member(ctx, session.actor, member_id)
        today = ctx.today().isoformat()
        return page(request, form.template, session, values={name: today for name in form.dates},
                    errors={}, **_page_values(request, session, form, member))
    return show


def _post(form: MemberForm):
    async def post(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), member_id: str) -> Response:
        values = await form_data(request, session)
        ctx = request.app.state.ctx
        member = members.get_member(ctx, session.actor, member_id)

        def act():
            command = _command(form.model, values, **form.fixed(member, values))
            return form.use_case(ctx, session.actor, member.id, command)

        def done(result) -> Response:
            target = result.id if isinstance(result, MemberView) else member.id
            return redirect(request, f"/staff/members/{target}", form.done(result))

        return _run(request, session, values, act, done, form.template,
                    **_page_values(request, session, form, member))
    return post


for _form in FORMS:
    router.add_api_route(f"/members/{{member_id}}/{_form.path}", _show(_form), methods=["GET"])
    router.add_api_route(f"/members/{{member_id}}/{_form.path}", _post(_form), methods=["POST"])
