"""マイナ保険証 readiness with its reason for the staff (R-MYNA-1…3, -5, -6), at the boundary dates."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.myna import MynaCard, Unusable, myna_usable, readiness
from shikaku.domain.policy import DEFAULT_POLICY
from tests.builders import myna_card

ONE_DAY = timedelta(days=1)
PUBLISHED = date(2025, 12, 2)  # registered Fri 2025-11-28 (R-MYNA-2)


def test_without_a_my_number_the_record_is_not_online():
    found = readiness(None, [myna_card()], date(2026, 1, 5), DEFAULT_POLICY)
    assert (found.ready, found.reason) == (False, Unusable.NO_MY_NUMBER)
    assert "個人番号が登録されていない" in found.message


def test_publication_on_the_second_business_day():
    before = readiness(PUBLISHED, [myna_card()], PUBLISHED - ONE_DAY, DEFAULT_POLICY)
    assert before.reason is Unusable.NOT_PUBLISHED
    assert "翌々営業日の令和7年12月2日から" in before.message
    assert "また" not in before.message  # the card will work then
    assert readiness(PUBLISHED, [myna_card()], PUBLISHED, DEFAULT_POLICY).ready


def test_before_publication_the_card_side_is_told_too():
    found = readiness(PUBLISHED, [], PUBLISHED - ONE_DAY, DEFAULT_POLICY)
    assert found.reason is Unusable.NOT_PUBLISHED
    assert "カード未取得" in found.message


def test_no_card_and_no_use_registration():
    assert readiness(PUBLISHED, [], PUBLISHED, DEFAULT_POLICY).reason is Unusable.NO_CARD
    not_yet = myna_card(registered_on=date(2026, 2, 10))
    assert readiness(PUBLISHED, [not_yet], date(2026, 2, 9), DEFAULT_POLICY).reason is Unusable.NOT_REGISTERED
    assert readiness(PUBLISHED, [not_yet], date(2026, 2, 10), DEFAULT_POLICY).ready


def test_expired_certificate_works_through_the_grace_then_not():
    expired = myna_card(expires_on=date(2026, 1, 15))  # grace to the end of April (R-MYNA-5)
    on_expiry = readiness(PUBLISHED, [expired], date(2026, 1, 15), DEFAULT_POLICY)
    assert on_expiry.ready and not on_expiry.in_grace
    after = readiness(PUBLISHED, [expired], date(2026, 1, 16), DEFAULT_POLICY)
    assert after.ready and after.in_grace and "令和8年4月30日まで" in after.message
    last = readiness(PUBLISHED, [expired], date(2026, 4, 30), DEFAULT_POLICY)
    assert last.ready and last.in_grace
    past = readiness(PUBLISHED, [expired], date(2026, 5, 1), DEFAULT_POLICY)
    assert past.reason is Unusable.CERTIFICATE_EXPIRED
    assert "令和8年1月15日" in past.message and "令和8年4月30日まで" in past.message


def test_cancelled_registration_from_its_day():
    cancelled = myna_card(cancelled_on=date(2026, 3, 1))
    assert readiness(PUBLISHED, [cancelled], date(2026, 2, 28), DEFAULT_POLICY).ready
    found = readiness(PUBLISHED, [cancelled], date(2026, 3, 1), DEFAULT_POLICY)
    assert found.reason is Unusable.CANCELLED and "令和8年3月1日に" in found.message


def test_one_working_card_is_enough():
    old = myna_card(expires_on=date(2025, 1, 31))
    assert readiness(PUBLISHED, [old, myna_card()], date(2026, 6, 1), DEFAULT_POLICY).ready


days = st.dates(date(2025, 6, 1), date(2027, 6, 1))


@given(days, st.one_of(st.none(), days), st.lists(st.tuples(days, st.one_of(st.none(), days),
                                                           st.one_of(st.none(), days)), max_size=3))
def test_ready_agrees_with_myna_usable(on, online_from, raw_cards):
    cards = [MynaCard(f"c{i}", expires, registered, cancelled)
             for i, (expires, registered, cancelled) in enumerate(raw_cards)]
    found = readiness(online_from, cards, on, DEFAULT_POLICY)
    assert found.ready == myna_usable(online_from, cards, on, DEFAULT_POLICY)
    assert found.message
