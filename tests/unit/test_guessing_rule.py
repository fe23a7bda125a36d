"""Birth-date guessing (DOMAIN.md §10, last line) at its boundaries: the number of different
birth dates and the 24-hour window; and the ledger that keeps the attempts."""
from __future__ import annotations

from datetime import date, timedelta

from shikaku.adapters.attempt_ledger import AttemptLedger
from shikaku.domain.guessing import is_guessing, window_seconds
from shikaku.domain.policy import DEFAULT_POLICY, Policy
from tests.helpers import Clock

DAY = 24 * 3600.0


def dates(n: int) -> list[date]:
    return [date(1980, 1, 1) + timedelta(days=i) for i in range(n)]


def test_five_different_birth_dates_are_allowed_the_sixth_is_guessing():
    assert not is_guessing(5, DEFAULT_POLICY)
    assert is_guessing(6, DEFAULT_POLICY)
    assert window_seconds(DEFAULT_POLICY) == DAY


def test_the_same_birth_date_again_is_no_new_attempt():
    ledger = AttemptLedger(DAY, clock=Clock())
    counts = [ledger.attempt("k", date(1980, 5, 10))[0] for _ in range(20)]
    assert counts == [1] * 20


def test_each_different_birth_date_counts_once():
    ledger = AttemptLedger(DAY, clock=Clock())
    assert [ledger.attempt("k", d)[0] for d in dates(7)] == [1, 2, 3, 4, 5, 6, 7]
    assert ledger.attempt("k", dates(1)[0])[0] == 7  # tried again: no new date


def test_attempts_older_than_24_hours_do_not_count():
    clock = Clock()
    ledger = AttemptLedger(DAY, clock=clock)
    for d in dates(5):
        ledger.attempt("k", d)
    clock.now += DAY  # exactly 24 hours later: outside the window
    assert ledger.attempt("k", date(2000, 1, 1))[0] == 1
    clock.now -= 1  # a second inside it, the five count again
    for d in dates(5):
        ledger.attempt("k", d)
    assert ledger.attempt("k", date(2000, 1, 2))[0] == 7


def test_limits_are_policy():
    strict = Policy(guessing_birth_dates=2, guessing_window_hours=1)
    assert is_guessing(3, strict) and not is_guessing(2, strict)
    assert window_seconds(strict) == 3600


def test_ledger_keeps_keys_apart_and_stays_bounded():
    clock = Clock()
    ledger = AttemptLedger(DAY, clock=clock, max_keys=10)
    for d in dates(3):
        ledger.attempt("guessed", d)
    for i in range(50):  # many single patients: forgotten first, the guess in progress kept
        ledger.attempt(f"patient-{i}", date(1990, 1, 1))
        clock.now += 1
    assert len(ledger._tried) <= 10
    assert ledger.attempt("guessed", date(2001, 1, 1))[0] == 4
    ledger.forget("guessed")
    assert ledger.attempt("guessed", date(2001, 1, 1))[0] == 1
