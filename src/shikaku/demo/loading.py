"""Loading the demo society: each planned family (`demo.population`) becomes the registrations
the `Family` aggregate makes of it — 資格取得届, 被扶養者異動届, 個人番号の登録, 変更届 (氏名変更),
資格喪失届, in the order they were received — with a `BulkLedger` for ids, order, 番号 and
公開日, and is written in batches through `adapters.db.bulk` (`FamilyWriter` for the families,
`TableWriter` for the cards). The loader decides nothing: a plan the aggregate refuses raises
its `DomainError`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from ..adapters.db.bulk import BulkLedger, FamilyWriter, TableWriter
from ..adapters.db.schema import legacy_cards, member_addresses, myna_cards
from ..domain.employers import Employer
from ..domain.family import Family, SealedMyNumber
from ..domain.legacy import check_legacy_card_issue, legacy_card_valid_until
from ..domain.registrations import Enrolled
from ..domain.registry import Kind, LossReason
from ..service_layer.context import Context
from ..service_layer.members import seal
from .employers import home_addresses
from .population import Days, Person

BATCH_MEMBERS = 20_000  # members per batch (their registrations, cards … with them)
_SEX = ("male", "female")
_CARD_COLUMNS = ("card_id", "my_number_hash", "certificate_expires_on", "insurance_registered_on",
                 "insurance_cancelled_on")
_LEGACY_COLUMNS = ("member_id", "issued_on", "expires_on", "valid_until")
_ADDRESS_COLUMNS = ("member_id", "postcode", "address", "mail_to", "updated_on")
# Steps of a family's history on one day, in the order received: enrolment, 個人番号, 変更, loss.
_ENROL, _MY_NUMBER, _RENAME, _LOSS = range(4)


@dataclass
class Counts:
    """What was loaded, for the summary."""

    families: int = 0
    insured: int = 0
    dependents: int = 0
    lost: int = 0
    with_my_number: int = 0
    my_number_later: int = 0
    renamed: int = 0
    cards: int = 0
    myna_registered: int = 0
    myna_cancelled: int = 0
    legacy_cards: int = 0


class Loader:
    """Writes planned families through the aggregate, in one transaction that holds the write
    lock of the loaded tables (`bulk.lock_exclusive`)."""

    def __init__(self, ctx: Context, conn: Connection, days: Days | None = None,
                 employers: dict[str, Employer] | None = None):
        self.ledger = BulkLedger(conn, ctx.calendar)
        self.employers = employers or {}  # 事業所 by 記号: enrolments are checked against them (D-111)
        self.families = FamilyWriter(conn)
        self.writers = (TableWriter(conn, myna_cards, _CARD_COLUMNS),
                        TableWriter(conn, legacy_cards, _LEGACY_COLUMNS),
                        TableWriter(conn, member_addresses, _ADDRESS_COLUMNS))
        self.card_rows: list[tuple] = []
        self.legacy_rows: list[tuple] = []
        self.address_rows: list[tuple] = []
        self.homes = home_addresses(0)  # 住所 of the families, drawn by the insured's id
        self.policy = ctx.policy
        self.days = Days() if days is None else days
        self.vault = ctx.vault.storing  # seals each 個人番号 (D-11)
        self._valid_until: dict[tuple, str] = {}
        self.counts = Counts()
        self.pending = 0  # members collected since the last flush

    def load(self, symbol: str, people: list[Person]) -> Family:
        """A new family of 記号 `symbol` (the insured first, then the dependents in order of
        enrolment): its registrations in the order received — by day; on one day enrolment,
        個人番号, 変更, loss; then by 枝番 — collected for the next flush."""
        ledger, days = self.ledger, self.days
        family = Family.open(ledger, symbol, None, None)
        ids = [0] * len(people)
        sealed = [None if p.my_number is None else seal(self.vault, p.my_number) for p in people]
        for registered, step, index in _steps(people):
            person, on = people[index], days[registered]
            if step == _ENROL:
                ids[index] = self._enrol(family, person, index, on,
                                         None if person.my_number_on else sealed[index])
            elif step == _MY_NUMBER:
                family.register_my_number(ledger, ids[index], sealed[index], on)
            elif step == _RENAME:
                family.amend(ledger, ids[index], {"name": person.name, "name_kana": person.kana},
                             days[person.renamed], on)
            else:
                family.disqualify(ledger, ids[index], days[person.lost], LossReason(person.reason), on)
        for index, person in enumerate(people):
            if person.loss_corrected_to:  # the showcase's corrected 資格喪失日 (D-124)
                loss = next(r for r in family.new_registrations
                            if r.member_id == ids[index] and r.kind is Kind.DISQUALIFICATION)
                family.correct(ledger, ids[index], loss.seq, "資格喪失届の喪失日の誤記（退職日の確認による）",
                               "tanto", days[person.loss_corrected_on], days[person.loss_corrected_to])
        self.families.add(family, existing=False)
        self._cards_of(people, ids, sealed)
        self._home_of(people, ids, symbol)
        self._count(people)
        return family

    def _enrol(self, family: Family, person: Person, index: int, registered_on: date,
               my_number: SealedMyNumber | None) -> int:
        """資格取得届 of the insured (index 0) or 被扶養者異動届 of a dependent."""
        days = self.days
        name, kana = person.former or (person.name, person.kana)
        birth_date, qualified_on, sex = days[person.birth], days[person.qualified], _SEX[person.female]
        with_my_number = my_number is not None
        if index == 0:
            enrolment = Enrolled(name, kana, birth_date, sex, with_my_number=with_my_number,
                                 standard_monthly_remuneration=person.remuneration,
                                 resident_tax_exempt=person.exempt)
            return family.enrol_insured(self.ledger, enrolment, qualified_on, registered_on, my_number,
                                        employer=self.employers.get(family.symbol),
                                        employers_kept=bool(self.employers)).member_id
        enrolment = Enrolled(name, kana, birth_date, sex, with_my_number=with_my_number, kinship=person.role)
        return family.add_dependent(self.ledger, enrolment, qualified_on, registered_on, my_number).member_id

    def _cards_of(self, people: list[Person], ids: list[int], sealed: list) -> None:
        """The マイナンバーカード (by the 個人番号's look-up hash) and 健康保険証 (R-LEG-1, R-LEG-2)."""
        days, iso, counts = self.days, _iso, self.counts
        for person, member_id, my_number in zip(people, ids, sealed):
            card = person.card
            if card is not None:
                self.card_rows.append((card.card_id, my_number.digest, card.expires.isoformat(),
                                       iso(days, card.registered), iso(days, card.cancelled)))
                counts.cards += 1
                counts.myna_registered += bool(card.registered and not card.cancelled)
                counts.myna_cancelled += bool(card.cancelled)
            if person.legacy is not None:
                issued, expires = person.legacy
                check_legacy_card_issue(days[issued], days[person.qualified])
                self.legacy_rows.append((member_id, days[issued].isoformat(),
                                         expires.isoformat() if expires else None,
                                         self._legacy_valid_until(issued, expires)))
                counts.legacy_cards += 1

    def _home_of(self, people: list[Person], ids: list[int], symbol: str) -> None:
        """The family's 住所, kept on the insured as of the 資格取得届: the dependents'
        documents go where the insured's go (D-160); 送付先 is 自宅, or the 事業所 where the
        society mails through that employer (D-164)."""
        postcode, address = self.homes[ids[0] % len(self.homes)]
        employer = self.employers.get(symbol)
        mail_to = "employer" if employer is not None and employer.mail_via else "home"
        self.address_rows.append((ids[0], postcode, address, mail_to, self.days[people[0].registered].isoformat()))

    def _legacy_valid_until(self, issued: int, expires: date | None) -> str:
        """R-LEG-2, remembered per (交付日, 有効期限)."""
        key = (issued, expires)
        valid_until = self._valid_until.get(key)
        if valid_until is None:
            valid_until = self._valid_until[key] = legacy_card_valid_until(
                self.days[issued], expires, self.policy).isoformat()
        return valid_until

    def _count(self, people: list[Person]) -> None:
        counts = self.counts
        counts.families += 1
        counts.insured += 1
        counts.dependents += len(people) - 1
        counts.lost += len(people) if people[0].lost else sum(1 for p in people if p.lost)
        counts.with_my_number += sum(1 for p in people if p.my_number)
        counts.my_number_later += sum(1 for p in people if p.my_number_on)
        counts.renamed += sum(1 for p in people if p.renamed)
        self.pending += len(people)

    def flush(self) -> None:
        """Writes what was collected: the families first (the cards refer to their members)."""
        self.families.flush()
        for writer, rows in zip(self.writers, (self.card_rows, self.legacy_rows, self.address_rows)):
            writer.write(rows)
            rows.clear()
        self.pending = 0

    def finish(self) -> None:
        """The last batch, the 番号 counters and the id sequences."""
        self.flush()
        self.ledger.finish()


def _steps(people: list[Person]) -> list[tuple[int, int, int]]:
    """(登録日, step, index of the person) of a family's registrations, in the order received."""
    steps = []
    for index, person in enumerate(people):
        steps.append((person.registered, _ENROL, index))
        if person.my_number_on:
            steps.append((person.my_number_on, _MY_NUMBER, index))
        if person.renamed:
            steps.append((person.renamed_registered, _RENAME, index))
        if person.lost:
            steps.append((person.lost_registered, _LOSS, index))
    return sorted(steps)


def _iso(days: Days, ordinal: int) -> str | None:
    return days[ordinal].isoformat() if ordinal else None
