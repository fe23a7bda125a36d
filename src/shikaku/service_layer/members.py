"""Use cases of the member registry (被保険者・被扶養者): enrol, register a My Number, amend,
disqualify, read. Each loads, decides with the domain core, stores and audits in one transaction."""
from __future__ import annotations

from datetime import date

from pydantic.dataclasses import dataclass

from ..adapters.db import repository as repo
from ..domain.errors import DomainError
from ..domain.family import MEMBER_NOT_FOUND, Family, Holder, MemberRecord, SealedMyNumber
from ..domain.legacy import check_legacy_card_issue, legacy_card_valid_until
from ..domain.myna import MynaCard, myna_usable
from ..domain.numbers import (
    mask_my_number,
    normalize_kana,
    validate_digits,
    validate_my_number,
)
from ..domain.policy import Policy
from ..domain.registrations import Enrolled, amendment, as_dict
from ..domain.registry import REGISTRABLE_LOSS_REASONS, Kind, MemberState, Relationship, corrected
from . import commands, duplicates
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork


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
    employer_name: str | None = None  # 事業所名 of the 記号 (None when the 記号 is no known employer)


def _view(state: MemberState, masked: str | None, cards: list[MynaCard], policy: Policy,
          employer_name: str | None = None) -> MemberView:
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
        myna_usable=myna_usable(state.online_from, cards, state.on, policy), employer_name=employer_name)


def views(uow: UnitOfWork, found: list[tuple[int, int]], as_of: date, policy: Policy) -> list[MemberView]:
    """The views of members given as (member id, family id), in that order."""
    families = uow.families.of_families(family_id for _, family_id in found)
    records = [families[family_id].members[member_id] for member_id, family_id in found]
    cards = uow.myna_cards.by_hash(r.my_number.digest for r in records if r.my_number)
    names = {s: e.name for s, e in uow.employers.of_symbols({r.identity.symbol for r in records}).items()}
    return [_record_view(families[r.identity.family_id], r, cards, as_of, policy, names) for r in records]


def _record_view(family: Family, record: MemberRecord, cards: dict, as_of: date,
                 policy: Policy, employer_names: dict[str, str] | None = None) -> MemberView:
    sealed = record.my_number
    return _view(family.history.state(record.member_id, as_of),
                 mask_my_number(sealed.last4) if sealed else None,
                 cards.get(sealed.digest, []) if sealed else [], policy,
                 (employer_names or {}).get(record.identity.symbol))


def _member_view(uow: UnitOfWork, family: Family, member_id: int, as_of: date, policy: Policy) -> MemberView:
    return views(uow, [(member_id, family.family_id)], as_of, policy)[0]


def find_family(uow: UnitOfWork, member_id: str, *, for_update: bool = False) -> tuple[Family, int]:
    """The family of a member id from a URL, and the member's id; or 404."""
    member = repo.parse_id(member_id)
    family = uow.families.get(member, for_update=for_update)
    if family is None:
        raise DomainError("member_not_found", MEMBER_NOT_FOUND, status=404)
    return family, member


