"""The member portal (加入者ポータル, like マイナポータル's 資格情報画面): a member's own eligibility,
who verified it, and what to bring to the desk.

The member is always the one behind the session's card (card → 個人番号 hash → their record);
no use case here takes a member id, so a member can only ever see their own data. Every read is
audited with the card id as the actor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, TypeVar

from sqlalchemy import Connection, select

from ..adapters.db import repository as repo
from ..adapters.db.schema import myna_cards
from ..domain.documents import SPECIFIC_DISEASES, PortalScreenPrint
from ..domain.errors import DomainError
from ..domain.myna import Unusable, unusable_reason
from ..domain.policy import Policy
from ..domain.reception import Advice, Presented, advise
from ..domain.registry import MemberState
from ..domain.wareki import format_wareki
from . import commands, documents, reception, society, verification
from .auth import Actor, Permission, authorize
from .context import JAPAN, Context, audit
from .members import MemberView, _views

HISTORY_PAGE = 50

# Why マイナ保険証 does not work, said to the member (R-MYNA-1…6).
MYNA_REASONS = {
    Unusable.NO_MY_NUMBER: "健康保険組合にマイナンバー（個人番号）が届け出られていないため、"
                           "オンライン資格確認を受けられません",
    Unusable.NOT_PUBLISHED: "健康保険組合が登録した資格情報がオンライン資格確認に反映されるのは"
                            "{online_from}からです（登録日の翌々営業日）",
    Unusable.NO_CARD: "マイナンバーカードの記録がないため、マイナ保険証を使えません",
    Unusable.NOT_REGISTERED: "マイナンバーカードの健康保険証としての利用登録がされていません",
    Unusable.CANCELLED: "マイナンバーカードの健康保険証としての利用登録が解除されています",
    Unusable.CERTIFICATE_EXPIRED: "マイナンバーカードの電子証明書の有効期限が切れ、猶予期間も過ぎています",
}


@dataclass(frozen=True)
class Own:
    """The signed-in member on a day: their record, its state and the staff view of it."""

    row: object
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


def _own(conn: Connection, actor: Actor, on: date, policy: Policy) -> Own:
    """The member behind the session's card: of the person's records, the one eligible on `on`,
    else the latest."""
    digest = conn.execute(select(myna_cards.c.my_number_hash)
                          .where(myna_cards.c.card_id == actor.subject)).scalar()
    rows = repo.members_with_hash(conn, digest) if digest else []
    if not rows:
        raise NOT_FOUND
    families = repo.load_families(conn, (row.family_id for row in rows))
    states = {row.id: families[row.family_id].state(row.id, on) for row in rows}
    row = next((r for r in rows if states[r.id].eligible), None) or \
        max(rows, key=lambda r: (states[r.id].qualified_on, r.id))
    state, cards = states[row.id], repo.cards_by_hash(conn, [digest])[digest]
    why = unusable_reason(state.online_from, cards, on, policy)
    reason = MYNA_REASONS[why].format(online_from=format_wareki(state.online_from)
                                      if state.online_from else "") if why else None
    return Own(row, state, _views(conn, [row], on)[0], reason)


T = TypeVar("T")


def _audited(ctx: Context, actor: Actor, action: str, read: Callable[[Connection, Own], T]) -> T:
    """One portal read of the member's own data, with its audit row, in one transaction."""
    authorize(actor, Permission.PORTAL)
    with ctx.writing() as conn:
        own = _own(conn, actor, ctx.today(), ctx.policy)
        result = read(conn, own)
        audit(conn, actor, action, own.view.id)
        return result


def screen(ctx: Context, actor: Actor) -> Screen:
    """資格情報画面: the registered data, the documents held and their validity today."""
    return _audited(ctx, actor, "portal.screen", lambda conn, own: _screen(ctx, conn, own))


def _screen(ctx: Context, conn: Connection, own: Own) -> Screen:
    on, eligible, insurer = own.view.as_of, own.view.eligible, society.insurer_record(ctx)
    return Screen(
        member=own.view, insurer_number=insurer["insurer_number"], insurer_name=insurer["name"],
        elderly=verification.elderly_status(own.state, on) if eligible else None,
        specific_diseases=[{**d, "name": SPECIFIC_DISEASES[d["code"]]}
                           for d in verification.specific_diseases(own.state)] if eligible else [],
        certificates=documents.certificates_of(conn, own.row.id, on, eligible),
        documents=[d for d in documents.documents_of(conn, own.row.id, on, eligible) if d["serial"]],
        myna_reason=own.myna_reason)


def screen_pdf(ctx: Context, actor: Actor) -> bytes:
    """資格情報画面 as an A4 PDF with 出力日時 (Q2: it replaces carrying the notice)."""
    def printed(conn: Connection, own: Own) -> PortalScreenPrint:
        view = _screen(ctx, conn, own)
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
    return _audited(ctx, actor, "portal.history", lambda conn, own: verification.history_page(
        conn, own.row.id, HISTORY_PAGE, offset))


def what_to_bring(ctx: Context, actor: Actor) -> Advice:
    """What the member should bring to the desk today (§9 for their own situation)."""
    def advice(_conn: Connection, own: Own) -> Advice:
        v = own.view
        form = commands.ReceptionAssessment(
            service_date=v.as_of, facility=commands.ReceptionFacility(online_verification=True),
            presented=[Presented.MYNA_CARD], card_id=actor.subject,
            symbol=v.symbol, number=v.number, branch=v.branch, birth_date=v.birth_date)
        facts, _ = reception.desk_facts(ctx, actor, form)
        return advise(facts, v.eligible, own.myna_reason, ctx.policy)

    return _audited(ctx, actor, "portal.what_to_bring", advice)
