"""Online verification results (DOMAIN.md §10): the validity codes 1–5."""
from __future__ import annotations

from datetime import date

from shikaku.domain.verification import Validity as V
from shikaku.domain.verification import by_card_data, by_person
from tests.unit.test_registry import Family

ON = date(2026, 5, 11)


def records():
    """An insured who left on 2025-04-01 and the same person re-enrolled under a new number."""
    old, new = Family("7001", "1"), Family("7002", "9")
    a = old.insured()
    old.lose(a, date(2025, 4, 1))
    b = new.insured(qualified_on=date(2025, 4, 1))
    return old.history.visible_state(a, ON), new.history.visible_state(b, ON)


def test_codes_match_the_national_interface():
    assert [v.code for v in V] == ["1", "2", "3", "4", "5"]
    assert [v.word for v in V] == ["valid", "invalid", "invalid_new_qualification", "not_found", "multiple"]


def test_by_card_data():
    lost, current = records()
    assert by_card_data([], []).validity is V.NOT_FOUND
    assert by_card_data([current, current], []).validity is V.MULTIPLE
    assert by_card_data([current], []).validity is V.VALID
    assert by_card_data([lost], []).validity is V.INVALID
    verdict = by_card_data([lost], [current])
    assert verdict.validity is V.NEW_QUALIFICATION and verdict.state is lost


def test_by_person_prefers_the_record_in_force():
    lost, current = records()
    assert by_person([lost, current]).state is current
    assert by_person([]).validity is V.NOT_FOUND
    only_lost = by_person([lost])
    assert only_lost.validity is V.INVALID and only_lost.state is lost
    assert by_person([current, current]).validity is V.MULTIPLE
