"""Use cases of the member registry (被保険者・被扶養者): enrol, register a My Number, amend,
disqualify, read. Each loads, decides with the domain core, stores and audits in one transaction."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from pydantic.dataclasses import dataclass
from sqlalchemy import Connection, insert, select, update

from ..adapters.db import repository as repo
from ..adapters.db.schema import legacy_cards, members
from ..domain.errors import DomainError
from ..domain.legacy import legacy_card_valid_until
from ..domain.myna import MynaCard, myna_usable
from ..domain.numbers import (
    mask_my_number,
    normalize_kana,
    validate_digits,
    validate_my_number,
)
from ..domain.registry import (
    REGISTRABLE_LOSS_REASONS,
    FamilyHistory,
    Kind,
    MemberState,
    Relationship,
    check_disqualification,
    check_enrolment,
    my_number_in_use,
)
from ..domain.remuneration import validate_remuneration
from . import commands
from .auth import Actor, Permission, authorize
from .context import Context, audit

MAX_BRANCH = 99


@dataclass(frozen=True)
class MemberView:
    """A member as staff see it on `as_of` (API.md "member"); never the clear 個人番号."""

    id: str
    relationship: str
    insured_id: str
    symbol: str
    number: str
    branch: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    qualified_on: date
    disqualified_on: date | None
    loss_reason: str | None
    coverage_ends_on: date | None
    as_of: date
    eligible: bool
    copay_ratio: int
    limit_category_code: str
    limit_category: str
    standard_monthly_remuneration: int | None
    has_my_number: bool
    my_number_masked: str | None
    online_available_from: date | None
    myna_usable: bool


def _view(state: MemberState, masked: str | None, cards: list[MynaCard]) -> MemberView:
    identity = state.identity
    insured = identity.relationship is Relationship.INSURED
    return MemberView(
        id=str(identity.member_id), relationship=identity.relationship.value,
        insured_id=str(identity.family_id), symbol=identity.symbol, number=identity.number,
        branch=identity.branch, name=state.name, name_kana=state.name_kana,
        birth_date=state.birth_date, sex=state.sex, qualified_on=state.qualified_on,
        disqualified_on=state.disqualified_on,
        loss_reason=state.loss.reason.value if state.disqualified_on else None,
        coverage_ends_on=state.coverage_ends_on, as_of=state.on, eligible=state.eligible,
        copay_ratio=state.copay_ratio, limit_category_code=state.limit.code,
        limit_category=state.limit.label,
        standard_monthly_remuneration=state.insured.standard_monthly_remuneration if insured else None,
        has_my_number=state.my_number_registered_on is not None,
        my_number_masked=masked if state.my_number_registered_on is not None else None,
        online_available_from=state.online_from,
        myna_usable=myna_usable(state.online_from, cards, state.on))


def _views(conn: Connection, rows, as_of: date) -> list[MemberView]:
    families = repo.load_families(conn, (row.family_id for row in rows))
    cards = repo.cards_by_hash(conn, (row.my_number_hash for row in rows))
    return [_view(families[row.family_id].state(row.id, as_of),
                  _masked(row), cards.get(row.my_number_hash, [])) for row in rows]


def _masked(row) -> str | None:
    return mask_my_number(row.my_number_last4) if row.my_number_last4 else None


def find_member(conn: Connection, member_id: str, *, for_update: bool = False):
    """The member row of an id from a URL, or 404."""
    row = repo.member_row(conn, repo.parse_id(member_id), for_update=for_update)
    if row is None:
        raise DomainError("member_not_found", "該当する加入者が見つかりません", status=404)
    return row


def get_member(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> MemberView:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as conn:
        return _views(conn, [find_member(conn, member_id)], as_of or ctx.today())[0]


def list_members(ctx: Context, actor: Actor, *, symbol: str | None = None, limit: int = 50,
                 offset: int = 0, as_of: date | None = None) -> tuple[list[MemberView], int]:
    """A page of members in a stable order (by id), and the total."""
    authorize(actor, Permission.MEMBERS_READ)
    query = select(members)
    if symbol:
        query = query.where(members.c.symbol == validate_digits(symbol, "symbol"))
    with ctx.reading() as conn:
        total = repo.count(conn, query)
        rows = list(conn.execute(query.order_by(members.c.id).limit(limit).offset(offset)))
        return _views(conn, rows, as_of or ctx.today()), total


SEARCH_LIMIT = 50


def search(ctx: Context, actor: Actor, query: commands.MemberSearch,
           as_of: date | None = None) -> tuple[list[MemberView], int]:
    """加入者検索 for the staff pages: the first SEARCH_LIMIT matches (by フリガナ) and the total."""
    authorize(actor, Permission.MEMBERS_READ)
    found = select(members)
    if query.kana:
        found = found.where(members.c.name_kana.startswith(normalize_kana(query.kana, "kana"),
                                                           autoescape=True))
    if query.name:
        found = found.where(members.c.name.contains(query.name, autoescape=True))
    if query.symbol:
        found = found.where(members.c.symbol == validate_digits(query.symbol, "symbol"))
    if query.number:
        found = found.where(members.c.number == validate_digits(query.number, "number"))
    if query.birth_date:
        found = found.where(members.c.birth_date == query.birth_date)
    with ctx.reading() as conn:
        total = repo.count(conn, found)
        rows = list(conn.execute(found.order_by(members.c.name_kana, members.c.id).limit(SEARCH_LIMIT)))
        return _views(conn, rows, as_of or ctx.today()), total


def search_by_my_number(ctx: Context, actor: Actor, my_number: str,
                        as_of: date | None = None) -> list[MemberView]:
    """加入者検索 by 個人番号 (a POST, never a URL: issue 12, item 7): found by its keyed hash,
    never decrypted; every search is audited with the number masked, found or not."""
    authorize(actor, Permission.MEMBERS_READ)
    clear = validate_my_number(my_number)
    with ctx.writing() as conn:
        rows = repo.members_with_hash(conn, *ctx.vault.lookup_hashes(clear))
        audit(conn, actor, "member.search.my_number", None, my_number=mask_my_number(clear),
              found=[str(row.id) for row in rows])
        return _views(conn, rows, as_of or ctx.today())


def family(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[MemberView]:
    """世帯: the insured and their dependents (one 記号・番号), by 枝番."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as conn:
        row = find_member(conn, member_id)
        rows = list(conn.execute(select(members).where(members.c.family_id == row.family_id)
                                 .order_by(members.c.branch)))
        return _views(conn, rows, as_of or ctx.today())


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a member's history: a registration dated three times, or a loss that
    follows from other data (`kind` "loss": the 75th birthday, a coverage end, the insured's
    loss; D-2, D-4)."""

    kind: str  # a registry Kind, or "loss"
    effective_on: date  # 効力発生日
    registered_on: date | None  # 登録日; None: nothing to register
    publish_on: date  # 公開日: online verification shows it from this day (R-MYNA-2, -4)
    published: bool  # … and does so on `as_of`
    data: dict


def timeline(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[TimelineEntry]:
    """資格の履歴: the member's registrations and a derived loss, in order of effect."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as conn:
        row = find_member(conn, member_id)
        history = _history(conn, row)
    entries = [TimelineEntry(r.kind.value, r.effective_on, r.registered_on, r.publish_on,
                             r.publish_on <= on, dict(r.data)) for r in history.of(row.id)]
    state = history.state(row.id, on)
    loss, data = state.loss, {"reason": state.loss.reason.value}
    if state.disqualified_on and loss.reason not in REGISTRABLE_LOSS_REASONS:
        if loss.scheduled:  # follows by itself on its day, with no lag (R-MYNA-4)
            entries.append(TimelineEntry("loss", loss.on, None, loss.on, loss.on <= on, data))
        else:  # published with the insured's 喪失届 (D-2)
            cause = [r for r in history.of(row.family_id) if r.kind is Kind.DISQUALIFICATION][-1]
            entries.append(TimelineEntry("loss", loss.on, cause.registered_on, cause.publish_on,
                                         cause.publish_on <= on, data))
    return sorted(entries, key=lambda e: (e.effective_on, e.registered_on or e.effective_on))