def get_member(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> MemberView:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        return _member_view(uow, family, member, as_of or ctx.today(), ctx.policy)


def list_members(ctx: Context, actor: Actor, *, symbol: str | None = None, limit: int = 50,
                 offset: int = 0, as_of: date | None = None) -> tuple[list[MemberView], int]:
    """A page of members in a stable order (by id), and the total."""
    authorize(actor, Permission.MEMBERS_READ)
    symbol = validate_digits(symbol, "symbol") if symbol else None
    with ctx.reading() as uow:
        found, total = uow.member_search.page(symbol, limit, offset)
        return views(uow, found, as_of or ctx.today(), ctx.policy), total


SEARCH_LIMIT = 50  # 加入者検索 shows the first 50 matches


def search(ctx: Context, actor: Actor, query: commands.MemberSearch,
           as_of: date | None = None, limit: int = SEARCH_LIMIT) -> tuple[list[MemberView], int]:
    """加入者検索 for the staff pages: the first matches (by フリガナ) and the total (`limit`: a
    CSV export takes more than the page shows)."""
    authorize(actor, Permission.MEMBERS_READ)
    criteria = dict(kana=normalize_kana(query.kana, "kana") if query.kana else None, name=query.name,
                    symbol=validate_digits(query.symbol, "symbol") if query.symbol else None,
                    number=validate_digits(query.number, "number") if query.number else None,
                    birth_date=query.birth_date, limit=limit)
    with ctx.reading() as uow:
        found, total = uow.member_search.search(**criteria)
        return views(uow, found, as_of or ctx.today(), ctx.policy), total


def search_by_my_number(ctx: Context, actor: Actor, my_number: str,
                        as_of: date | None = None) -> list[MemberView]:
    """加入者検索 by 個人番号 (a POST, never a URL: issue 12, item 7): found by its keyed hash,
    never decrypted; every search is audited with the number masked, found or not."""
    authorize(actor, Permission.MEMBERS_READ)
    clear = validate_my_number(my_number)
    with ctx.writing() as uow:
        found = uow.member_search.with_my_number(*ctx.vault.lookup_hashes(clear))
        uow.audit(actor, "member.search.my_number", None, my_number=mask_my_number(clear),
                  found=[str(member) for member, _ in found])
        return views(uow, found, as_of or ctx.today(), ctx.policy)


def family(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[MemberView]:
    """世帯: the insured and their dependents (one 記号・番号), by 枝番."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        found, _ = find_family(uow, member_id)
        ordered = sorted(found.members.values(), key=lambda r: r.identity.branch)
        return views(uow, [(r.member_id, found.family_id) for r in ordered], as_of or ctx.today(), ctx.policy)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a member's history: a registration dated three times, or a loss that
    follows from other data (`kind` "loss": the 75th birthday, a coverage end, the insured's
    loss; D-2, D-4)."""

    kind: str  # a registry Kind, or "loss"
    effective_on: date  # 効力発生日
    registered_on: date | None  # 登録日; None: nothing to register
    publish_on: date  # 公開日: online verification shows it from this day (R-MYNA-2, R-MYNA-4)
    published: bool  # … and does so on `as_of`
    data: dict
    seq: int | None = None  # the registration's (None: a derived loss)
    # 取消・訂正 of it (D-124), in order of entry: dicts of `correction_entry`; the page strikes
    # the original through beside them.
    corrections: tuple[dict, ...] = ()


def timeline(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[TimelineEntry]:
    """資格の履歴: the member's registrations and a derived loss, in order of effect."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        found, member = find_family(uow, member_id)
    history = found.history
    corrections = history.corrections()
    entries = [TimelineEntry(r.kind.value, r.effective_on, r.registered_on, r.publish_on,
                             r.publish_on <= on, as_dict(r.data), r.seq,
                             tuple(correction_entry(r, c, on) for c in corrections.get(r.seq, ())))
               for r in history.registrations if r.member_id == member and r.kind is not Kind.CORRECTION]
    state = history.state(member, on)
    loss, data = state.loss, {"reason": state.loss.reason.value}
    if state.disqualified_on and loss.reason not in REGISTRABLE_LOSS_REASONS:
        if loss.scheduled:  # follows by itself on its day, with no lag (R-MYNA-4)
            entries.append(TimelineEntry("loss", loss.on, None, loss.on, loss.on <= on, data))
        else:  # published with the insured's 喪失届 (D-2)
            cause = [r for r in history.of(found.family_id) if r.kind is Kind.DISQUALIFICATION][-1]
            entries.append(TimelineEntry("loss", loss.on, cause.registered_on, cause.publish_on,
                                         cause.publish_on <= on, data))
    return sorted(entries, key=lambda e: (e.effective_on, e.registered_on or e.effective_on))


def correction_entry(target, correction, on: date) -> dict:
    """A 取消・訂正 as the timeline shows it: when, by whom and why, and for a 訂正 the
    registration as corrected (`entry`)."""
    c = correction.data
    fixed = None if c.cancels else corrected(target, c)
    return {"seq": correction.seq, "cancels": c.cancels, "registered_on": correction.registered_on,
            "publish_on": correction.publish_on, "published": correction.publish_on <= on,
            "reason": c.reason, "by": c.by, "values": dict(c.values or {}),
            "entry": None if fixed is None else TimelineEntry(
                fixed.kind.value, fixed.effective_on, correction.registered_on, correction.publish_on,
                correction.publish_on <= on, as_dict(fixed.data), fixed.seq)}


def sealed_my_number(ctx: Context, uow: UnitOfWork, clear: str | None,
                     family_id: int | None = None) -> tuple[SealedMyNumber | None, list[Holder]]:
    """A validated 個人番号 sealed for the registry (D-11), and the other families' records that
    hold it (for the D-6 check the family makes)."""
    if clear is None:
        return None, []
    digests = ctx.vault.lookup_hashes(clear)
    return seal(ctx.vault, clear, digests[0]), uow.families.holders(digests, besides=family_id)


def seal(vault, clear: str, digest: str | None = None) -> SealedMyNumber:
    """A validated 個人番号 as the registry keeps it: ciphertext, keyed hash, last 4 digits (D-11)."""
    return SealedMyNumber(vault.seal(clear), digest or vault.lookup_hash(clear), clear[-4:])


@dataclass(frozen=True)
class EnrolmentView(MemberView):
    """The member just enrolled, with the ids of the members it may duplicate (API.md)."""

    possible_duplicates: list[str] = ()


def enrol(ctx: Context, actor: Actor, form: commands.Enrolment) -> EnrolmentView:
    """資格取得届 / 被扶養者異動届: a new member with 記号・番号・枝番 and an enrolment registration.
    Members with the same フリガナ and 生年月日, eligible on the 資格取得日 or later, are named in
    `possible_duplicates`; unless `form.confirm_duplicates`, they stop it (`PossibleDuplicates`,
    nothing stored: the web form asks the clerk first, D-122)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    kana = normalize_kana(form.name_kana, "name_kana")
    clear = validate_my_number(form.my_number) if form.my_number else None
    insured = form.relationship is Relationship.INSURED
    enrolment = Enrolled(name=form.name, name_kana=kana, birth_date=form.birth_date, sex=form.sex,
                         coverage_ends_on=form.coverage_ends_on,
                         standard_monthly_remuneration=form.standard_monthly_remuneration,
                         resident_tax_exempt=form.resident_tax_exempt if insured else None,
                         kinship=None if insured else form.kinship,
                         certificate_requested=form.certificate_requested)
    with ctx.writing() as uow:
        if insured:
            found = _new_family(uow, form)
            sealed, holders = sealed_my_number(ctx, uow, clear)
            made = found.enrol_insured(uow.ledger, enrolment, form.qualified_on, registered_on,
                                       sealed, holders, employer=uow.employers.get(found.symbol),
                                       employers_kept=uow.employers.kept())
        else:
            found = _insured_family(uow, form)
            sealed, holders = sealed_my_number(ctx, uow, clear, found.family_id)
            made = found.add_dependent(uow.ledger, enrolment, form.qualified_on, registered_on,
                                       sealed, holders)
        same = duplicates.candidates(uow, kana, form.birth_date, form.qualified_on,
                                     max(form.qualified_on, registered_on), besides=[made.member_id])
        if same and not form.confirm_duplicates:
            raise duplicates.PossibleDuplicates(views(uow, same, ctx.today(), ctx.policy))
        uow.families.save(found)
        identity = found.members[made.member_id].identity
        uow.audit(actor, "member.enrol", str(made.member_id), relationship=form.relationship.value,
                  symbol=identity.symbol, number=identity.number, branch=identity.branch,
                  registered_on=registered_on.isoformat(), with_my_number=clear is not None,
                  **({"possible_duplicates": [str(m) for m, _ in same]} if same else {}))
        view = _member_view(uow, found, made.member_id, ctx.today(), ctx.policy)
        return EnrolmentView(**{f: getattr(view, f) for f in view.__dataclass_fields__},
                             possible_duplicates=[str(m) for m, _ in same])


def _required(value, field: str):
    if value is None:
        raise DomainError("missing_field", "この項目は必須です", field)
    return value


def _new_family(uow: UnitOfWork, form: commands.Enrolment) -> Family:
    symbol = validate_digits(_required(form.symbol, "symbol"), "symbol")
    given = validate_digits(form.number, "number") if form.number else None
    return Family.open(uow.ledger, symbol, given, uow.families.by_number(symbol, given) if given else None)


def _insured_family(uow: UnitOfWork, form: commands.Enrolment) -> Family:
    insured_id = repo.parse_id(_required(form.insured_id, "insured_id"))
    found = uow.families.get(insured_id, for_update=True)
    if found is None or found.insured_id != insured_id:
        raise DomainError("unknown_insured", "指定された被保険者が見つかりません", "insured_id")
    for field in ("symbol", "number", "standard_monthly_remuneration"):
        if getattr(form, field) is not None:
            raise DomainError("not_for_dependent", "被扶養者には指定できない項目です", field)
    return found


def register_my_number(ctx: Context, actor: Actor, member_id: str,
                       form: commands.MyNumberRegistration) -> MemberView:
    """個人番号の登録: from now on the record can be published (R-MYNA-3, R-MYNA-2)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    clear = validate_my_number(form.my_number)
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id, for_update=True)
        held = found.members[member].my_number
        sealed, holders = sealed_my_number(ctx, uow, clear, found.family_id)
        found.register_my_number(uow.ledger, member, sealed, registered_on, holders)
        uow.families.save(found)
        uow.audit(actor, "member.my_number", str(member), registered_on=registered_on.isoformat(),
                  corrected=held is not None and held.digest != sealed.digest)
        return _member_view(uow, found, member, ctx.today(), ctx.policy)


def disqualify(ctx: Context, actor: Actor, member_id: str,
               form: commands.Disqualification) -> MemberView:
    """資格喪失届; an insured's loss takes their dependents with them on the same day."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id, for_update=True)
        found.disqualify(uow.ledger, member, form.disqualified_on, form.reason, registered_on)
        uow.families.save(found)
        uow.audit(actor, "member.disqualify", str(member), reason=form.reason.value,
                  disqualified_on=form.disqualified_on.isoformat(), registered_on=registered_on.isoformat())
        return _member_view(uow, found, member, ctx.today(), ctx.policy)


def amend(ctx: Context, actor: Actor, member_id: str, form: commands.Amendment) -> MemberView:
    """変更届: new attribute values from `effective_on` (name, kana, remuneration …)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    registered_on = form.registered_on or ctx.today()
    changes = form.model_dump(exclude_unset=True, exclude={"effective_on", "registered_on"})
    data = amendment({k: v for k, v in changes.items() if v is not None or k == "coverage_ends_on"})
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id, for_update=True)
        made = found.amend(uow.ledger, member, data.changes, form.effective_on, registered_on)
        uow.families.save(found)
        uow.audit(actor, "member.amend", str(member), fields=sorted(made.data.changes),
                  effective_on=form.effective_on.isoformat(), registered_on=registered_on.isoformat())
        return _member_view(uow, found, member, ctx.today(), ctx.policy)


def add_legacy_card(ctx: Context, actor: Actor, member_id: str, form: commands.LegacyCard) -> dict:
    """Records a 健康保険証 issued before 2024-12-02 (R-LEG-1) with its R-LEG-2 validity."""
    authorize(actor, Permission.MEMBERS_WRITE)
    valid_until = legacy_card_valid_until(form.issued_on, form.expires_on, ctx.policy)
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id)
        check_legacy_card_issue(form.issued_on, found.members[member].qualified_on)
        card_id = uow.legacy_cards.add(member, form.issued_on, form.expires_on, valid_until)
        uow.audit(actor, "member.legacy_card", str(member), card=card_id,
                  issued_on=form.issued_on.isoformat())
    return {"id": str(card_id), "member_id": str(member), "issued_on": form.issued_on,
            "expires_on": form.expires_on, "valid_until": valid_until}


def reveal_my_number(ctx: Context, actor: Actor, member_id: str, purpose: str) -> str:
    """The clear 個人番号, for the one process that must send it (the registration file to the
    national intermediate server). Audited on every call; never returned by the HTTP API."""
    authorize(actor, Permission.MEMBERS_WRITE)
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id)
        return reveal(ctx, uow, actor, found.members[member], purpose)


def reveal(ctx: Context, uow: UnitOfWork, actor: Actor, record: MemberRecord, purpose: str) -> str:
    """Decrypts a member's 個人番号 in the caller's unit of work, with its audit row (D-11)."""
    if record.my_number is None:
        raise DomainError("no_my_number", "個人番号が登録されていません")
    uow.audit(actor, "member.my_number.reveal", str(record.member_id), purpose=purpose)
    return ctx.vault.open(record.my_number.cipher)

