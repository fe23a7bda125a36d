"""Use cases of the 事業所 master: register, change, read and list the employers, and import them
from a CSV file (all rows or none). Each write is audited. The enrolment check against them is
the family model's (`Family.enrol_insured`, D-111); the members use case, the import of
notifications and the demo pass it the employer of the 記号."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from pydantic import Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from ..adapters.notification_files import ENCODING_LABELS, NotificationFile, UndecodableFile
from ..domain import employer_file
from ..domain.employers import DEFAULT_APPLIED_ON, Employer, changed_employer, new_employer, validate_symbol
from ..domain.errors import DomainError
from ..domain.notifications import RowError, row_error
from . import commands
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork

EMPLOYER_NOT_FOUND = "該当する事業所が見つかりません"
MAX_ERRORS = 1000  # errors listed of a refused file (the count is always exact)
PAGE = 50


class EmployerRegistration(commands.Command):
    """事業所の登録 (API.md, Employers)."""

    symbol: commands.Digits
    name: str = Field(max_length=200)
    postcode: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=400)
    phone: str | None = Field(default=None, max_length=40)
    applied_on: commands.Day | None = None  # 適用年月日 (D-112: the earliest day when omitted)
    withdrawn_on: commands.Day | None = None  # 脱退日
    mail_via: bool = False  # documents of its members are mailed through it


class EmployerChange(commands.Command):
    """事業所の変更: the fields given (null clears an optional one); 記号 and 適用年月日 stay."""

    name: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=400)
    phone: str | None = Field(default=None, max_length=40)
    withdrawn_on: commands.Day | None = None
    mail_via: bool | None = None


@pydantic_dataclass(frozen=True)
class EmployerView:
    """An employer as staff see it on `as_of`."""

    symbol: str
    name: str
    postcode: str | None
    address: str | None
    phone: str | None
    applied_on: date
    withdrawn_on: date | None
    mail_via: bool
    as_of: date
    in_force: bool  # 適用中 on as_of
    insured: int  # member records of the 記号 (ever registered)
    dependents: int


def _view(employer: Employer, counts, as_of: date) -> EmployerView:
    return EmployerView(symbol=employer.symbol, name=employer.name, postcode=employer.postcode,
                        address=employer.address, phone=employer.phone, applied_on=employer.applied_on,
                        withdrawn_on=employer.withdrawn_on, mail_via=employer.mail_via, as_of=as_of,
                        in_force=employer.in_force(as_of), insured=counts.insured,
                        dependents=counts.dependents)


def _views(uow: UnitOfWork, found: list[Employer], as_of: date) -> list[EmployerView]:
    counts = uow.employers.member_counts(e.symbol for e in found)
    return [_view(e, counts[e.symbol], as_of) for e in found]


def _audit_detail(employer: Employer) -> dict[str, Any]:
    """What the audit log records of an employer (an employer's address is no personal data)."""
    return {"name": employer.name, "applied_on": employer.applied_on.isoformat(),
            "withdrawn_on": employer.withdrawn_on.isoformat() if employer.withdrawn_on else None}


def _found(uow: UnitOfWork, symbol: str, *, for_update: bool = False) -> Employer:
    try:
        clean = validate_symbol(symbol)
    except DomainError:
        clean = None
    employer = uow.employers.get(clean, for_update=for_update) if clean else None
    if employer is None:
        raise DomainError("employer_not_found", EMPLOYER_NOT_FOUND, status=404)
    return employer


def add(ctx: Context, actor: Actor, form: EmployerRegistration) -> EmployerView:
    """事業所の登録; a known 記号 is refused (409 `employer_exists`)."""
    authorize(actor, Permission.EMPLOYERS_WRITE)
    employer = new_employer(form.symbol, form.name, form.applied_on, form.postcode, form.address,
                            form.phone, form.withdrawn_on, form.mail_via)
    with ctx.writing() as uow:
        if uow.employers.get(employer.symbol, for_update=True) is not None:
            raise DomainError("employer_exists", f"記号 {employer.symbol} の事業所はすでに登録されています",
                              "symbol", status=409)
        uow.employers.add(employer)
        uow.audit(actor, "employer.add", employer.symbol, **_audit_detail(employer))
        return _views(uow, [employer], ctx.today())[0]


def update(ctx: Context, actor: Actor, symbol: str, form: EmployerChange) -> EmployerView:
    """事業所の変更 (名称, 所在地, 電話, 脱退日, 送付): only the fields given."""
    authorize(actor, Permission.EMPLOYERS_WRITE)
    changes = form.model_dump(exclude_unset=True)
    with ctx.writing() as uow:
        before = _found(uow, symbol, for_update=True)
        employer = changed_employer(before, changes)
        uow.employers.update(employer)
        uow.audit(actor, "employer.update", employer.symbol, fields=sorted(changes),
                  **_audit_detail(employer))
        return _views(uow, [employer], ctx.today())[0]


def get(ctx: Context, actor: Actor, symbol: str, as_of: date | None = None) -> EmployerView:
    authorize(actor, Permission.EMPLOYERS_READ)
    with ctx.reading() as uow:
        return _views(uow, [_found(uow, symbol)], as_of or ctx.today())[0]


def list_employers(ctx: Context, actor: Actor, query: str | None = None, limit: int = PAGE,
                   offset: int = 0, as_of: date | None = None) -> tuple[list[EmployerView], int]:
    """A page of employers by 記号 (a 記号 prefix, or a part of the 名称 or 所在地), and the total."""
    authorize(actor, Permission.EMPLOYERS_READ)
    query = " ".join((query or "").split()) or None
    with ctx.reading() as uow:
        found, total = uow.employers.page(query, limit, offset)
        return _views(uow, found, as_of or ctx.today()), total


# ---------------------------------------------------------------------- the CSV import

@dataclass
class EmployerImport:
    """The outcome of an employers' file: `imported` (added and updated counted) or `refused`
    with every error (row, column, value, reason); a refused file stored nothing."""

    filename: str
    status: str = "refused"
    encoding: str | None = None
    rows: int = 0
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding or "", "")

    def as_dict(self) -> dict:
        return {"status": self.status, "filename": self.filename, "encoding": self.encoding, "rows": self.rows,
                "added": self.added, "updated": self.updated, "error_count": self.error_count,
                "errors": [{"row": e.row, "column": e.column, "value": e.value, "code": e.code,
                            "message": e.message} for e in self.errors]}


