"""The codec of typed registrations (domain.registrations): what is stored, and what a stored
registration decodes to."""
from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from shikaku.domain.errors import DomainError
from shikaku.domain.registrations import (
    NO_DATA,
    Amended,
    Certified,
    Disqualified,
    Enrolled,
    amendment,
    as_dict,
    decode,
    encode,
)

INSURED = Enrolled("山田 太郎", "ヤマダ タロウ", date(1980, 1, 2), "1", standard_monthly_remuneration=300_000)
DEPENDENT = Enrolled("山田 花子", "ヤマダ ハナコ", date(2015, 5, 5), "2", kinship="child",
                     certificate_requested=True, with_my_number=True)
SAMPLES = [("enrolment", INSURED), ("enrolment", DEPENDENT),
           ("amendment", Amended({"name": "佐藤 太郎", "coverage_ends_on": None})),
           ("amendment", Amended({"birth_date": date(1980, 1, 3)})),
           ("disqualification", Disqualified("retirement")),
           ("certification", Certified("limit", date(2027, 7, 31), category_code="26")),
           ("certification", Certified("specific_disease", disease="hemophilia", limit_yen=10_000)),
           ("my_number", NO_DATA)]


@pytest.mark.parametrize("kind,data", SAMPLES)
def test_every_kind_decodes_to_what_was_encoded(kind, data):
    decoded = decode(kind, encode(data))
    assert decoded == data and type(decoded) is type(data)
    assert encode(decoded) == encode(data) and as_dict(decoded) == as_dict(data)


def test_stored_form_has_iso_dates_and_leaves_defaults_out():
    assert encode(INSURED) == {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-01-02",
                               "sex": "1", "coverage_ends_on": None, "with_my_number": False,
                               "standard_monthly_remuneration": 300_000}
    assert as_dict(Certified("limit", date(2027, 7, 31)))["valid_until"] == date(2027, 7, 31)


def test_a_decoded_field_left_out_reads_its_default():
    decoded = decode("enrolment", {"name": "a", "name_kana": "ア", "birth_date": "2000-01-01", "sex": "2"})
    assert (decoded.kinship, decoded.certificate_requested, decoded.resident_tax_exempt) == (None, False, None)
    assert decoded.attributes() == {"name": "a", "name_kana": "ア", "birth_date": date(2000, 1, 1),
                                    "sex": "2", "coverage_ends_on": None}


def test_decoding_leaves_the_stored_object_as_it_was():
    stored = encode(INSURED)
    decode("enrolment", stored)
    assert stored["birth_date"] == "1980-01-02"


@pytest.mark.parametrize("kind,stored", [
    ("enrolment", {**encode(INSURED), "address": "東京都"}),  # a key no release wrote
    ("enrolment", {"name": "a", "birth_date": "2000-01-01"}),  # required keys missing
    ("disqualification", {"because": "retirement"}),
    ("amendment", {"symbol": "0001"}),  # not amendable
])
def test_a_stored_form_that_does_not_fit_its_kind_is_refused(kind, stored):
    with pytest.raises(ValueError):
        decode(kind, stored)


def test_decoded_data_is_frozen():
    decoded = decode("enrolment", encode(INSURED))
    with pytest.raises(FrozenInstanceError):
        decoded.name = "x"
    with pytest.raises(FrozenInstanceError):
        decode("amendment", {"name": "x"}).changes = {}


def test_an_amendment_changes_something_amendable():
    with pytest.raises(DomainError) as refused:
        amendment({})
    assert refused.value.code == "nothing_to_change"
    with pytest.raises(ValueError):
        Amended({"number": "12"})
