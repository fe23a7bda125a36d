"""返納 of 資格確認書 (issue 14, item 5): record a returned certificate, list the certificates of
leavers still out (未返納) and print the reminder letters (返納のお願い) in postal order
(D-117 … D-119)."""
from __future__ import annotations

from datetime import date, timedelta

from ..adapters.db import repository as repo
from ..adapters.pdf.mailing import ReturnReminderPrint
from ..domain.addresses import postal_key
from ..domain.errors import DomainError
from ..domain.returns import check_return, unreturned
from . import addresses, commands
from .auth import Actor, Permission, authorize
from .context import Context
from .dashboard import Day, unreturned_certificates
from .documents import certificate_print
from .members import find_family

REMINDER_DAYS = 14  # 返納期限: two weeks after the letter's date (D-119)


def record_return(ctx: Context, actor: Actor, cert_id: str, form: commands.CertificateReturn) -> dict:
    """返納の記録: once (409 `already_returned`), on or after the issue date, not in the future."""
    authorize(actor, Permission.MEMBERS_WRITE)
    today = ctx.today()
    on = form.returned_on or today
    with ctx.writing() as uow:
        cert = uow.certificates.get(repo.parse_id(cert_id))
        if cert is None:
            raise DomainError("certificate_not_found", "該当する資格確認書が見つかりません", status=404)
        check_return(cert, on, today)
        uow.certificates.mark_returned(cert.id, on)
        uow.audit(actor, "certificate.return", str(cert.member_id), serial=cert.serial,
                  returned_on=on.isoformat())
    return {"id": str(cert.id), "member_id": str(cert.member_id), "serial": cert.serial,
            "issued_on": cert.issued_on, "valid_from": cert.valid_from, "expires_on": cert.expires_on,
            "returned_on": on}


def list_unreturned(ctx: Context, actor: Actor, as_of: date | None = None) -> list[dict]:
    """未返納の資格確認書 of leavers on `as_of` (default today), newest loss first: every one."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        return unreturned_certificates(uow, Day.of(on, ctx))


def due_back(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> set[str]:
    """The ids of the member's certificates still out on `as_of` (未返納): what the member page
    offers 「返納を記録」 for."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        lost_on = family.history.state(member, on).loss.on
        if lost_on > on:  # not a leaver (yet)
            return set()
        return {str(c.id) for c in uow.certificates.of_member(member) if unreturned(c, lost_on, on)}


def reminders_pdf(ctx: Context, actor: Actor, as_of: date | None = None) -> bytes:
    """資格確認書の返納のお願い: one A4 letter per unreturned certificate, in postal order (those
    with nowhere to mail them last); 404 `nothing_unreturned` when none is out."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        out = unreturned_certificates(uow, Day.of(on, ctx))
        if not out:
            raise DomainError("nothing_unreturned", "未返納の資格確認書はありません", status=404)
        families = uow.families.of_families(item["family_id"] for item in out)
        held = uow.certificates.of_members(int(item["member_id"]) for item in out)
        certificates = {c.id: c for certs in held.values() for c in certs}
        letters = []
        for item in out:
            cert, family = certificates[int(item["certificate_id"])], families[item["family_id"]]
            letters.append((cert, family, certificate_print(ctx, family, cert), item["lost_on"]))
        where = addresses.deliveries(uow, [(c.member_id, f, p.holder.name) for c, f, p, _ in letters])
    letters.sort(key=lambda letter: postal_key(where[letter[0].member_id], letter[0].member_id))
    audit_reminders(ctx, actor, on, len(letters))
    return ctx.renderer.return_reminders([
        ReturnReminderPrint(holder=p.holder, serial=c.serial, valid_from=c.valid_from, expires_on=c.expires_on,
                            lost_on=lost_on, issued_on=on, deadline=on + timedelta(days=REMINDER_DAYS),
                            delivery=where[c.member_id])
        for c, _, p, lost_on in letters])


def audit_reminders(ctx: Context, actor: Actor, on: date, count: int) -> None:
    """The letters name members and carry their addresses: who printed how many is audited."""
    with ctx.writing() as uow:
        uow.audit(actor, "certificate.return_reminders", None, as_of=on.isoformat(), letters=count)
