"""本日の受付 (issue 14, item 8; D-136): the registrations and documents staff entered on one day
(in Japan time), by clerk, read from the audit trail — who (actor), what (action), whom (the
member, target) and when (at) — with the count per clerk. Read by every staff role (MEMBERS_READ):
it lists the office's own work on members, never an audit row's detail, a refusal or a sign-in;
the audit log as a whole stays the auditors' (AUDIT_READ)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ..domain.errors import DomainError
from .auth import Actor, Permission, authorize
from .context import JAPAN, Context, in_japan

# Which audit actions are a clerk's work of the day: every write on a member or a document.
WORK_PREFIXES = ("member.", "certificate.", "certification.", "notice.", "document.", "import.notifications")
# Reads and look-ups under those prefixes (audited, but no work entered).
NOT_WORK = ("member.search.my_number", "member.my_number.reveal")
EARLIEST = date(2000, 1, 1)  # a day before any registration of shikaku (a date picker's floor)


@dataclass(frozen=True, slots=True)
class WorkItem:
    at: datetime  # in Japan time
    actor: str
    role: str
    action: str
    member_id: str | None  # the member the row names (a member's or a document's action)
    member: str | None  # 氏名 and 記号・番号・枝番 as the registry holds them today
    target: str | None


@dataclass(frozen=True, slots=True)
class DayOfWork:
    day: date
    items: list[WorkItem]
    by_clerk: list[tuple[str, str, int]]  # (actor, role, count), most work first
    by_action: list[tuple[str, int]]


def day_of_work(ctx: Context, actor: Actor, day: date | None = None) -> DayOfWork:
    """The work entered on `day` (today in Japan by default), oldest first."""
    authorize(actor, Permission.MEMBERS_READ)
    day = day or ctx.today()
    if day < EARLIEST or day > ctx.today():
        raise DomainError("invalid_day", f"日付は{EARLIEST.isoformat()}から本日までの日を指定してください", "day")
    start = datetime.combine(day, time(0), JAPAN).astimezone(timezone.utc)  # stored moments are UTC
    with ctx.reading() as uow:
        rows = uow.audit_log.work_between(start, start + timedelta(days=1), WORK_PREFIXES, NOT_WORK)
        names: dict[str, str | None] = {}
        for row in rows:
            target = row["target"]
            if _member_action(row["action"]) and target and target not in names:
                names[target] = _member_name(uow, target)
    items = [WorkItem(in_japan(row["at"]), row["actor"], row["role"], row["action"],
                      row["target"] if names.get(row["target"] or "") else None,
                      names.get(row["target"] or ""), row["target"]) for row in rows]
    clerks = Counter((item.actor, item.role) for item in items)
    actions = Counter(item.action for item in items)
    return DayOfWork(day, items, [(a, r, n) for (a, r), n in sorted(clerks.items(), key=lambda kv: (-kv[1], kv[0]))],
                     sorted(actions.items(), key=lambda kv: (-kv[1], kv[0])))


def _member_action(action: str) -> bool:
    return not action.startswith("import.")


def _member_name(uow, target: str) -> str | None:
    """氏名（記号・番号・枝番） of a member id, or None when the target is not a member."""
    if not target.isdigit() or len(target) > 18:
        return None
    family = uow.families.get(int(target))
    record = family.members.get(int(target)) if family else None
    if record is None:
        return None
    i = record.identity
    return f"{record.name}（{i.symbol}・{i.number}・{i.branch}）"
