"""Online verification results (DOMAIN.md §10): the validity codes 1–5, what a facility is told,
and the printed numbers as the registry keeps them (R-NUM-4)."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import CertificateReason, HeldCertificate
from shikaku.domain.verification import (
    CardsOnFile,
    Verdict,
    by_card_data,
    by_person,
    card_numbers,
    elderly_status,
    facility_answer,
    needs_same_person,
)
from shikaku.domain.verification import Validity as V
from tests.builders import Family

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


# ------------------------------------------------------------------ R-NUM-4: the printed numbers

@pytest.mark.parametrize(("typed", "kept"), [
    (("1234", "1", "00"), ("1234", "1", "00")),
    (("１２３４", "１", "０"), ("1234", "1", "00")),  # full width, a one-digit 枝番
    (("12 34", "1-2", "1"), ("1234", "12", "01")),  # spaces and hyphens as people type them
    (("1234", "1", None), ("1234", "1", None)),  # no 枝番: any
    (("1234", "1", ""), ("1234", "1", None)),
])
def test_r_num_4_card_numbers(typed, kept):
    assert card_numbers(*typed) == kept


# ------------------------------------------------------------------ DOMAIN.md §10: 2 or 3

def test_the_same_person_is_read_only_for_one_lost_record_with_a_my_number():
    lost, current = records()
    assert needs_same_person([(lost, "hash")])
    assert not needs_same_person([(lost, None)])  # no 個人番号 links it (erased)
    assert not needs_same_person([(current, "hash")])  # in force: 1
    assert not needs_same_person([(lost, "hash"), (lost, "hash")])  # several: 5
    assert not needs_same_person([])  # none: 4


# ------------------------------------------------------------------ DOMAIN.md §10: what is told

def test_not_found_tells_nothing_about_anyone():
    body = facility_answer(Verdict(V.NOT_FOUND, None), ON, True, "06139992", "組合")
    assert body == {"validity": "not_found", "validity_code": "4", "copay_ratio": None, "preschool": None,
                    "elderly": None, "limit": None, "specific_diseases": []}


def test_a_lost_record_is_told_without_benefits():
    lost, _ = records()
    body = facility_answer(Verdict(V.INVALID, lost), ON, True, "06139992", "組合")
    assert body["validity_code"] == "2" and body["member"]["disqualified_on"] == date(2025, 4, 1)
    assert (body["copay_ratio"], body["preschool"], body["limit"], body["specific_diseases"]) == (None, None, None, [])


def test_a_valid_record_is_told_with_the_limit_only_on_consent():
    _, current = records()
    told = facility_answer(Verdict(V.VALID, current), ON, True, "06139992", "組合")
    withheld = facility_answer(Verdict(V.VALID, current), ON, False, "06139992", "組合")
    assert told["copay_ratio"] == 30 and told["preschool"] is False and told["limit"]["code"]
    assert withheld["limit"] is None and {**withheld, "limit": told["limit"]} == told
    member = told["member"]
    assert set(member) == {"insurer_number", "insurer_name", "symbol", "number", "branch", "relationship_code",
                           "name", "name_kana", "birth_date", "sex", "qualified_on", "disqualified_on"}
    assert (member["insurer_number"], member["relationship_code"], member["symbol"]) == ("06139992", "1", "7002")


def test_elderly_status_from_the_month_after_reaching_70():
    """R-RATIO-3: born 1955-06-02 → 高齢受給者 from 2025-07-01 through the day before the 75th birthday."""
    family = Family()
    member = family.insured(birth=date(1955, 6, 2), qualified_on=date(2020, 4, 1))
    assert elderly_status(family.history.state(member, date(2025, 6, 30)), date(2025, 6, 30)) is None
    status = elderly_status(family.history.state(member, date(2025, 7, 1)), date(2025, 7, 1))
    assert (status["valid_from"], status["valid_until"]) == (date(2025, 7, 1), date(2030, 6, 1))


def _certificate(valid_from: date, expires_on: date, superseded_on=None, cancelled_on=None) -> HeldCertificate:
    return HeldCertificate("Q00000001", CertificateReason.NO_CARD, valid_from, expires_on, superseded_on, cancelled_on)


def test_d_174_the_issue_date_of_the_certificate_held_on_its_face():
    """R-CERT-5 / R-CERT-6: the 交付年月日 sent is the latest 資格確認書 valid on its face on the
    day — from its valid-from day through its expiry, until a reissue supersedes it."""
    first = (date(2025, 3, 1), _certificate(date(2025, 3, 3), date(2026, 7, 31), superseded_on=date(2026, 2, 2)))
    reissue = (date(2026, 1, 30), _certificate(date(2026, 2, 2), date(2027, 7, 31)))
    cards = CardsOnFile((first, reissue))
    assert cards.issued_on_of_card_held(date(2025, 3, 2)) is None  # issued, not valid yet
    assert cards.issued_on_of_card_held(date(2025, 3, 3)) == date(2025, 3, 1)
    assert cards.issued_on_of_card_held(date(2026, 2, 1)) == date(2025, 3, 1)
    assert cards.issued_on_of_card_held(date(2026, 2, 2)) == date(2026, 1, 30)  # the reissue from its day
    assert cards.issued_on_of_card_held(date(2027, 7, 31)) == date(2026, 1, 30)
    assert cards.issued_on_of_card_held(date(2027, 8, 1)) is None


def test_d_174_a_cancelled_certificate_gives_way_to_the_legacy_card():
    """R-LEG-2: without a 資格確認書 valid on its face, the latest legacy card valid on its face
    (issued by then, through its valid-until day); a cancelled certificate is not valid from
    the day of its cancellation (D-128)."""
    cancelled = (date(2025, 5, 1), _certificate(date(2025, 5, 1), date(2026, 7, 31), cancelled_on=date(2025, 6, 1)))
    cards = CardsOnFile((cancelled,), ((date(2023, 4, 1), date(2025, 12, 1)), (date(2024, 4, 1), date(2025, 12, 1))))
    assert cards.issued_on_of_card_held(date(2025, 5, 31)) == date(2025, 5, 1)
    assert cards.issued_on_of_card_held(date(2025, 6, 1)) == date(2024, 4, 1)
    assert cards.issued_on_of_card_held(date(2024, 3, 31)) == date(2023, 4, 1)  # the later card not issued yet
    assert cards.issued_on_of_card_held(date(2025, 12, 1)) == date(2024, 4, 1)
    assert cards.issued_on_of_card_held(date(2025, 12, 2)) is None
    assert CardsOnFile().issued_on_of_card_held(date(2025, 6, 1)) is None  # a マイナ保険証 user
