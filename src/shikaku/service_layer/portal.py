"""The member portal (加入者ポータル, like マイナポータル's 資格情報画面): a member's own eligibility,
who verified it, and what to bring to the desk.

The member is always the one behind the session's card (card → 個人番号 hash → their record);
no use case here takes a member id, so a member can only ever see their own data. Every read is
audited with the card id as the actor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, TypeVar

from ..domain.documents import SPECIFIC_DISEASES, PortalScreenPrint
from ..domain.errors import DomainError
from ..domain.myna import UNUSABLE_TO_MEMBER, unusable_reason
from ..domain.policy import Policy
from ..domain.reception import Advice, Presented, advise
from ..domain.registry import MemberState
from ..domain.verification import elderly_status, specific_diseases
from ..domain.wareki import format_wareki
from . import commands, documents, reception, society
from .auth import Actor, Permission, authorize
from .context import JAPAN, Context
from .members import MemberView, views
from .unit_of_work import UnitOfWork

HISTORY_PAGE = 50


@dataclass(frozen=True)
class Own:
    """The signed-in member on a day: their record, its state and the staff view of it."""

    member_id: int
    state: MemberState
    view: MemberView
    myna_reason: str | None  # why マイナ保険証 does not work today; None when it does


@dataclass(frozen=True)
class Screen:
    """資格情報画面 on `member.as_of`."""

    member: MemberView
    insurer_number: str
    insurer_name: str
    elderly: dict | None  # 高齢受給者: ratio, valid_from, valid_until
    specific_diseases: list[dict]  # code, name, limit_yen, valid_from, valid_until
    certificates: list[dict]  # 資格確認書, each with valid_on_as_of
    documents: list[dict]  # paper notices and certificates, each with valid_on_as_of
    myna_reason: str | None


NOT_FOUND = DomainError("member_not_found", "このマイナンバーカードに対応する資格情報が見つかりません。"
                        "ご加入の健康保険組合にお問い合わせください。", status=404)


def _own(uow: UnitOfWork, actor: Actor, on: date, policy: Policy) -> Own:
    """The member behind the session's card: of the person's records, the one eligible on `on`,
    else the latest."""
    digest, found = uow.portal.card_holder(actor.subject)
    if not found:
        raise NOT_FOUND
    families = uow.families.of_families(family_id for _, family_id in found)
    states = {member: families[family].history.state(member, on) for member, family in found}
    member, family = next((f for f in found if states[f[0]].eligible), None) or \
        max(found, key=lambda f: (states[f[0]].qualified_on, f[0]))
    state, cards = states[member], uow.myna_cards.by_hash([digest])[digest]
    why = unusable_reason(state.online_from, cards, on, policy)
    reason = UNUSABLE_TO_MEMBER[why].format(online_from=format_wareki(state.online_from)
                                            if state.online_from else "") if why else None
    return Own(member, state, views(uow, [(member, family)], on, policy)[0], reason)


T = TypeVar("T")


def _audited(ctx: Context, actor: Actor, action: str, read: Callable[[UnitOfWork, Own], T]) -> T:
    """One portal read of the member's own data, with its audit row, in one unit of work."""
    authorize(actor, Permission.PORTAL)
    with ctx.writing() as uow:
        own = _own(uow, actor, ctx.today(), ctx.policy)
        result = read(uow, own)
        uow.audit(actor, action, own.view.id)
        return result


def screen(ctx: Context, actor: Actor) -> Screen:
    """資格情報画面: the registered data, the documents held and their validity today."""
    return _audited(ctx, actor, "portal.screen", lambda uow, own: _screen(ctx, uow, own))


def _screen(ctx: Context, uow: UnitOfWork, own: Own) -> Screen:
    on, eligible, insurer = own.view.as_of, own.view.eligible, society.insurer_record(ctx)
    return Screen(
        member=own.view, insurer_number=insurer["insurer_number"], insurer_name=insurer["name"],
        elderly=elderly_status(own.state, on) if eligible else None,
        specific_diseases=[{**d, "name": SPECIFIC_DISEASES[d["code"]]}
                           for d in specific_diseases(own.state)] if eligible else [],
        certificates=documents.certificates_of(uow, own.member_id, on, eligible),
        documents=[d for d in documents.documents_of(uow, own.member_id, on, eligible) if d["serial"]],
        myna_reason=own.myna_reason)


def screen_pdf(ctx: Context, actor: Actor) -> bytes:
    """資格情報画面 as an A4 PDF with 出力日時 (Q2: it replaces carrying the notice)."""
    def printed(uow: UnitOfWork, own: Own) -> PortalScreenPrint:
        view = _screen(ctx, uow, own)
        elderly = view.elderly
        return PortalScreenPrint(
            holder=documents.holder(ctx, own.state), as_of=own.view.as_of,
            printed_at=datetime.now(JAPAN), disqualified_on=own.view.disqualified_on,
            copay_ratio=own.view.copay_ratio if own.view.eligible else None,
            limit_category=own.view.limit_category if own.view.eligible else None,
            elderly=(elderly["ratio"], elderly["valid_from"], elderly["valid_until"]) if elderly else None,
            specific_diseases=tuple((d["name"], d["limit_yen"]) for d in view.specific_diseases))

    return ctx.renderer.portal_screen(_audited(ctx, actor, "portal.screen_pdf", printed))


def history(ctx: Context, actor: Actor, page: int = 1) -> tuple[list[dict], int]:
    """照会履歴: who verified the member's eligibility and when (newest first; `at` in UTC)."""
    ctx.access_log.flush()
    offset = (max(page, 1) - 1) * HISTORY_PAGE
    return _audited(ctx, actor, "portal.history", lambda uow, own: uow.access_history.page(
        own.member_id, HISTORY_PAGE, offset))


def what_to_bring(ctx: Context, actor: Actor) -> Advice:
    """What the member should bring to the desk today (§9 for their own situation)."""
    def advice(_uow: UnitOfWork, own: Own) -> Advice:
        v = own.view
        form = commands.ReceptionAssessment(
            service_date=v.as_of, facility=commands.ReceptionFacility(online_verification=True),
            presented=[Presented.MYNA_CARD], card_id=actor.subject,
            symbol=v.symbol, number=v.number, branch=v.branch, birth_date=v.birth_date)
        facts, _ = reception.desk_facts(ctx, actor, form)
        return advise(facts, v.eligible, own.myna_reason, ctx.policy)

    return _audited(ctx, actor, "portal.what_to_bring", advice)
