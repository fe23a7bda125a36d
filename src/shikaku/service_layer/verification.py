"""オンライン資格確認 for facilities: answers from the published view only (R-MYNA-2…4), logs
every query (照会履歴), and never returns a 個人番号, an address or another family member."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, select

from ..adapters import fhir
from ..adapters.db import repository as repo
from ..adapters.db.published import PublishedView, Record
from ..adapters.db.schema import access_log, facilities
from ..domain.errors import DomainError
from ..domain.myna import card_works
from ..domain.numbers import normalize_digits, validate_insurer_number
from ..domain.ratio import elderly_from, elderly_until, is_elderly, preschool_until
from ..domain.registry import MemberState, Relationship
from ..domain.verification import Validity, Verdict, by_card_data, by_person
from . import commands, guessing, society
from .auth import Actor, Permission, Role, authorize
from .context import Context

_RELATIONSHIP_CODES = {Relationship.INSURED: "1", Relationship.DEPENDENT: "2"}

def _visible(records: Iterable[Record], on: date) -> list[tuple[MemberState, str | None]]:
    """The visible states of the given records on `on`, with their My Number hash."""
    found = []
    for record in records:
        state = repo.family_from_snapshot(record.payload).visible_state(record.member_id, on)
        if state is not None:
            found.append((state, record.my_number_hash))
    return found


def _by_card_data(view: PublishedView, insurer_number: str, query: commands.CardDataVerification,
                  on: date) -> Verdict:
    # The usual case costs a string comparison; anything else is checked (R-NUM-1) or not ours.
    if query.insurer_number != insurer_number and validate_insurer_number(query.insurer_number) != insurer_number:
        return Verdict(Validity.NOT_FOUND, None)
    branch = normalize_digits(query.branch).zfill(2) if query.branch else None
    records = view.records_by_card_data(normalize_digits(query.symbol), normalize_digits(query.number), branch)
    matches = [(s, h) for s, h in _visible(records, on) if s.birth_date == query.birth_date]
    same_person = []
    if len(matches) == 1 and not matches[0][0].eligible and matches[0][1]:
        state = matches[0][0]
        same_person = [s for s, _ in _visible(view.records_of_same_person(state.identity.member_id), on)
                       if s.identity.member_id != state.identity.member_id]
    return by_card_data([s for s, _ in matches], same_person)


def _by_card(view: PublishedView, query: commands.CardVerification, on: date) -> Verdict:
    card = view.card(query.card_id)
    if card is None or not card_works(card, on):
        return Verdict(Validity.NOT_FOUND, None)
    return by_person([state for state, _ in _visible(view.records_of_card_holder(query.card_id), on)])


def _answer(insurer: dict, verdict: Verdict, on: date, limit_consent: bool) -> dict:
    body = {"validity": verdict.validity.word, "validity_code": verdict.validity.code,
            "copay_ratio": None, "preschool": None, "elderly": None, "limit": None,
            "specific_diseases": []}
    state = verdict.state
    if state is None:
        return body
    identity = state.identity
    body["member"] = {
        "insurer_number": insurer["insurer_number"], "insurer_name": insurer["name"],
        "symbol": identity.symbol, "number": identity.number, "branch": identity.branch,
        "relationship_code": _RELATIONSHIP_CODES[identity.relationship],
        "name": state.name, "name_kana": state.name_kana, "birth_date": state.birth_date,
        "sex": state.sex, "qualified_on": state.qualified_on, "disqualified_on": state.disqualified_on}
    if verdict.validity is not Validity.VALID:
        return body
    body["copay_ratio"] = state.copay_ratio
    body["preschool"] = on <= preschool_until(state.birth_date)
    body["elderly"] = elderly_status(state, on)
    if limit_consent:
        limit = state.limit
        body["limit"] = {"code": limit.code, "label": limit.label}
    body["specific_diseases"] = specific_diseases(state)
    return body


def elderly_status(state: MemberState, on: date) -> dict | None:
    """高齢受給者 (70–74) on `on`: the ratio and the period; None under 70."""
    if not is_elderly(state.birth_date, on):
        return None
    return {"ratio": state.copay_ratio, "valid_from": elderly_from(state.birth_date),
            "valid_until": elderly_until(state.birth_date)}


def specific_diseases(state: MemberState) -> list[dict]:
    """特定疾病 approvals in force (R-SPD-1)."""
    return [{"code": c.disease, "limit_yen": c.limit_yen, "valid_from": c.valid_from,
             "valid_until": c.valid_until} for c in state.specific_diseases]


def decide(ctx: Context, asker: Actor, query, on: date) -> Verdict:
    """The verdict of one query on the published view (no authorisation, no log). A facility's
    card-data query is answered as not found while it is guessing birth dates (DOMAIN.md §10):
    every facility route decides here, so none escapes the rule."""
    if isinstance(query, commands.CardVerification):
        return _by_card(ctx.published, query, on)
    if not guessing.admits(ctx, asker, query.symbol, query.number, query.birth_date):
        return Verdict(Validity.NOT_FOUND, None)
    return _by_card_data(ctx.published, society.insurer_record(ctx)["insurer_number"], query, on)


def charge(ctx: Context, actor: Actor, queries: int) -> None:
    """DOMAIN.md §10: a request of several queries counts as many against the facility's rate
    limit; admission took one, the rest is owed (the facility waits until it is repaid)."""
    if actor.role is Role.FACILITY:
        ctx.facility_limit.take(actor.subject, queries - 1)


def log_query(ctx: Context, actor: Actor, method: str, identity_check: str | None, on: date,
              verdict: Verdict) -> None:
    """照会履歴: who asked about whom, when, how, with what answer."""
    ctx.access_log.record(actor.subject, method, identity_check, on, verdict.validity.code,
                          verdict.state.identity.member_id if verdict.state else None)


def verify(ctx: Context, actor: Actor, query: commands.CardVerification | commands.CardDataVerification) -> dict:
    """One online verification for `query.service_date`."""
    authorize(actor, Permission.VERIFY)
    if query.service_date is None:
        raise DomainError("missing_field", "この項目は必須です", "service_date")
    verdict = decide(ctx, actor, query, query.service_date)
    log_query(ctx, actor, query.method,
              query.identity_check if isinstance(query, commands.CardVerification) else None, query.service_date,
              verdict)
    return _answer(society.insurer_record(ctx), verdict, query.service_date,
                   query.limit_consent)


def verify_fhir(ctx: Context, actor: Actor, payload: dict) -> dict:
    """The FHIR R4 facade: a CoverageEligibilityRequest answered as a CoverageEligibilityResponse."""
    authorize(actor, Permission.VERIFY)
    request, query = fhir.to_query(payload)
    return fhir.to_response(request, verify(ctx, actor, query))


def verify_batch(ctx: Context, actor: Actor, batch: commands.VerificationBatch) -> list[dict]:
    """一括照会: the answers in the order of the items."""
    authorize(actor, Permission.VERIFY)
    charge(ctx, actor, len(batch.items))
    insurer = society.insurer_record(ctx)
    results = []
    for item in batch.items:
        on = item.service_date or batch.service_date
        verdict = decide(ctx, actor, item, on)
        log_query(ctx, actor, item.method, None, on, verdict)
        results.append(_answer(insurer, verdict, on, item.limit_consent))
    return results


def access_history(ctx: Context, actor: Actor, member_id: str, limit: int = 100,
                   offset: int = 0) -> tuple[list[dict], int]:
    """照会履歴 of one member, newest first (who verified them, when, how, with what result)."""
    authorize(actor, Permission.MEMBERS_READ)
    row_id = repo.parse_id(member_id)
    ctx.access_log.flush()
    with ctx.reading() as conn:
        if row_id < 0 or repo.member_row(conn, row_id) is None:
            raise DomainError("member_not_found", "該当する加入者が見つかりません", status=404)
        return history_page(conn, row_id, limit, offset)


def history_page(conn: Connection, member_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of a member's 照会履歴, newest first, with the facility's name (flush the access
    log first)."""
    query = select(access_log).where(access_log.c.member_id == member_id)
    total = repo.count(conn, query)
    rows = conn.execute(select(access_log, facilities.c.name.label("facility_name"))
                        .outerjoin(facilities, facilities.c.code == access_log.c.facility_code)
                        .where(access_log.c.member_id == member_id)
                        .order_by(access_log.c.id.desc()).limit(limit).offset(offset))
    return [{k: v for k, v in row._mapping.items() if k != "id"} for row in rows], total