def _vault_my_number(ctx: Context, conn: Connection, clear: str | None, qualified_on: date,
                     exclude: int | None = None) -> dict:
    """The vault columns for a validated 個人番号; refuses one that an eligible member already has."""
    if clear is None:
        return {"my_number_cipher": None, "my_number_hash": None, "my_number_last4": None}
    digests = ctx.vault.lookup_hashes(clear)
    holders = [row for row in repo.members_with_hash(conn, *digests) if row.id != exclude]
    families = repo.load_families(conn, (row.family_id for row in holders))
    check_my_number_free((families[r.family_id].state(r.id, qualified_on) for r in holders), qualified_on)
    return vault_columns(ctx.vault, clear, digests[0])


def check_my_number_free(holders: Iterable[MemberState], qualified_on: date) -> None:
    """Refuses a 個人番号 that another record holds while still eligible (D-6)."""
    if my_number_in_use(holders, qualified_on):
        raise DomainError("duplicate_my_number",
                          "この個人番号は資格のある別の加入者に登録されています", "my_number", status=409)


def vault_columns(vault, clear: str, digest: str | None = None) -> dict:
    """The members columns of a validated 個人番号: ciphertext, keyed hash, last 4 digits (D-11)."""
    return {"my_number_cipher": vault.seal(clear), "my_number_hash": digest or vault.lookup_hash(clear),
            "my_number_last4": clear[-4:]}


