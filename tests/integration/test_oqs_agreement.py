"""The OQS answer and the JSON verification agree (OQS.md §1.1, API.md "Online verification"):
for generated families — children before school, adults, members turning 70, 70–74, losses
with their reasons, limit and 特定疾病 approvals, members without a My Number — and service
dates around the day their registrations are published (R-MYNA-2, -4), the siquc01 answer of a
card-data query says, field by field, what `POST /api/v1/verifications` answers to the same
query on the same day.

A property test (Hypothesis) over one API client: each example builds a family of its own (its
own 記号), so the examples do not see each other's members."""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shikaku.entrypoints.oqs import wire
from tests.builders import FACILITY_CODE, INSURER_NUMBER, card_info, dependent_body, facility, insured_body
from tests.conftest import INSURER_NAME, serving
from tests.helpers import LONG_TESTS

QC = "/api/v1/oqs/qualification-confirmations"
XML = {"Content-Type": "application/xml"}
SEX = {"male": "1", "female": "2"}
REDUCTION = {"A05", "B05", "B06"}  # 限度額適用・標準負担額減額認定証 (OQS.md §1.1)
AGREEMENT = settings(max_examples=100 if LONG_TESTS else 25, deadline=None, derandomize=not LONG_TESTS,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large])

# Realistic names: voiced kana, the long vowel mark, ヴ, a 異体字 outside JIS X 0208.
NAMES = [("山田 太郎", "ヤマダ タロウ"), ("髙橋 一郎", "タカハシ イチロウ"), ("佐藤 花子", "サトウ ハナコ"),
         ("鈴木 優子", "スズキ ユーコ"), ("渡邉 ヴィクトル", "ワタナベ ヴィクトル"), ("伊藤 大輔", "イトウ ダイスケ"),
         ("﨑田 ぱぴ", "サキタ パピ")]
INSURED_LOSSES = ["retirement", "death", "employer_left", "other_insurance", "other"]
DEPENDENT_LOSSES = ["dependent_ineligible", "death", "other_insurance", "other"]


def years_before(day: date, years: int, days: int = 0) -> date:
    return date(day.year - years, day.month, min(day.day, 28)) - timedelta(days=days)


# An age, as (years, days) before the registration day.
AGES = {
    "preschool": st.tuples(st.integers(0, 6), st.integers(0, 364)),
    "adult": st.tuples(st.integers(18, 65), st.integers(0, 364)),
    "turning_70": st.tuples(st.just(70), st.integers(-40, 40)),
    "elderly": st.tuples(st.integers(70, 74), st.integers(0, 364)),
    "turning_75": st.tuples(st.just(75), st.integers(-20, 20)),
}
age = st.sampled_from(sorted(AGES)).flatmap(lambda kind: AGES[kind])

person = st.fixed_dictionaries({
    "age": age, "name": st.sampled_from(NAMES), "sex": st.sampled_from(["male", "female"]),
    "with_my_number": st.integers(0, 5).map(bool),  # mostly with one (R-MYNA-3)
    "qualified_days_before": st.sampled_from([None, 0, 1, 3, 10]),  # None: long ago
})
family = st.fixed_dictionaries({
    "registered_on": st.dates(date(2026, 3, 2), date(2026, 5, 15)),  # of the changes (loss, approvals)
    "enrolled_days_before": st.sampled_from([0, 30, 30, 90]),  # the enrolment's registration, before that
    "insured": person,
    "remuneration": st.sampled_from([98_000, 260_000, 280_000, 500_000, 530_000, 830_000, 1_390_000]),
    "resident_tax_exempt": st.integers(0, 4).map(lambda n: n == 0),
    "dependents": st.lists(person, max_size=2),
    # (member index, days from the registration day to the loss and to its registration, reason index)
    "loss": st.none() | st.tuples(st.integers(0, 2), st.integers(-3, 6), st.integers(0, 4), st.integers(0, 4)),
    "limit": st.sampled_from([None, "limit", "limit_reduction"]),
    "disease": st.sampled_from([None, 0, 1]).flatmap(
        lambda n: st.none() if n is None else st.tuples(st.integers(0, 2), st.sampled_from(["1", "2", "3"]))),
    # service dates as days from the registration day (publication is 2–4 days after), and consents
    "queries": st.lists(st.tuples(st.integers(-2, 9), st.integers(0, 3).map(bool)), min_size=1, max_size=3),
})


