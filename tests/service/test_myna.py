"""The national side's card facts (service_layer.myna: マイナンバーカード, 健康保険証利用登録 and its
cancellation) against the in-memory unit of work."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.service_layer import members, myna
from shikaku.service_layer.auth import Actor, Role
from tests.service.test_members import MY_NUMBER, insured

ADMIN = Actor(Role.ADMIN, "admin")
CARD = "CARD-0001"
EXPIRES = date(2031, 3, 31)


@pytest.fixture
def card(ctx, store):
    return myna.add_card(ctx, ADMIN, MY_NUMBER, CARD, EXPIRES, pin="2580")


def test_a_card_is_stored_under_the_numbers_look_up_hash(ctx, store, card):
    assert card == {"card_id": CARD, "certificate_expires_on": EXPIRES, "insurance_registered_on": None,
                    "insurance_cancelled_on": None}
    assert store.cards == {ctx.vault.lookup_hash(MY_NUMBER): [MynaCard(CARD, EXPIRES)]}
    assert store.card_pins[CARD].pin_hash.startswith("$argon2") and store.card_pins[CARD].pin_failures == 0
    assert store.audit[-1] == dict(actor="admin", role="admin", action="myna.card", target=CARD,
                                   detail={"certificate_expires_on": "2031-03-31"})


def test_a_card_id_is_registered_once(ctx, store, card):
    before = (copy.deepcopy(store.cards), len(store.audit))
    with pytest.raises(DomainError) as refused:
        myna.add_card(ctx, ADMIN, "621498320257", CARD, EXPIRES)
    assert (refused.value.code, refused.value.status) == ("card_exists", 409)
    assert (store.cards, len(store.audit)) == before


def test_registration_makes_the_card_work_and_its_cancellation_ends_it(ctx, store, clerk, card):
    member = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    registered = myna.register_for_insurance(ctx, ADMIN, CARD, date(2026, 4, 10))
    assert registered["insurance_registered_on"] == date(2026, 4, 10)
    assert members.get_member(ctx, clerk, member.id, as_of=date(2026, 4, 10)).myna_usable
    myna.cancel_insurance_registration(ctx, ADMIN, CARD, date(2026, 5, 1))
    [stored] = store.cards[ctx.vault.lookup_hash(MY_NUMBER)]
    assert (stored.insurance_registered_on, stored.insurance_cancelled_on) == (date(2026, 4, 10), date(2026, 5, 1))
    assert not members.get_member(ctx, clerk, member.id, as_of=date(2026, 5, 1)).myna_usable
    again = myna.register_for_insurance(ctx, ADMIN, CARD, date(2026, 5, 20))  # starts anew
    assert (again["insurance_registered_on"], again["insurance_cancelled_on"]) == (date(2026, 5, 20), None)
    assert [a["action"] for a in store.audit[-3:]] == ["myna.registration", "myna.cancellation", "myna.registration"]


@pytest.mark.parametrize("call, code", [
    (lambda ctx: myna.register_for_insurance(ctx, ADMIN, CARD, date(2026, 5, 1)), "already_registered"),
    (lambda ctx: myna.cancel_insurance_registration(ctx, ADMIN, CARD, date(2026, 4, 9)), "invalid_period"),
    (lambda ctx: myna.cancel_insurance_registration(ctx, ADMIN, "NO-SUCH-CARD", date(2026, 5, 1)), "card_not_found"),
])
def test_refused_changes_store_nothing(ctx, store, card, call, code):
    myna.register_for_insurance(ctx, ADMIN, CARD, date(2026, 4, 10))
    before = (copy.deepcopy(store.cards), len(store.audit))
    with pytest.raises(DomainError) as refused:
        call(ctx)
    assert refused.value.code == code
    assert (store.cards, len(store.audit)) == before


def test_an_unregistered_card_cannot_be_cancelled(ctx, store, card):
    with pytest.raises(DomainError) as refused:
        myna.cancel_insurance_registration(ctx, ADMIN, CARD, date(2026, 5, 1))
    assert refused.value.code == "not_registered"
    assert store.cards[ctx.vault.lookup_hash(MY_NUMBER)] == [MynaCard(CARD, EXPIRES)]