def enrolment_data(*, name: str, name_kana: str, birth_date: date, sex: str,
                   coverage_ends_on: date | None, with_my_number: bool, kinship: str | None = None,
                   certificate_requested: bool = False, **insured_attributes) -> dict:
    """The data of an enrolment registration (資格取得届 / 被扶養者異動届); `insured_attributes`
    (標準報酬月額, 住民税非課税) for an insured only."""
    data = {"name": name, "name_kana": name_kana, "birth_date": birth_date, "sex": sex,
            "coverage_ends_on": coverage_ends_on, "with_my_number": with_my_number, **insured_attributes}
    if kinship:
        data["kinship"] = kinship  # 続柄 of a dependent: spouse, child, parent, other
    if certificate_requested:
        data["certificate_requested"] = True  # 資格確認書の交付希望 on the form
    return data


def enrol(ctx: Context, actor: Actor, form: commands.Enrolment) -> MemberView:
    """資格取得届 / 被扶養者異動届: a new member with 記号・番号・枝番 and an enrolment registration."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    kana = normalize_kana(form.name_kana, "name_kana")
    clear = validate_my_number(form.my_number) if form.my_number else None
    with ctx.writing() as conn:
        if form.relationship is Relationship.INSURED:
            family, symbol, number, branch = None, *_insured_numbers(conn, form), "00"
            insured_state = None
            attributes = {"standard_monthly_remuneration": validate_remuneration(
                _required(form.standard_monthly_remuneration, "standard_monthly_remuneration"),
                form.qualified_on), "resident_tax_exempt": form.resident_tax_exempt}
        else:
            insured = _insured_of(conn, form)
            family = repo.load_family(conn, insured.id)
            insured_state = family.state(insured.id, form.qualified_on)
            symbol, number = insured.symbol, insured.number
            branch = None
            attributes = {}
        check_enrolment(form.birth_date, form.qualified_on, insured_state)
        vaulted = _vault_my_number(ctx, conn, clear, form.qualified_on)
        if branch is None:
            branch = _next_branch(conn, insured.id)
        member_id = conn.execute(insert(members).values(
            family_id=0, relationship=form.relationship.value, symbol=symbol, number=number,
            branch=branch, last_branch=0, name=form.name, name_kana=kana,
            birth_date=form.birth_date, qualified_on=form.qualified_on,
            **vaulted)).inserted_primary_key[0]
        family_id = member_id if family is None else family.identities[insured.id].member_id
        conn.execute(update(members).where(members.c.id == member_id).values(family_id=family_id))
        data = enrolment_data(name=form.name, name_kana=kana, birth_date=form.birth_date, sex=form.sex,
                              coverage_ends_on=form.coverage_ends_on, with_my_number=clear is not None,
                              kinship=form.kinship if form.relationship is Relationship.DEPENDENT else None,
                              certificate_requested=form.certificate_requested, **attributes)
        repo.add_registration(conn, family_id=family_id, member_id=member_id, kind=Kind.ENROLMENT,
                              effective_on=form.qualified_on, registered_on=registered_on,
                              publish_on=ctx.publish_on(registered_on), data=data)
        audit(conn, actor, "member.enrol", str(member_id), relationship=form.relationship.value,
              symbol=symbol, number=number, branch=branch, registered_on=registered_on.isoformat(),
              with_my_number=clear is not None)
        return _views(conn, [repo.member_row(conn, member_id)], ctx.today())[0]


def _required(value, field: str):
    if value is None:
        raise DomainError("missing_field", "この項目は必須です", field)
    return value


def _insured_numbers(conn: Connection, form: commands.Enrolment) -> tuple[str, str]:
    symbol = validate_digits(_required(form.symbol, "symbol"), "symbol")
    given = validate_digits(form.number, "number") if form.number else None
    if given is not None and conn.execute(select(members.c.id).where(
            members.c.symbol == symbol, members.c.number == given)).first():
        raise DomainError("number_in_use", "この記号・番号はすでに使われています", "number", status=409)
    return symbol, str(repo.next_number(conn, symbol, int(given) if given else None))


def _insured_of(conn: Connection, form: commands.Enrolment):
    insured_id = _required(form.insured_id, "insured_id")
    row = repo.member_row(conn, repo.parse_id(insured_id), for_update=True)
    if row is None or row.relationship != Relationship.INSURED.value:
        raise DomainError("unknown_insured", "指定された被保険者が見つかりません", "insured_id")
    for field in ("symbol", "number", "standard_monthly_remuneration"):
        if getattr(form, field) is not None:
            raise DomainError("not_for_dependent", "被扶養者には指定できない項目です", field)
    return row


def _next_branch(conn: Connection, insured_id: int) -> str:
    return branch_label(repo.next_branch(conn, insured_id))


def branch_label(branch: int) -> str:
    """枝番 as printed, or a refusal past the last one (D-7)."""
    if branch > MAX_BRANCH:
        raise DomainError("branch_exhausted", "この世帯の枝番が上限に達しました", status=409)
    return f"{branch:02d}"


def _history(conn: Connection, row) -> FamilyHistory:
    return repo.load_family(conn, row.family_id)


def register_my_number(ctx: Context, actor: Actor, member_id: str,
                       form: commands.MyNumberRegistration) -> MemberView:
    """個人番号の登録: from now on the record can be published (R-MYNA-3, R-MYNA-2)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    clear = validate_my_number(form.my_number)
    with ctx.writing() as conn:
        row = find_member(conn, member_id, for_update=True)
        vaulted = _vault_my_number(ctx, conn, clear, row.qualified_on, exclude=row.id)
        conn.execute(update(members).where(members.c.id == row.id).values(**vaulted))
        repo.add_registration(conn, family_id=row.family_id, member_id=row.id, kind=Kind.MY_NUMBER,
                              effective_on=registered_on, registered_on=registered_on,
                              publish_on=ctx.publish_on(registered_on), data={})
        audit(conn, actor, "member.my_number", str(row.id), registered_on=registered_on.isoformat(),
              corrected=row.my_number_hash not in (None, vaulted["my_number_hash"]))
        return _views(conn, [repo.member_row(conn, row.id)], ctx.today())[0]


