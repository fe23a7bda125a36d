"""OQS messages from the verification's answer (entrypoints/oqs/messages.py, OQS.md §1.1): a
search info read into the card-data query, and the answer of the domain written as
ResultOfQualificationConfirmation — every element, in order, and only what the same answer
of the JSON API holds."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shikaku.domain.registry import Kind, LossReason
from shikaku.domain.verification import Validity, Verdict, answer_details, facility_answer
from shikaku.entrypoints.oqs import codes, messages
from shikaku.entrypoints.oqs.codes import InvalidQuery, Unreadable
from shikaku.service_layer.auth import Actor, Role
from shikaku.service_layer.context import JAPAN
from tests.builders import Family

ON = date(2026, 4, 1)
AT = datetime(2026, 4, 1, 9, 30, 12, tzinfo=JAPAN)
ORDER = ["InsuredCardClassification", "InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber",
         "InsuredBranchNumber", "PersonalFamilyClassification", "Name", "NameKana", "Sex1", "Birthdate",
         "QualificationDate", "DisqualificationDate", "InsuredCertificateIssuanceDate", "InsuredCardValidDate",
         "InsuredCardExpirationDate", "InsuredPartialContributionRatio", "PreschoolClassification", "ReasonOfLoss",
         "InsurerName", "ElderlyRecipientCertificateInfo", "LimitApplicationCertificateRelatedConsFlg",
         "LimitApplicationCertificateRelatedConsTime", "LimitApplicationCertificateRelatedInfo",
         "SpecificDiseasesCertificateRelatedConsFlg", "SpecificDiseasesCertificateRelatedConsTime",
         "SpecificDiseasesCertificateList"]


def result(family: Family, member: int = 1, on: date = ON, consent: bool = True,
           validity: Validity | None = None) -> dict:
    state = family.history.state(member, on)
    verdict = Verdict(validity or (Validity.VALID if state.eligible else Validity.INVALID), state)
    answer = facility_answer(verdict, on, consent, "06139992", "テスト健康保険組合")
    return pruned(messages.qualification_result(answer, answer_details(verdict, on, consent), consent, AT))


def pruned(value):
    """The tree as it is sent: what has no value is left out (wire.encode)."""
    if isinstance(value, dict):
        kept = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def elderly_family() -> Family:
    family = Family()
    family.insured(birth=date(1953, 3, 3))
    family.register(1, Kind.CERTIFICATION, date(2026, 4, 1), None, kind="limit_reduction",
                    valid_until=date(2027, 3, 31), category_code="B05")
    family.register(1, Kind.CERTIFICATION, date(2025, 1, 1), None, kind="specific_disease", disease="1",
                    limit_yen=10000)
    return family


def test_every_element_of_a_valid_70_to_74_insured():
    r = result(elderly_family())
    assert r == {
        "InsuredCardClassification": "01", "InsurerNumber": "06139992", "InsuredCardSymbol": "7001",
        "InsuredIdentificationNumber": "42", "InsuredBranchNumber": "00", "PersonalFamilyClassification": "1",
        "Name": "試験\u30001", "NameKana": "ｼｹﾝ 1", "Sex1": "2", "Birthdate": "19530303",
        "QualificationDate": "20200401", "InsuredCardValidDate": "20200401",
        "InsuredPartialContributionRatio": "030", "InsurerName": "テスト健康保険組合",
        "ElderlyRecipientCertificateInfo": {"ElderlyRecipientValidStartDate": "20230401",
                                            "ElderlyRecipientValidEndDate": "20280302",
                                            "ElderlyRecipientContributionRatio": "030"},
        "LimitApplicationCertificateRelatedConsFlg": "1",
        "LimitApplicationCertificateRelatedConsTime": "20260401093012",
        "LimitApplicationCertificateRelatedInfo": {
            "LimitApplicationCertificateClassification": "02",
            "LimitApplicationCertificateClassificationFlag": "B05",
            "LimitApplicationCertificateValidStartDate": "20260401",
            "LimitApplicationCertificateValidEndDate": "20270331"},
        "SpecificDiseasesCertificateRelatedConsFlg": "1",
        "SpecificDiseasesCertificateRelatedConsTime": "20260401093012",
        "SpecificDiseasesCertificateList": [{"SpecificDiseasesDiseaseCategory": "1",
                                             "SpecificDiseasesValidStartDate": "20250101",
                                             "SpecificDiseasesSelfPay": "10000"}]}


def test_the_elements_come_in_the_order_of_the_table():
    family = elderly_family()
    tree = messages.qualification_result(*_answer(family), True, AT)
    assert list(tree) == ORDER


def _answer(family: Family):
    state = family.history.state(1, ON)
    verdict = Verdict(Validity.VALID, state)
    return facility_answer(verdict, ON, True, "06139992", "x"), answer_details(verdict, ON, True)


def test_without_consent_no_limit_no_diseases_no_times():
    r = result(elderly_family(), consent=False)
    assert r["LimitApplicationCertificateRelatedConsFlg"] == r["SpecificDiseasesCertificateRelatedConsFlg"] == "0"
    for absent in ("LimitApplicationCertificateRelatedConsTime", "LimitApplicationCertificateRelatedInfo",
                   "SpecificDiseasesCertificateRelatedConsTime", "SpecificDiseasesCertificateList"):
        assert absent not in r
    assert r["InsuredPartialContributionRatio"] == "030"  # the ratio needs no consent


def test_a_band_limit_has_no_certificate_period_and_under_70_no_ratio():
    family = Family()
    family.insured(remuneration=880_000)
    r = result(family)
    assert r["LimitApplicationCertificateRelatedInfo"] == {"LimitApplicationCertificateClassification": "01",
                                                           "LimitApplicationCertificateClassificationFlag": "A01"}
    assert "InsuredPartialContributionRatio" not in r and "ElderlyRecipientCertificateInfo" not in r


@pytest.mark.parametrize("reason, code", [(LossReason.DEATH, "01"), (LossReason.OTHER_INSURANCE, "03"),
                                          (LossReason.RETIREMENT, "99"), (LossReason.EMPLOYER_LEFT, "99"),
                                          (LossReason.OTHER, "99")])
def test_a_loss_with_its_reason(reason, code):
    family = Family()
    family.insured()
    family.lose(1, date(2026, 3, 1), reason=reason)
    r = result(family)
    assert (r["DisqualificationDate"], r["InsuredCardExpirationDate"], r["ReasonOfLoss"]) == \
        ("20260301", "20260228", code)
    for absent in ("InsuredPartialContributionRatio", "PreschoolClassification", "LimitApplicationCertificateRelatedInfo",
                   "SpecificDiseasesCertificateList"):
        assert absent not in r


def test_the_75th_birthday_is_03_and_a_dependents_loss_with_the_insured_99():
    elder = Family()
    elder.insured(birth=date(1950, 6, 10))
    assert result(elder)["ReasonOfLoss"] == "03"  # 後期高齢者医療 from 2025-06-10
    family = Family()
    family.insured()
    family.dependent()
    family.lose(1, date(2026, 3, 1))
    r = result(family, member=2)
    assert (r["PersonalFamilyClassification"], r["ReasonOfLoss"]) == ("2", "99")


def test_a_limited_coverage_has_its_end_before_the_loss():
    family = Family()
    family.insured(coverage_ends_on=date(2027, 3, 31))
    r = result(family)
    assert r["InsuredCardExpirationDate"] == "20270331" and "DisqualificationDate" not in r


def test_a_preschool_child():
    family = Family()
    family.insured()
    family.dependent(birth=date(2021, 6, 1), qualified_on=date(2021, 6, 1))
    r = result(family, member=2)
    assert r["PreschoolClassification"] == "1" and "InsuredPartialContributionRatio" not in r


@pytest.mark.parametrize("kana, half", [("シケン タロウ", "ｼｹﾝ ﾀﾛｳ"), ("シケン　タロウ", "ｼｹﾝ ﾀﾛｳ"),
                                        ("ガッコウ  ヴィーナス", "ｶﾞｯｺｳ ｳﾞｨｰﾅｽ"), ("パピプ・ペポ", "ﾊﾟﾋﾟﾌﾟ･ﾍﾟﾎﾟ"),
                                        ("しけん たろう", "ｼｹﾝ ﾀﾛｳ"), ("ヰヱヵヶヮ", "ｲｴｶｹﾜ"), ("ＡＢＣ", "ABC")])
def test_kana_is_half_width_with_one_space(kana, half):
    assert messages.half_width_kana(kana) == half


@pytest.mark.parametrize("sex, code", [("male", "1"), ("female", "2"), ("unknown", "3")])
def test_sex_codes(sex, code):
    answer, details = _answer(elderly_family())
    answer["member"]["sex"] = sex
    assert messages.qualification_result(answer, details, True, AT)["Sex1"] == code


# ---------------------------------------------------------------- the query

INFO = {"InsurerNumber": " 06139992 ", "InsuredCardSymbol": "７００１", "InsuredIdentificationNumber": "42",
        "InsuredBranchNumber": "1", "Birthdate": "１９８００５１０", "LimitApplicationCertificateRelatedConsFlg": "1"}


def test_a_search_info_is_the_card_data_query():
    query = messages.search_query(INFO, ON)
    assert (query.insurer_number, query.symbol, query.number, query.branch, query.birth_date, query.limit_consent,
            query.service_date, query.method) == ("06139992", "７００１", "42", "1", date(1980, 5, 10), True, ON,
                                                  "card_info")


@pytest.mark.parametrize("change, code", [
    ({"InsuredCardSymbol": None}, codes.MISSING), ({"InsurerNumber": "  "}, codes.MISSING),
    ({"Birthdate": None}, codes.MISSING), ({"LimitApplicationCertificateRelatedConsFlg": None}, codes.MISSING),
    ({"InsuredIdentificationNumber": None}, codes.MISSING),
    ({"Birthdate": "20230231"}, codes.DATE), ({"Birthdate": "1980/05/10"}, codes.DATE),
    ({"Birthdate": "17000101"}, codes.DATE),
    ({"LimitApplicationCertificateRelatedConsFlg": "7"}, codes.FLAG),
    ({"LimitApplicationCertificateRelatedConsFlg": "true"}, codes.FLAG),
    ({"InsuredIdentificationNumber": {"x": "1"}}, codes.VALUE),
    ({"InsuredIdentificationNumber": "1" * 40}, codes.VALUE),
    ({"InsuredBranchNumber": "123"}, codes.VALUE),
])
def test_an_invalid_search_info(change, code):
    info = {k: v for k, v in {**INFO, **change}.items() if v is not None}
    with pytest.raises(InvalidQuery) as caught:
        messages.search_query(info, ON)
    assert caught.value.code == code
    assert any("\u3040" <= ch <= "\u9fff" for ch in caught.value.message_ja)


def test_no_search_info_at_all():
    with pytest.raises(InvalidQuery) as caught:
        messages.search_query(None, ON)
    assert caught.value.code == codes.MISSING


# ---------------------------------------------------------------- headers

FACILITY = Actor(Role.FACILITY, "1310112345", None)


def test_the_header_must_name_the_callers_facility():
    assert messages.check_header({"MessageHeader": {"MedicalInstitutionCode": "１３１０１１２３４５"}}, FACILITY,
                                 "UTF-8")
    for tree, code in [({}, codes.HEADER), ({"MessageHeader": "x"}, codes.HEADER),
                       ({"MessageHeader": {}}, codes.HEADER),
                       ({"MessageHeader": {"MedicalInstitutionCode": "1310100017"}}, codes.NOT_YOUR_FACILITY)]:
        with pytest.raises(Unreadable) as caught:
            messages.check_header(tree, FACILITY, "Shift_JIS")
        assert (caught.value.code, caught.value.encoding) == (code, "Shift_JIS")


@pytest.mark.parametrize("text", [None, "20260231", "2026041", "abcdefgh", {"a": "b"}, "99991231"])
def test_a_header_date_that_does_not_exist_is_a_malformed_header(text):
    with pytest.raises(Unreadable) as caught:
        messages.header_date({"QualificationConfirmationDate": text}, "UTF-8")
    assert caught.value.code == codes.HEADER


def test_an_error_message_echoes_the_header_and_has_no_body():
    tree = messages.error_message({"MedicalInstitutionCode": "1310112345", "ArbitraryFileIdentifier": "f",
                                   "QualificationConfirmationDate": {"nested": "x"}}, "SK-M07", "一致しません", "1")
    assert set(tree) == {"MessageHeader"}
    header = tree["MessageHeader"]
    assert (header["SegmentOfResult"], header["ErrorCode"], header["ErrorMessage"], header["ReferenceClassification"],
            header["MedicalInstitutionCode"], header["ArbitraryFileIdentifier"],
            header["QualificationConfirmationDate"]) == ("9", "SK-M07", "一致しません", "1", "1310112345", "f", None)
    assert len(header["ProcessExecutionTime"]) == 14
    assert messages.error_message(None, "SK-M01", "x")["MessageHeader"]["ReferenceClassification"] == "2"


def test_a_single_body_holds_the_result_in_a_result_list():
    unit = {"ProcessingResultStatus": "1", "QualificationValidity": "1", "ResultOfQualificationConfirmation": {"a": 1}}
    assert messages.single_body(unit) == {"ProcessingResultStatus": "1", "QualificationValidity": "1",
                                          "ResultList": [{"ResultOfQualificationConfirmation": {"a": 1}}]}
    assert messages.single_body({"ProcessingResultStatus": "1", "QualificationValidity": "4"}) == \
        {"ProcessingResultStatus": "1", "QualificationValidity": "4"}


def test_the_issue_date_of_the_card_held_comes_with_the_details():
    answer, details = _answer(elderly_family())
    tree = messages.qualification_result(answer, {**details, "card_issued_on": date(2024, 12, 2)}, True, AT)
    assert tree["InsuredCertificateIssuanceDate"] == "20241202"


_VALUES = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["0", "1", "06139992", "19800510", "７００１"]),
                    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.fixed_dictionaries({}, optional={name: _VALUES for name in messages.LABELS}))
def test_fuzz_a_search_info_is_a_query_or_invalid_never_an_error(info):
    try:
        query = messages.search_query(info, ON)
    except InvalidQuery as exc:
        assert exc.code in codes.MESSAGES and exc.message_ja
    else:
        assert query.service_date == ON
