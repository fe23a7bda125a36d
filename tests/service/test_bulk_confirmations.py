"""一括照会 as use cases (service_layer.bulk_confirmations) against the in-memory fakes: a bulk is
stored whole, answered once in the order sent by whichever worker claims it, taken over when
its worker stops, seen only by its facility, and purged after seven days."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from shikaku.service_layer import bulk_confirmations as bulks
from shikaku.service_layer.auth import Actor, Forbidden, Role

DAY = date(2026, 4, 1)
HEADER = {"QualificationConfirmationDate": "20260401", "MedicalInstitutionCode": "1310112345"}
pytestmark = pytest.mark.usefixtures("online_ctx")


def searches(n: int) -> list[dict]:
    return [{"InsuredIdentificationNumber": str(i)} for i in range(1, n + 1)]


class Answers:
    """An `Answer` that records what it was asked (and can stop the worker after some items)."""

    def __init__(self, stop_after: int | None = None):
        self.asked: list[tuple[str, date, str]] = []
        self.stop_after = stop_after

    def __call__(self, facility: Actor, on: date, searches: list[dict]) -> list[dict]:
        return [self.one(facility, on, search) for search in searches]

    def one(self, facility: Actor, on: date, search: dict) -> dict:
        if self.stop_after is not None and len(self.asked) >= self.stop_after:
            raise KeyboardInterrupt  # the worker's process stops here
        self.asked.append((facility.subject, on, search["InsuredIdentificationNumber"]))
        return {"ProcessingResultStatus": "1", "number": search["InsuredIdentificationNumber"]}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(bulks, "CHUNK", 3)


def test_accepted_bulk_waits_then_is_answered_in_order(ctx, clinic):
    accepted = bulks.accept(ctx, clinic, HEADER, DAY, searches(7))
    assert len(accepted.reception_number) >= 16 and accepted.reception_number.isdigit()
    assert bulks.results(ctx, clinic, accepted.reception_number) is None
    answers = Answers()
    assert bulks.answer_pending(ctx, answers, "w1") == 1
    done = bulks.results(ctx, clinic, accepted.reception_number)
    assert done.header == HEADER and done.service_date == DAY
    assert [unit["number"] for _, unit in done.units] == [str(i) for i in range(1, 8)]
    assert [search for search, _ in done.units] == searches(7)
    assert answers.asked == [(clinic.subject, DAY, str(i)) for i in range(1, 8)]
    assert bulks.answer_pending(ctx, answers, "w1") == 0  # answered once


def test_a_stopped_worker_leaves_the_rest_to_the_next(ctx, clinic, monkeypatch):
    accepted = bulks.accept(ctx, clinic, HEADER, DAY, searches(10))
    with pytest.raises(KeyboardInterrupt):
        bulks.answer_pending(ctx, Answers(stop_after=7), "gone")  # two chunks of three stored
    # Its claim holds until the lease runs out without progress.
    assert bulks.answer_pending(ctx, Answers(), "next") == 0
    later = datetime.now(timezone.utc) + bulks.LEASE + timedelta(seconds=1)
    monkeypatch.setattr(bulks, "_now", lambda: later)
    rest = Answers()
    assert bulks.answer_pending(ctx, rest, "next") == 1
    assert [n for _, _, n in rest.asked] == [str(i) for i in range(7, 11)]  # the stored six stay
    done = bulks.results(ctx, clinic, accepted.reception_number)
    assert [unit["number"] for _, unit in done.units] == [str(i) for i in range(1, 11)]


def test_a_worker_that_lost_its_claim_stores_nothing(ctx, store, clinic):
    accepted = bulks.accept(ctx, clinic, HEADER, DAY, searches(4))
    number = accepted.reception_number

    def overtaken(facility, on, searches):  # another worker takes the bulk over meanwhile
        store.oqs_bulks[number]["claimed_by"] = "other"
        return [{"number": search["InsuredIdentificationNumber"]} for search in searches]

    assert bulks.answer_pending(ctx, overtaken, "slow") == 0
    assert all(units is None for _, units in store.oqs_bulks[number]["chunks"])


def test_another_facility_does_not_know_the_number(ctx, clinic):
    accepted = bulks.accept(ctx, clinic, HEADER, DAY, searches(1))
    bulks.answer_pending(ctx, Answers(), "w")
    stranger = Actor(Role.FACILITY, "1310199999")
    for number in (accepted.reception_number, "0" * bulks.RECEPTION_DIGITS):
        with pytest.raises(bulks.UnknownReception):
            bulks.results(ctx, stranger, number)
    with pytest.raises(Forbidden):
        bulks.results(ctx, Actor(Role.CLERK, "clerk"), accepted.reception_number)


@pytest.mark.parametrize("count", [0, bulks.MAX_ITEMS + 1])
def test_empty_or_too_large_bulks_are_refused_whole(ctx, store, clinic, count):
    with pytest.raises(bulks.BulkSize):
        bulks.accept(ctx, clinic, HEADER, DAY, searches(count))
    assert store.oqs_bulks == {}


def test_bulks_are_kept_seven_days(ctx, store, clinic, monkeypatch):
    accepted = bulks.accept(ctx, clinic, HEADER, DAY, searches(1))
    now = datetime.now(timezone.utc)
    monkeypatch.setattr(bulks, "_now", lambda: now + timedelta(days=6, hours=23))
    assert bulks.purge(ctx) == 0
    monkeypatch.setattr(bulks, "_now", lambda: now + timedelta(days=7, minutes=1))
    assert bulks.purge(ctx) == 1
    with pytest.raises(bulks.UnknownReception):
        bulks.results(ctx, clinic, accepted.reception_number)