@pytest.fixture
def unlimited(ctx, monkeypatch):
    """A client without the facilities' rate limit (the examples send a few hundred queries)
    and the headers of the facility that asks."""
    monkeypatch.setenv("SHIKAKU_FACILITY_RATE", "off")
    with serving(ctx, monkeypatch) as c:
        yield c, facility(c)


def enrolled(client, body: dict) -> dict | None:
    r = client.post("/api/v1/members", json=body)
    return r.json() if r.status_code == 201 else None


def person_fields(who: dict, registered: date) -> dict:
    years, days = who["age"]
    qualified = LONG_AGO if who["qualified_days_before"] is None else registered - timedelta(who["qualified_days_before"])
    birth = years_before(registered, years, days)
    name, kana = who["name"]
    return {"name": name, "name_kana": kana, "sex": who["sex"], "birth_date": birth.isoformat(),
            "qualified_on": max(qualified, birth).isoformat(), "registered_on": registered.isoformat(),
            **({} if who["with_my_number"] else {"my_number": None})}


LONG_AGO = date(2020, 4, 1)


def build(client, plan: dict) -> list[dict]:
    """The family of `plan` through the API; the members the API enrolled. What the API refuses
    (a loss before the qualification, a limit certificate a マイナ保険証 user cannot get…) is
    left out: the property is about what was registered."""
    registered = plan["registered_on"]
    enrolled_on = registered - timedelta(plan["enrolled_days_before"])
    insured = enrolled(client, insured_body(**person_fields(plan["insured"], enrolled_on),
                                            standard_monthly_remuneration=plan["remuneration"],
                                            resident_tax_exempt=plan["resident_tax_exempt"]))
    if insured is None:
        return []
    members = [insured]
    for who in plan["dependents"]:
        dependent = enrolled(client, dependent_body(insured["id"], **person_fields(who, enrolled_on)))
        if dependent:
            members.append(dependent)
    if plan["limit"]:
        client.post(f"/api/v1/members/{insured['id']}/limit-certifications",
                    json={"kind": plan["limit"], "applied_on": registered.isoformat()})
    if plan["disease"]:
        index, disease = plan["disease"]
        client.post(f"/api/v1/members/{members[index % len(members)]['id']}/specific-disease-certifications",
                    json={"disease": disease, "applied_on": registered.isoformat()})
    if plan["loss"]:
        index, lost, noted, reason = plan["loss"]
        member = members[index % len(members)]
        reasons = INSURED_LOSSES if member["relationship"] == "insured" else DEPENDENT_LOSSES
        client.post(f"/api/v1/members/{member['id']}/disqualification",
                    json={"disqualified_on": (registered + timedelta(lost)).isoformat(),
                          "registered_on": (registered + timedelta(max(lost, 0) + noted)).isoformat(),
                          "reason": reasons[reason % len(reasons)]})
    return members


def siquc01(member: dict, day: date, consent: bool) -> bytes:
    search = {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
              "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
              "Birthdate": member["birth_date"].replace("-", ""),
              "LimitApplicationCertificateRelatedConsFlg": "1" if consent else "0"}
    tree = {"MessageHeader": {"QualificationConfirmationDate": day.strftime("%Y%m%d"),
                              "MedicalInstitutionCode": FACILITY_CODE},
            "MessageBody": {"QualificationConfirmSearchInfo": search}}
    return wire.encode(tree, wire.UTF8)[0]


def ymd(iso: str | None) -> str | None:
    return iso.replace("-", "") if iso else None


def ratio(percent: int | None) -> str | None:
    return None if percent is None else f"{percent:03d}"


