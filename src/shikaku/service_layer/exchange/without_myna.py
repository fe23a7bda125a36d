"""The monthly list of members without a usable マイナ保険証 (D-73): the members eligible on the
1st of a month who cannot use it that day, with the reason and any 資格確認書 they hold — the
input of 職権交付 runs. Created with mode 0600."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ...adapters.notification_files import private_csv
from ...domain.certificates import in_ex_officio_cohort
from ...domain.myna import UNUSABLE_LABELS, unusable_reason
from ...domain.registry import RELATIONSHIP_LABELS, Kind, Relationship
from ..auth import Actor, Permission, authorize
from ..context import Context
from ..unit_of_work import UnitOfWork
from .registration_file import ExportResult, kinship_label

WITHOUT_MYNA_COLUMNS = ("基準日", "記号", "番号", "枝番", "続柄", "氏名", "氏名カナ", "生年月日", "資格取得日",
                        "理由", "資格確認書有効期限", "交付希望", "職権交付対象")


def export_without_myna(ctx: Context, actor: Actor, month: date, path: Path) -> ExportResult:
    """The members eligible on the 1st of `month` who cannot use マイナ保険証 that day (D-73),
    with the reason and any 資格確認書 they hold: the input of 職権交付 runs."""
    authorize(actor, Permission.RUNS)
    day = month.replace(day=1)
    with private_csv(path, WITHOUT_MYNA_COLUMNS) as out:
        with ctx.reading() as uow:
            rows = sum(_write(ctx, uow, batch, day, out) for batch in uow.exchange_read.member_batches())
        with ctx.writing() as uow:
            uow.audit(actor, "export.without_myna", day.isoformat(), rows=rows, file=Path(path).name)
    return ExportResult(Path(path), rows)


def _write(ctx: Context, uow: UnitOfWork, batch: list, day: date, out) -> int:
    records = [(family, family.members[member_id]) for member_id, family in batch]
    cards = uow.myna_cards.by_hash(r.my_number.digest for _, r in records if r.my_number)
    issued = uow.certificates.of_members(r.member_id for _, r in records)
    written = 0
    for family, record in records:
        state = family.history.state(record.member_id, day)
        reason = unusable_reason(state.online_from, cards.get(record.my_number.digest, []) if record.my_number
                                 else [], day, ctx.policy)
        if not state.eligible or reason is None:
            continue
        certificates = [c.held for c in issued.get(record.member_id, [])]
        valid = [h.expires_on for h in certificates if h.valid_on(day)]
        enrolment = next(r for r in family.history.of(record.member_id) if r.kind is Kind.ENROLMENT).data
        identity = state.identity
        out.writerow([day.isoformat(), identity.symbol, identity.number, identity.branch,
                      kinship_label(identity, enrolment, RELATIONSHIP_LABELS[Relationship.DEPENDENT]),
                      state.name, state.name_kana,
                      state.birth_date.isoformat(), state.qualified_on.isoformat(), UNUSABLE_LABELS[reason],
                      max(valid).isoformat() if valid else "",
                      "1" if enrolment.certificate_requested else "0",
                      "1" if in_ex_officio_cohort(state, "all_without_myna", day, False, certificates,
                                                  ctx.policy) else "0"])
        written += 1
    return written


