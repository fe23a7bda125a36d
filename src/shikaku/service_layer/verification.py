"""オンライン資格確認 for facilities: answers from the published view only (R-MYNA-2, R-MYNA-3,
R-MYNA-4), logs every query (照会履歴), and never returns a 個人番号, an address or another family
member."""
from __future__ import annotations

from datetime import date
from typing import Iterable, NamedTuple, Sequence

from ..adapters.db.published import PublishedView, Record
from ..domain.errors import DomainError
from ..domain.myna import card_works
from ..domain.numbers import validate_insurer_number
from ..domain.policy import Policy
from ..domain.registry import MemberState
from ..domain.verification import (
    Validity,
    Verdict,
    answer_details,
    by_card_data,
    by_person,
    card_numbers,
    facility_answer,
    needs_same_person,
)
from . import commands, guessing, members, society
from .auth import Actor, Permission, authorize
from .context import Context

# The way a query reached the society, recorded with it in the 照会履歴 (`log_query`).
CHANNEL_JSON = "json"  # POST /api/v1/verifications
CHANNEL_BATCH = "batch"  # POST /api/v1/verification-batches
CHANNEL_FHIR = "fhir"  # the FHIR R4 facade
CHANNEL_OQS = "oqs"  # an OQS message (siquc01)
CHANNEL_OQS_BULK = "oqs_bulk"  # an item of an OQS 一括照会 (muquc01)
CHANNEL_CARD_READER = "card_reader"  # a card on the (simulated) 顔認証付きカードリーダー
CHANNELS = (CHANNEL_JSON, CHANNEL_BATCH, CHANNEL_FHIR, CHANNEL_OQS, CHANNEL_OQS_BULK, CHANNEL_CARD_READER)


def _visible(records: Iterable[Record], on: date) -> list[tuple[MemberState, str | None]]:
    """The visible states of the given records on `on`, with their My Number hash."""
    found = []
    for record in records:
        state = record.history.visible_state(record.member_id, on)
        if state is not None:
            found.append((state, record.my_number_hash))
    return found


def _by_card_data(view: PublishedView, insurer_number: str, query: commands.CardDataVerification,
                  numbers: tuple[str, str, str | None], on: date) -> Verdict:
    # The usual case costs a string comparison; anything else is checked (R-NUM-1) or not ours.
    if query.insurer_number != insurer_number and validate_insurer_number(query.insurer_number) != insurer_number:
        return Verdict(Validity.NOT_FOUND, None)
    matches = [(s, h) for s, h in _visible(view.records_by_card_data(*numbers), on)
               if s.birth_date == query.birth_date]
    same_person = []
    if needs_same_person(matches):
        state = matches[0][0]
        same_person = [s for s, _ in _visible(view.records_of_same_person(state.identity.member_id), on)
                       if s.identity.member_id != state.identity.member_id]
    return by_card_data([s for s, _ in matches], same_person)


def _by_card(view: PublishedView, query: commands.CardVerification, on: date, policy: Policy) -> Verdict:
    card = view.card(query.card_id)
    if card is None or not card_works(card, on, policy):
        return Verdict(Validity.NOT_FOUND, None)
    return by_person([state for state, _ in _visible(view.records_of_card_holder(query.card_id), on)])


def decide(ctx: Context, asker: Actor, query, on: date, view: PublishedView | None = None) -> Verdict:
    """The verdict of one query on the published view (`view`: one with some records read
    before, `prefetched`; no authorisation, no log). A facility's card-data query is answered
    as not found while it is guessing birth dates (DOMAIN.md §10): every facility route decides
    here, so none escapes the rule."""
    view = view or ctx.published
    if isinstance(query, commands.CardVerification):
        return _by_card(view, query, on, ctx.policy)
    numbers = card_numbers(query.symbol, query.number, query.branch)
    if not guessing.admits(ctx, asker, numbers[0], numbers[1], query.birth_date):
        return Verdict(Validity.NOT_FOUND, None)
    return _by_card_data(view, society.insurer_record(ctx)["insurer_number"], query, numbers, on)