def disqualify(ctx: Context, actor: Actor, member_id: str,
               form: commands.Disqualification) -> MemberView:
    """資格喪失届; an insured's loss takes their dependents with them on the same day."""
    authorize(actor, Permission.MEMBERS_WRITE)
    if form.reason not in REGISTRABLE_LOSS_REASONS:
        raise DomainError("invalid_reason", "この喪失理由は届出では指定できません", "reason")
    registered_on = form.registered_on or ctx.today()
    with ctx.writing() as conn:
        row = find_member(conn, member_id, for_update=True)
        history = _history(conn, row)
        check_disqualification(history.state(row.id, form.disqualified_on), form.disqualified_on,
                               any(r.kind is Kind.DISQUALIFICATION for r in history.of(row.id)))
        repo.add_registration(conn, family_id=row.family_id, member_id=row.id,
                              kind=Kind.DISQUALIFICATION, effective_on=form.disqualified_on,
                              registered_on=registered_on, publish_on=ctx.publish_on(registered_on),
                              data={"reason": form.reason.value})
        audit(conn, actor, "member.disqualify", str(row.id), reason=form.reason.value,
              disqualified_on=form.disqualified_on.isoformat(), registered_on=registered_on.isoformat())
        return _views(conn, [row], ctx.today())[0]