def assert_agree(oqs: dict, json_answer: dict, day: date, consent: bool) -> None:
    """The siquc01 answer `oqs` (its tree) says what the JSON verification answered."""
    j = json_answer
    header, body = oqs["MessageHeader"], oqs["MessageBody"]
    assert header["SegmentOfResult"] == "1" and header["ReferenceClassification"] == "2"
    assert header["QualificationConfirmationDate"] == day.strftime("%Y%m%d")
    assert body["ProcessingResultStatus"] == "1"
    assert body["QualificationValidity"] == j["validity_code"]
    member = j.get("member")
    if member is None:  # 4 not found, 5 several: no result
        assert "ResultList" not in body
        return
    [item] = body["ResultList"]
    r = item["ResultOfQualificationConfirmation"]
    valid = j["validity_code"] == "1"
    # who
    assert (r["InsurerNumber"], r["InsuredCardSymbol"], r["InsuredIdentificationNumber"],
            r["InsuredBranchNumber"]) == (member["insurer_number"], member["symbol"], member["number"],
                                          member["branch"])
    assert r["InsurerName"] == member["insurer_name"] == INSURER_NAME
    assert r["PersonalFamilyClassification"] == member["relationship_code"]
    assert r["Name"] == "\u3000".join(member["name"].split(" "))
    assert unicodedata.normalize("NFKC", r["NameKana"]) == member["name_kana"]
    assert all("\uff61" <= c <= "\uff9f" or c == " " for c in r["NameKana"]), r["NameKana"]  # half-width
    assert r["Sex1"] == SEX.get(member["sex"], "3")
    assert r["Birthdate"] == ymd(member["birth_date"])
    # the qualification
    assert r["QualificationDate"] == ymd(member["qualified_on"]) == r["InsuredCardValidDate"]
    assert r.get("DisqualificationDate") == ymd(member["disqualified_on"])
    assert ("ReasonOfLoss" in r) == bool(member["disqualified_on"])
    # 70–74: the ratio and the 高齢受給者 period, validity 1 only
    elderly = j["elderly"] if valid else None
    assert r.get("InsuredPartialContributionRatio") == (ratio(j["copay_ratio"]) if elderly else None)
    if elderly:
        assert r["ElderlyRecipientCertificateInfo"] == {
            k: v for k, v in {"ElderlyRecipientValidStartDate": ymd(elderly["valid_from"]),
                              "ElderlyRecipientValidEndDate": ymd(elderly["valid_until"]),
                              "ElderlyRecipientContributionRatio": ratio(elderly["ratio"])}.items() if v}
    else:
        assert "ElderlyRecipientCertificateInfo" not in r
    assert r.get("PreschoolClassification") == ("1" if valid and j["preschool"] else None)
    # the consent, the limit category, the 特定疾病
    flag = "1" if consent else "0"
    assert r["LimitApplicationCertificateRelatedConsFlg"] == r["SpecificDiseasesCertificateRelatedConsFlg"] == flag
    assert ("LimitApplicationCertificateRelatedConsTime" in r) == consent
    limit = j["limit"] if valid and consent else None
    if not consent:
        assert j["limit"] is None
    if limit:
        info = r["LimitApplicationCertificateRelatedInfo"]
        assert info["LimitApplicationCertificateClassificationFlag"] == limit["code"]
        assert info["LimitApplicationCertificateClassification"] == ("02" if limit["code"] in REDUCTION else "01")
    else:
        assert "LimitApplicationCertificateRelatedInfo" not in r
    diseases = j["specific_diseases"] if valid and consent else []
    assert r.get("SpecificDiseasesCertificateList", []) == [
        {k: v for k, v in {"SpecificDiseasesDiseaseCategory": d["code"],
                           "SpecificDiseasesValidStartDate": ymd(d["valid_from"]),
                           "SpecificDiseasesValidEndDate": ymd(d["valid_until"]),
                           "SpecificDiseasesSelfPay": None if d["limit_yen"] is None else str(d["limit_yen"])}.items()
         if v} for d in diseases]
    # never the My Number, the address, nor another member
    assert not {"MyNumber", "Address", "PostNumber", "InsuredName"} & set(r)


@AGREEMENT
@given(plan=family)
def test_the_oqs_answer_agrees_with_the_json_verification(unlimited, plan):
    client, clinic = unlimited
    members = build(client, plan)
    for member in members:
        for offset, consent in plan["queries"]:
            day = plan["registered_on"] + timedelta(offset)
            j = client.post("/api/v1/verifications", json=card_info(member, day.isoformat(), limit_consent=consent),
                            headers=clinic)
            assert j.status_code == 200, j.text
            r = client.post(QC, content=siquc01(member, day, consent), headers={**clinic, **XML})
            assert r.status_code == 200, r.text
            oqs, encoding = wire.decode(r.content, r.headers["content-type"])
            assert encoding == wire.UTF8
            assert_agree(oqs, j.json(), day, consent)