def import_file(ctx: Context, actor: Actor, stream: BinaryIO, filename: str) -> EmployerImport:
    """事業所一覧の取込 (columns 記号,名称,郵便番号,所在地,電話,適用年月日,脱退日; CP932 or UTF-8 with
    or without BOM): every row is checked first and nothing is stored when any is wrong. A new
    記号 is added; a known one is updated (名称, 所在地, 電話, 脱退日) and keeps its 適用年月日,
    which a row may repeat but not change (D-114)."""
    authorize(actor, Permission.EMPLOYERS_WRITE)
    result = EmployerImport(filename=filename)
    parsed = _read(stream, result)
    if result.error_count:
        return result
    with ctx.writing() as uow:
        known = uow.employers.of_symbols(employer.symbol for _, employer in parsed)
        new, changed = [], []
        for row, employer in parsed:
            before = known.get(employer.symbol)
            if before is None:
                new.append(employer)
            elif employer.applied_on not in (before.applied_on, DEFAULT_APPLIED_ON):
                result.add_error(row_error(row, employer_file.LABELS["applied_on"], employer.applied_on.isoformat(),
                                           "applied_on_differs", "登録済みの事業所の適用年月日"
                                           f"（{before.applied_on.isoformat()}）と異なります。適用年月日は変更できません"))
            else:
                try:
                    changed.append(changed_employer(before, {
                        "name": employer.name, "postcode": employer.postcode, "address": employer.address,
                        "phone": employer.phone, "withdrawn_on": employer.withdrawn_on}))
                except DomainError as exc:
                    result.add_error(row_error(row, employer_file.LABELS.get(exc.field or "", None), "",
                                               exc.code, exc.message))
        if result.error_count:
            return result  # nothing written yet: leaving the unit of work stores nothing
        uow.employers.add_all(new)
        for employer in changed:
            uow.employers.update(employer)
        result.status, result.added, result.updated = "imported", len(new), len(changed)
        uow.audit(actor, "employer.import", None, filename=filename, rows=result.rows, added=result.added,
                  updated=result.updated, symbols=[e.symbol for e in new + changed][:200])
    return result


def _read(stream: BinaryIO, result: EmployerImport) -> list[tuple[int, Employer]]:
    source = NotificationFile(stream)
    result.encoding = source.encoding
    parsed: list[tuple[int, Employer]] = []
    first_row: dict[str, int] = {}
    header = None
    try:
        for row, cells in source.rows():
            if header is None:
                header = employer_file.read_header(cells)
                if isinstance(header, list):
                    for error in header:
                        result.add_error(error)
                    return []
                continue
            result.rows += 1
            read = employer_file.parse_row(row, cells, header)
            if isinstance(read, list):
                for error in read:
                    result.add_error(error)
                continue
            if read.symbol in first_row:
                result.add_error(row_error(row, "記号", read.symbol, "duplicate_symbol",
                                           f"同じ記号が{first_row[read.symbol]}行目にもあります"))
                continue
            first_row[read.symbol] = row
            parsed.append((row, read))
    except UndecodableFile as exc:
        result.add_error(row_error(exc.row, None, "", "undecodable",
                                   f"{ENCODING_LABELS[exc.encoding]} として読めない文字があります"))
    if header is None or (not result.rows and not result.error_count):
        result.add_error(row_error(None, None, "", "empty_file", "事業所の行がありません"))
    return parsed