def amend(ctx: Context, actor: Actor, member_id: str, form: commands.Amendment) -> MemberView:
    """変更届: new attribute values from `effective_on` (name, kana, remuneration …)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    changes = form.model_dump(exclude_unset=True, exclude={"effective_on", "registered_on"})
    changes = {k: v for k, v in changes.items() if v is not None or k == "coverage_ends_on"}
    if not changes:
        raise DomainError("nothing_to_change", "変更する項目がありません")
    if "name_kana" in changes:
        changes["name_kana"] = normalize_kana(changes["name_kana"], "name_kana")
    with ctx.writing() as conn:
        row = find_member(conn, member_id, for_update=True)
        insured_only = {"standard_monthly_remuneration", "resident_tax_exempt", "income_declared_low"}
        if row.relationship == Relationship.DEPENDENT.value and insured_only & changes.keys():
            raise DomainError("not_for_dependent", "被扶養者には指定できない項目です",
                              sorted(insured_only & changes.keys())[0])
        if "standard_monthly_remuneration" in changes:
            validate_remuneration(changes["standard_monthly_remuneration"], form.effective_on)
        repo.add_registration(conn, family_id=row.family_id, member_id=row.id, kind=Kind.AMENDMENT,
                              effective_on=form.effective_on, registered_on=registered_on,
                              publish_on=ctx.publish_on(registered_on), data=changes)
        projection = {k: changes[k] for k in ("name", "name_kana") if k in changes}
        if projection:
            conn.execute(update(members).where(members.c.id == row.id).values(**projection))
        audit(conn, actor, "member.amend", str(row.id), fields=sorted(changes),
              effective_on=form.effective_on.isoformat(), registered_on=registered_on.isoformat())
        return _views(conn, [repo.member_row(conn, row.id)], ctx.today())[0]


def add_legacy_card(ctx: Context, actor: Actor, member_id: str, form: commands.LegacyCard) -> dict:
    """Records a 健康保険証 issued before 2024-12-02 (R-LEG-1) with its R-LEG-2 validity."""
    authorize(actor, Permission.MEMBERS_WRITE)
    valid_until = legacy_card_valid_until(form.issued_on, form.expires_on, ctx.policy)
    with ctx.writing() as conn:
        row = find_member(conn, member_id)
        if form.issued_on < row.qualified_on:
            raise DomainError("invalid_period", "交付日が資格取得日より前になっています", "issued_on")
        card_id = conn.execute(insert(legacy_cards).values(
            member_id=row.id, issued_on=form.issued_on, expires_on=form.expires_on,
            valid_until=valid_until)).inserted_primary_key[0]
        audit(conn, actor, "member.legacy_card", str(row.id), card=card_id,
              issued_on=form.issued_on.isoformat())
    return {"id": str(card_id), "member_id": str(row.id), "issued_on": form.issued_on,
            "expires_on": form.expires_on, "valid_until": valid_until}


def reveal_my_number(ctx: Context, actor: Actor, member_id: str, purpose: str) -> str:
    """The clear 個人番号, for the one process that must send it (the registration file to the
    national intermediate server). Audited on every call; never returned by the HTTP API."""
    authorize(actor, Permission.MEMBERS_WRITE)
    with ctx.writing() as conn:
        return reveal(ctx, conn, actor, find_member(conn, member_id), purpose)


def reveal(ctx: Context, conn: Connection, actor: Actor, row, purpose: str) -> str:
    """Decrypts a member row's 個人番号 in the caller's transaction, with its audit row (D-11)."""
    if row.my_number_cipher is None:
        raise DomainError("no_my_number", "個人番号が登録されていません")
    audit(conn, actor, "member.my_number.reveal", str(row.id), purpose=purpose)
    return ctx.vault.open(row.my_number_cipher)
