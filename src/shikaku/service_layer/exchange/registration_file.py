"""The registration file of a day for the national intermediate server (中間サーバーへの登録
ファイル, D-72): one row per registration online verification shows from that day for the first
time, in the import format (docs/formats.md); the 個人番号 in clear on the rows that register
it — the one place clear numbers leave, each decryption audited. Created with mode 0600."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...adapters.notification_files import private_csv
from ...domain.notifications import KINSHIP_LABELS, LABELS, LOSS_REASON_LABELS, NotificationKind
from ...domain.registrations import Enrolled, as_dict
from ...domain.registry import (
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    FamilyHistory,
    Identity,
    Kind,
    LossReason,
    Registration,
    Relationship,
)
from .. import society
from ..auth import Actor, Permission, authorize
from ..context import Context
from ..members import reveal


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    my_numbers: int = 0


REGISTRATION_FIELDS = ("kind", "insurer_number", "symbol", "number", "branch", "kinship", "insured_symbol",
                       "insured_number", "name", "name_kana", "birth_date", "sex", "qualified_on",
                       "disqualified_on", "reason", "standard_monthly_remuneration", "resident_tax_exempt",
                       "income_declared_low", "coverage_ends_on", "my_number", "certificate_requested",
                       "registered_on", "effective_on")
REGISTRATION_COLUMNS = tuple(LABELS[f] for f in REGISTRATION_FIELDS)
def export_registrations(ctx: Context, actor: Actor, on: date, path: Path) -> ExportResult:
    """The registration file of day `on` for the national intermediate server: one row per
    registration online verification shows from `on` for the first time (D-72), in the import
    format; the 個人番号 in clear on the rows that register it, each decryption audited."""
    authorize(actor, Permission.NATIONAL_WRITE)
    insurer = society.insurer_record(ctx)["insurer_number"]
    rows = my_numbers = 0
    with private_csv(path, REGISTRATION_COLUMNS) as out, ctx.writing() as uow:
        for family in uow.exchange_read.families_published_on(on):
            for identity, registration in family.history.newly_visible(on):
                row = _registration_row(family.history, identity, registration, insurer)
                if row is None:  # a 取消, or a correction of a 認定 (D-127)
                    continue
                if row.pop("reveal", False):
                    row["my_number"] = reveal(ctx, uow, actor, family.members[identity.member_id],
                                              "national_registration_file")
                    my_numbers += 1
                out.writerow([row.get(f, "") for f in REGISTRATION_FIELDS])
                rows += 1
        uow.audit(actor, "export.registrations", on.isoformat(), rows=rows, my_numbers=my_numbers,
                  file=Path(path).name)
    return ExportResult(Path(path), rows, my_numbers)


def _registration_row(family: FamilyHistory, identity: Identity, registration: Registration,
                      insurer: str) -> dict | None:
    if registration.kind is Kind.CORRECTION:  # a 訂正 is sent as the registration it corrects (D-127)
        target = next((r for r in family.of(identity.member_id) if r.seq == registration.data.corrects), None)
        if registration.data.cancels or target is None or target.kind is Kind.CERTIFICATION:
            return None
        registration = target._replace(registered_on=registration.registered_on)
    enrolment = next(r for r in family.of(identity.member_id) if r.kind is Kind.ENROLMENT)
    insured = identity.relationship is Relationship.INSURED
    row = {"insurer_number": insurer, "symbol": identity.symbol, "number": identity.number,
           "branch": identity.branch, "kinship": kinship_label(identity, enrolment.data),
           "registered_on": registration.registered_on.isoformat(),
           "birth_date": enrolment.data.birth_date.isoformat()}
    if not insured:
        row.update(insured_symbol=identity.symbol, insured_number=identity.number)
    data, kind = registration.data, registration.kind
    if kind is Kind.ENROLMENT:
        row.update(_formatted(data), qualified_on=registration.effective_on.isoformat(),
                   kind=(NotificationKind.ACQUISITION if insured else NotificationKind.DEPENDENT).value,
                   reveal=data.with_my_number)
        row["sex"] = SEX_LABELS[data.sex]
    elif kind is Kind.DISQUALIFICATION:
        row.update(kind=NotificationKind.LOSS.value, disqualified_on=registration.effective_on.isoformat(),
                   reason=LOSS_REASON_LABELS[LossReason(data.reason)])
    else:
        row.update(_formatted(data), kind=NotificationKind.CHANGE.value,
                   effective_on=registration.effective_on.isoformat(), reveal=kind is Kind.MY_NUMBER)
    return row


def _formatted(data) -> dict:
    """Registration data as the file writes it: dates ISO, flags 0/1, amounts in yen (numbers,
    which the CSV writer never escapes)."""
    data, out = as_dict(data), {}
    for key in ("name", "name_kana", "standard_monthly_remuneration", "coverage_ends_on",
                "resident_tax_exempt", "income_declared_low", "certificate_requested"):
        value = data.get(key)
        if value is None:
            continue
        out[key] = "1" if value is True else "0" if value is False else _iso(value)
    return out


def kinship_label(identity: Identity, enrolment: Enrolled, unknown: str = "その他") -> str:
    """続柄 as the files write it."""
    if identity.relationship is Relationship.INSURED:
        return RELATIONSHIP_LABELS[Relationship.INSURED]
    return KINSHIP_LABELS.get(enrolment.kinship, unknown)




def _iso(value):
    return value.isoformat() if isinstance(value, date) else value
