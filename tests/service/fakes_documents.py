"""In-memory fakes of the documents repositories (資格確認書, お知らせ・認定証, 交付番号) and of the
runs repository (職権交付・更新) for tests/service."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from shikaku.domain.certificates import (
    COMPLETED,
    RUNNING,
    CertificateReason,
    EligibilityCertificate,
    IssuedDocument,
    IssueRun,
)
from tests.service.fakes_verification import members_where

if TYPE_CHECKING:
    from tests.service.fakes import Store


def next_id(store: Store, name: str) -> int:
    """The next id of a kind of row (ids are never reused)."""
    store.ids[name] = store.ids.get(name, 0) + 1
    return store.ids[name]


class FakeCertificates:
    def __init__(self, store: Store):
        self.store = store

    def add(self, member_id: int, serial: str, reason: CertificateReason, issued_on: date,
            valid_from: date, expires_on: date, *, run_id: int | None = None,
            override_note: str | None = None) -> int:
        if run_id is not None and any(c.run_id == run_id and c.member_id == member_id
                                      for c in self.store.certificates):
            raise AssertionError("a run issues at most one card per member")
        cert = EligibilityCertificate(next_id(self.store, "certificate"), member_id, serial, reason, issued_on,
                                      valid_from, expires_on, None, run_id, override_note)
        self.store.certificates.append(cert)
        return cert.id

    def supersede(self, serials: Iterable[str], on: date) -> None:
        wanted = set(serials)
        self.store.certificates = [dataclasses.replace(c, superseded_on=on) if c.serial in wanted else c
                                   for c in self.store.certificates]

    def mark_returned(self, certificate_id: int, on: date) -> None:
        self.store.certificates = [dataclasses.replace(c, returned_on=on) if c.id == certificate_id else c
                                   for c in self.store.certificates]

    def cancel(self, certificate_id: int, on: date, reason: str, by: str) -> None:
        self.store.certificates = [dataclasses.replace(c, cancelled_on=on, cancel_reason=reason, cancelled_by=by)
                                   if c.id == certificate_id else c for c in self.store.certificates]

    def get(self, certificate_id: int) -> EligibilityCertificate | None:
        return next((c for c in self.store.certificates if c.id == certificate_id), None)

    def of_member(self, member_id: int) -> list[EligibilityCertificate]:
        return self.of_members([member_id]).get(member_id, [])

    def of_members(self, member_ids: Iterable[int]) -> dict[int, list[EligibilityCertificate]]:
        wanted, found = set(member_ids), {}
        for cert in self.store.certificates:
            if cert.member_id in wanted:
                found.setdefault(cert.member_id, []).append(cert)
        return found

    def of_run(self, run_id: int) -> list[tuple[EligibilityCertificate, int]]:
        identities = {r.member_id: r.identity for r, _ in members_where(self.store, lambda r: True)}

        def mailing(cert: EligibilityCertificate):
            i = identities[cert.member_id]
            return i.symbol, len(i.number), i.number, i.branch
        ordered = sorted((c for c in self.store.certificates if c.run_id == run_id), key=mailing)
        return [(c, identities[c.member_id].family_id) for c in ordered]


class FakeDocuments:
    def __init__(self, store: Store):
        self.store = store

    def add(self, member_id: int, kind: str, serial: str | None, issued_on: date,
            valid_from: date | None, valid_until: date | None, detail: Mapping[str, Any]) -> int:
        doc = IssuedDocument(next_id(self.store, "document"), member_id, kind, serial, issued_on,
                             valid_from, valid_until, dict(detail))
        self.store.documents.append(doc)
        return doc.id

    def cancel(self, document_id: int, on: date, reason: str, by: str) -> None:
        self.store.documents = [dataclasses.replace(d, cancelled_on=on, cancel_reason=reason, cancelled_by=by)
                                if d.id == document_id else d for d in self.store.documents]

    def get(self, document_id: int) -> IssuedDocument | None:
        return next((d for d in self.store.documents if d.id == document_id), None)

    def of_member(self, member_id: int) -> list[IssuedDocument]:
        return [d for d in self.store.documents if d.member_id == member_id]


class FakeSerials:
    def __init__(self, store: Store):
        self.store = store

    def next(self, kind: str) -> int:
        self.store.serials[kind] = self.store.serials.get(kind, 0) + 1
        return self.store.serials[kind]


class FakeCertificateRuns:
    def __init__(self, store: Store):
        self.store = store

    def get(self, run_id: int) -> IssueRun | None:
        return self.store.runs.get(run_id)

    def unfinished(self, kind: str, run_on: date, cohort: str, dry_run: bool) -> int | None:
        return next((r.id for r in self.store.runs.values() if (r.kind, r.run_on, r.cohort, r.dry_run, r.status)
                     == (kind, run_on, cohort, dry_run, RUNNING)), None)

    def add(self, kind: str, run_on: date, cohort: str, dry_run: bool, started_at: datetime) -> int:
        run = IssueRun(next_id(self.store, "run"), kind, run_on, cohort, dry_run, RUNNING, 0, 0, 0, started_at)
        self.store.runs[run.id] = run
        return run.id

    def latest(self, limit: int) -> list[IssueRun]:
        return sorted(self.store.runs.values(), key=lambda r: r.id, reverse=True)[:limit]

    def next_batch(self, after: int, limit: int) -> list[tuple[int, int]]:
        return [(r.member_id, f.family_id) for r, f in members_where(self.store, lambda r: r.member_id > after)][:limit]

    def advance(self, run_id: int, issued: int, skipped: int, last_member_id: int) -> None:
        run = self.store.runs[run_id]
        self.store.runs[run_id] = dataclasses.replace(run, issued=run.issued + issued, skipped=run.skipped + skipped,
                                                      last_member_id=last_member_id)

    def complete(self, run_id: int, finished_at: datetime) -> None:
        self.store.runs[run_id] = dataclasses.replace(self.store.runs[run_id], status=COMPLETED,
                                                      finished_at=finished_at)

    def position(self, last_member_id: int) -> tuple[int, int]:
        ids = [r.member_id for r, _ in members_where(self.store, lambda r: True)]
        return sum(1 for i in ids if i <= last_member_id), len(ids)
