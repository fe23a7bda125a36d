"""The 資格確認書 repository: the certificates issued (on application or by a run), the reissues
that supersede them, and a run's certificates in mailing order."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, func, insert, select, update

from ...domain.certificates import CertificateReason, EligibilityCertificate
from .schema import eligibility_certificates, members

_C = eligibility_certificates.c


def certificate_from_row(row) -> EligibilityCertificate:
    """An eligibility_certificates row as the domain's record."""
    return EligibilityCertificate(row.id, row.member_id, row.serial, CertificateReason(row.reason),
                                  row.issued_on, row.valid_from, row.expires_on, row.superseded_on,
                                  row.run_id, row.override_note, returned_on=row.returned_on,
                                  cancelled_on=row.cancelled_on, cancel_reason=row.cancel_reason,
                                  cancelled_by=row.cancelled_by)


class SqlCertificates:
    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, member_id: int, serial: str, reason: CertificateReason, issued_on: date,
            valid_from: date, expires_on: date, *, run_id: int | None = None,
            override_note: str | None = None) -> int:
        """Records an issued certificate; returns its id."""
        return self.conn.execute(insert(eligibility_certificates).values(
            member_id=member_id, serial=serial, reason=reason.value, issued_on=issued_on,
            valid_from=valid_from, expires_on=expires_on, run_id=run_id,
            override_note=override_note)).inserted_primary_key[0]

    def supersede(self, serials: Iterable[str], on: date) -> None:
        """A reissue: these certificates stop being valid on `on` (R-CERT-6)."""
        self.conn.execute(update(eligibility_certificates).where(_C.serial.in_(list(serials)))
                          .values(superseded_on=on))

    def mark_returned(self, certificate_id: int, on: date) -> None:
        """返納: the certificate came back on `on`."""
        self.conn.execute(update(eligibility_certificates).where(_C.id == certificate_id)
                          .values(returned_on=on))

    def cancel(self, certificate_id: int, on: date, reason: str, by: str) -> None:
        """取消 of a certificate issued in error: not valid from `on`; its serial stays taken (D-128)."""
        self.conn.execute(update(eligibility_certificates).where(_C.id == certificate_id)
                          .values(cancelled_on=on, cancel_reason=reason, cancelled_by=by))

    def get(self, certificate_id: int) -> EligibilityCertificate | None:
        row = self.conn.execute(select(eligibility_certificates).where(_C.id == certificate_id)).first()
        return certificate_from_row(row) if row else None

    def of_member(self, member_id: int) -> list[EligibilityCertificate]:
        """A member's certificates in issue order."""
        return self.of_members([member_id]).get(member_id, [])

    def of_members(self, member_ids: Iterable[int]) -> dict[int, list[EligibilityCertificate]]:
        """The certificates of several members (one query), each member's in issue order."""
        found: dict[int, list[EligibilityCertificate]] = {}
        rows = self.conn.execute(select(eligibility_certificates)
                                 .where(_C.member_id.in_(sorted(set(member_ids)))).order_by(_C.id))
        for row in rows:
            found.setdefault(row.member_id, []).append(certificate_from_row(row))
        return found

    def of_run(self, run_id: int) -> list[tuple[EligibilityCertificate, int]]:
        """The run's certificates in mailing order — by employer (記号), then 番号 and 枝番 —
        each with its holder's family id."""
        m = members.c
        rows = self.conn.execute(select(eligibility_certificates, m.family_id)
                                 .join(members, m.id == _C.member_id).where(_C.run_id == run_id)
                                 .order_by(m.symbol, func.length(m.number), m.number, m.branch))
        return [(certificate_from_row(row), row.family_id) for row in rows]
