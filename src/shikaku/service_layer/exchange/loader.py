"""Stage 2 of an import: family by family (記号・番号) and in a safe order — an insured before
their dependents, changes after enrolments, losses last, whatever the order in the file — each
row is decided by the family model (`domain.family.Family`), as a single notification through
the API would be, and the families are written in bulk inside one transaction that holds the
registry's write lock (`adapters.db.registry_load`). Any error rolls it all back; a dry run
never writes. A file whose bytes were stored before (SHA-256) is refused as a duplicate."""
from __future__ import annotations

import marshal
from datetime import date

from ...adapters.spill import Spill
from ...domain.employers import Employer
from ...domain.errors import DomainError
from ...domain.family import Family, Holder, SealedMyNumber
from ...domain.notifications import Notification, NotificationKind, RowError, error_from, row_error
from ...domain.registrations import Enrolled
from ..auth import Actor
from ..context import Context
from .duplicates import refuse_possible_duplicates
from .result import APPLY_STAGE, ImportResult, Progress, audit_detail

CHUNK_ROWS = 5000  # rows (whole families) checked against the registry and written together


class _Rollback(Exception):
    pass


def apply(ctx: Context, actor: Actor, spill: Spill, result: ImportResult, progress: Progress) -> None:
    """Checks, and unless a dry run writes, every family of the file; any error rolls back all."""
    try:
        with (ctx.reading() if result.dry_run else ctx.writing()) as uow:
            load = uow.registry_load(not result.dry_run)
            earlier = load.earlier_import(result.content_hash)
            if earlier is not None:
                result.status, result.duplicate_of = "duplicate", str(earlier.id)
                result.add_error(_duplicate_error(earlier))
                return
            if not result.confirm_duplicates:  # reported with the other errors, nothing written (D-153)
                refuse_possible_duplicates(uow, spill, CHUNK_ROWS, result)
            loader = Loader(load, spill.tags(), uow.employers.all())
            load.expect(spill.count)
            done = 0
            for chunk in spill.groups(CHUNK_ROWS):
                result.add_errors(loader.check(chunk))
                if not result.dry_run and not result.error_count:
                    load.flush()
                done += sum(len(payloads) for _, payloads in chunk)
                progress(APPLY_STAGE, done, spill.count)
            if result.error_count:
                raise _Rollback
            result.status = "checked"
            if not result.dry_run:
                result.import_id = str(load.finish(
                    content_hash=result.content_hash, filename=result.filename, encoding=result.encoding,
                    rows=result.rows, counts=result.counts, actor=actor.subject))
                result.status = "imported"
                uow.audit(actor, "import.notifications", result.import_id, **audit_detail(result))
    except _Rollback:
        result.status = "refused"


def _duplicate_error(earlier) -> RowError:
    return row_error(None, None, "", "duplicate_file", "同じ内容のファイルはすでに取り込まれています"
                     f"（取込番号 {earlier.id}、{earlier.imported_at:%Y-%m-%d}）")


class Loader:
    """Applies chunks of a file's families to the registry's families through the family model."""

    def __init__(self, load, digests, employers: dict[str, Employer]):
        self.load, self.ledger = load, load.ledger
        self.holders = load.holders(digests)
        self.employers, self.employers_kept = employers, bool(employers)  # read once per import (D-111)

    def check(self, chunk: list[tuple[str, list[bytes]]]) -> list[RowError]:
        groups = [(key, [_unpack(p) for p in payloads]) for key, payloads in chunk]
        existing = self.load.families([tuple(key.split("-", 1)) for key, _ in groups if not key.startswith("#")])
        errors: list[RowError] = []
        for key, items in groups:
            found = existing.get(tuple(key.split("-", 1)))
            family = found
            for notification, sealed in items:
                try:
                    family = _APPLY[notification.kind](self, family, notification, sealed)
                except DomainError as exc:
                    errors.append(error_from(notification.row, _value(notification, sealed, exc.field), exc))
            if family is not None:
                self.load.add(family, existing=found is not None)
        return errors

    def _holders(self, family: Family | None, sealed: SealedMyNumber | None) -> list[Holder]:
        """The registry's other families' records of the 個人番号 (D-6)."""
        if sealed is None:
            return []
        own = family.family_id if family is not None else None
        return [h for h in self.holders.get(sealed.digest, ()) if h.family_id != own]

    def _acquisition(self, family: Family | None, n: Notification, sealed) -> Family:
        """資格取得届 (as members.enrol for an insured)."""
        family = Family.open(self.ledger, n.family_symbol, n.family_number, family)
        family.enrol_insured(self.ledger, _enrolled(n, standard_monthly_remuneration=n.standard_monthly_remuneration,
                                                    resident_tax_exempt=n.resident_tax_exempt),
                             n.qualified_on, n.registered_on, sealed, self._holders(family, sealed),
                             employer=self.employers.get(n.family_symbol), employers_kept=self.employers_kept)
        return family

    def _dependent(self, family: Family | None, n: Notification, sealed) -> Family:
        """被扶養者異動届 (追加) (as members.enrol for a dependent)."""
        family = family or Family(n.family_symbol, n.family_number)
        family.add_dependent(self.ledger, _enrolled(n, kinship=n.kinship), n.qualified_on, n.registered_on,
                             sealed, self._holders(family, sealed))
        return family

    def _loss(self, family: Family | None, n: Notification, sealed) -> Family:
        """資格喪失届 (as members.disqualify)."""
        family = family or Family(n.family_symbol, n.family_number)
        member = family.member_named(n.relationship, n.branch, n.birth_date)
        family.disqualify(self.ledger, member, n.disqualified_on, n.reason, n.registered_on)
        return family

    def _change(self, family: Family | None, n: Notification, sealed) -> Family:
        """変更届 (as members.amend) and 個人番号の登録 (as members.register_my_number)."""
        family = family or Family(n.family_symbol, n.family_number)
        member = family.member_named(n.relationship, n.branch, n.birth_date)
        family.notify_change(self.ledger, member, n.changes, n.effective_on, sealed, n.registered_on,
                             self._holders(family, sealed))
        return family


_APPLY = {NotificationKind.ACQUISITION: Loader._acquisition, NotificationKind.DEPENDENT: Loader._dependent,
          NotificationKind.LOSS: Loader._loss, NotificationKind.CHANGE: Loader._change}


def _enrolled(n: Notification, **attributes) -> Enrolled:
    return Enrolled(name=n.name, name_kana=n.name_kana, birth_date=n.birth_date, sex=n.sex,
                    coverage_ends_on=n.coverage_ends_on, certificate_requested=n.certificate_requested,
                    **attributes)


def _unpack(payload: bytes) -> tuple[Notification, SealedMyNumber | None]:
    values, sealed = marshal.loads(payload)
    return Notification.unpack(values), SealedMyNumber(*sealed) if sealed else None


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _value(n: Notification, sealed: SealedMyNumber | None, field_name: str | None) -> str:
    """The value an error about `field_name` shows (a 個人番号 only masked)."""
    if field_name == "my_number":
        return "*" * 8 + sealed.last4 if sealed else ""
    attribute = {"symbol": "family_symbol", "number": "family_number", "insured_id": "family_number"}.get(
        field_name or "", field_name or "")
    value = getattr(n, attribute, None)
    return "" if value is None else str(_iso(value))
