"""住所・送付先 (issue 14, item 2; D-116, D-117): the postcode and address as typed, where a
document goes (自宅, the household's, the 事業所) and the postal order of a print file."""
from __future__ import annotations

import pytest

from shikaku.domain.addresses import (
    Address,
    EmployerPost,
    MailTo,
    delivery,
    normalize_address,
    normalize_postcode,
    postal_key,
)
from shikaku.domain.errors import DomainError

HOME = Address("150-0001", "東京都渋谷区神宮前1-1")
HOUSEHOLD = Address("060-0001", "北海道札幌市中央区北一条西1-1")
EMPLOYER = EmployerPost("試験株式会社", "100-0001", "東京都千代田区千代田1-1")


@pytest.mark.parametrize("typed", ["1500001", "150-0001", "〒150-0001", "１５０－０００１", "150ー0001", " 150 0001 "])
def test_postcode_forms_a_clerk_types(typed):
    assert normalize_postcode(typed) == "150-0001"


@pytest.mark.parametrize("typed", ["", "150001", "15000011", "150-000a", "一五〇〇〇〇一"])
def test_postcode_not_seven_digits_is_refused(typed):
    with pytest.raises(DomainError) as refused:
        normalize_postcode(typed)
    assert refused.value.code == "invalid_postcode"


def test_address_is_normalised_and_limited_to_200_characters():
    assert normalize_address("東京都渋谷区　神宮前１ー２−３  ﾋﾞﾙ") == "東京都渋谷区 神宮前1-2-3 ビル"
    assert len(normalize_address("あ" * 200)) == 200
    with pytest.raises(DomainError) as refused:
        normalize_address("あ" * 201)
    assert refused.value.code == "too_long"
    with pytest.raises(DomainError):
        normalize_address("  ")


def test_mail_to_must_be_home_or_employer():
    assert Address.typed("1500001", "渋谷", "employer").mail_to is MailTo.EMPLOYER
    with pytest.raises(DomainError) as refused:
        Address.typed("1500001", "渋谷", "office")
    assert refused.value.code == "invalid_mail_to"


def test_home_address_block():
    found = delivery("山田　太郎", HOME, HOUSEHOLD, EMPLOYER)
    assert found.lines == ("〒150-0001", "東京都渋谷区神宮前1-1", "山田　太郎　様") and not found.via_employer


def test_a_dependent_without_an_address_uses_the_household_in_their_own_name():
    found = delivery("山田　花子", None, HOUSEHOLD, None)
    assert found.postcode == "060-0001" and found.lines[-1] == "山田　花子　様"


def test_mail_to_employer_names_the_company_then_the_person():
    found = delivery("山田　太郎", Address(HOME.postcode, HOME.address, MailTo.EMPLOYER), None, EMPLOYER)
    assert found.lines == ("〒100-0001", "東京都千代田区千代田1-1", "試験株式会社", "山田　太郎　様")
    assert found.via_employer


def test_employer_that_mails_for_its_members_only_when_no_address_is_kept():
    via = EmployerPost("試験株式会社", "100-0001", "東京都千代田区千代田1-1", mail_via=True)
    assert delivery("山田　太郎", None, None, via).via_employer
    assert not delivery("山田　太郎", HOME, None, via).via_employer


def test_nowhere_to_go():
    assert delivery("山田　太郎", None, None, None) is None
    no_place = EmployerPost("試験株式会社", None, None, mail_via=True)
    assert delivery("山田　太郎", Address(HOME.postcode, HOME.address, MailTo.EMPLOYER), None, no_place) is None


def test_postal_order_by_postcode_then_address_then_id_with_nowhere_last():
    north = delivery("甲", HOUSEHOLD, None, None)
    tokyo_a = delivery("乙", Address("150-0001", "A"), None, None)
    tokyo_b = delivery("丙", Address("150-0001", "B"), None, None)
    keys = {"tokyo_b": postal_key(tokyo_b, 1), "none_early": postal_key(None, 2), "tokyo_a": postal_key(tokyo_a, 9),
            "north": postal_key(north, 8), "none_late": postal_key(None, 3)}
    assert sorted(keys, key=keys.get) == ["north", "tokyo_a", "tokyo_b", "none_early", "none_late"]