def prefetched(ctx: Context, queries: Iterable[Query]) -> PublishedView:
    """The published view with the records of these card-data queries read at once, for the
    items of a batch or a bulk to be decided one by one (`decide`)."""
    return ctx.published.prefetched(card_numbers(q.symbol, q.number, q.branch)[:2]
                                    for q in queries if isinstance(q, commands.CardDataVerification))


def _answer(insurer: dict, verdict: Verdict, on: date, limit_consent: bool) -> dict:
    """What the facility is told, with the society's 保険者番号 and 保険者名称."""
    return facility_answer(verdict, on, limit_consent, insurer["insurer_number"], insurer["name"])


def log_query(ctx: Context, actor: Actor, method: str, identity_check: str | None, on: date,
              verdict: Verdict, channel: str = CHANNEL_JSON) -> None:
    """照会履歴: who asked about whom, when, how (method and channel), with what answer."""
    ctx.access_log.record(actor.subject, method, identity_check, on, verdict.validity.code,
                          verdict.state.identity.member_id if verdict.state else None, channel)


Query = commands.CardVerification | commands.CardDataVerification


class Verified(NamedTuple):
    """A query decided and logged, with the facility's answer."""

    query: Query
    verdict: Verdict
    answer: dict


def verified(ctx: Context, actor: Actor, query: Query, channel: str = CHANNEL_JSON,
             view: PublishedView | None = None) -> Verified:
    """One online verification for `query.service_date`, decided (on `view`, see `decide`) and
    logged."""
    authorize(actor, Permission.VERIFY)
    if query.service_date is None:
        raise DomainError("missing_field", "この項目は必須です", "service_date")
    verdict = decide(ctx, actor, query, query.service_date, view)
    log_query(ctx, actor, query.method,
              query.identity_check if isinstance(query, commands.CardVerification) else None, query.service_date,
              verdict, channel)
    return Verified(query, verdict,
                    _answer(society.insurer_record(ctx), verdict, query.service_date, query.limit_consent))


def verify(ctx: Context, actor: Actor, query: Query, channel: str = CHANNEL_JSON) -> dict:
    """One online verification for `query.service_date`."""
    return verified(ctx, actor, query, channel).answer


def in_detail(ctx: Context, answered: Sequence[Verified]) -> list[tuple[dict, dict]]:
    """Each answer with what the national messages add (`answer_details`, and the 交付年月日 of
    the card held, D-174): the cards of all the members answered read at once."""
    ids = [v.verdict.state.identity.member_id for v in answered if v.verdict.state]
    cards = ctx.published.cards_on_file(ids) if ids else {}
    detailed = []
    for query, verdict, answer in answered:
        on_file = cards.get(verdict.state.identity.member_id) if verdict.state else None
        details = answer_details(verdict, query.service_date, query.limit_consent)
        detailed.append((answer, {**details, "card_issued_on": on_file.issued_on_of_card_held(query.service_date)
                                  if on_file else None}))
    return detailed


def verify_in_detail(ctx: Context, actor: Actor, query: Query, channel: str) -> tuple[dict, dict]:
    """`verify` with what the national messages add (`in_detail`): the same query, decided and
    logged once."""
    return in_detail(ctx, [verified(ctx, actor, query, channel)])[0]


def verify_batch(ctx: Context, actor: Actor, batch: commands.VerificationBatch) -> list[dict]:
    """一括照会: the answers in the order of the items."""
    authorize(actor, Permission.VERIFY)
    insurer = society.insurer_record(ctx)
    view = prefetched(ctx, batch.items)
    results = []
    for item in batch.items:
        on = item.service_date or batch.service_date
        verdict = decide(ctx, actor, item, on, view)
        log_query(ctx, actor, item.method, None, on, verdict, CHANNEL_BATCH)
        results.append(_answer(insurer, verdict, on, item.limit_consent))
    return results


def access_history(ctx: Context, actor: Actor, member_id: str, limit: int = 100,
                   offset: int = 0) -> tuple[list[dict], int]:
    """照会履歴 of one member, newest first (who verified them, when, how, with what result)."""
    authorize(actor, Permission.MEMBERS_READ)
    ctx.access_log.flush()
    with ctx.reading() as uow:
        _, member = members.find_family(uow, member_id)
        return uow.access_history.page(member, limit, offset)
