"""The OQS message routes through the API (OQS.md §2.1): siquc01 and the card reading, with
the facility token, the 照会履歴 and its channel, and the errors of section 3."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.builders import (
    FACILITY_CODE,
    INSURER_NUMBER,
    card_info,
    enrol,
    enrol_dependent,
    facility,
    my_number,
    with_card,
)
from tests.helpers import sign_in_staff

QC = "/api/v1/oqs/qualification-confirmations"
READINGS = "/api/v1/oqs/card-readings"
XML = {"Content-Type": "application/xml"}


def siquc01(member: dict, day: str = "20260401", code: str = FACILITY_CODE, encoding: str = "UTF-8",
            **search) -> str:
    fields = {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
              "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
              "Birthdate": member["birth_date"].replace("-", ""),
              "LimitApplicationCertificateRelatedConsFlg": "1", **search}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None)
    return (f'<?xml version="1.0" encoding="{encoding}"?><XmlMsg><MessageHeader>'
            f"<QualificationConfirmationDate>{day}</QualificationConfirmationDate>"
            f"<MedicalInstitutionCode>{code}</MedicalInstitutionCode></MessageHeader>"
            f"<MessageBody><QualificationConfirmSearchInfo>{inner}</QualificationConfirmSearchInfo>"
            "</MessageBody></XmlMsg>")


def send(client, headers: dict, xml: str, encoding: str = "utf-8"):
    return client.post(QC, content=xml.encode(encoding), headers={**headers, **XML})


def parsed(r) -> ET.Element:
    assert r.status_code == 200, r.text
    raw = r.content
    return ET.fromstring(raw.decode("cp932") if b"Shift_JIS" in raw[:60] else raw)


def text(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None else node.text


@pytest.fixture
def clinic(client) -> dict:
    return facility(client)


def test_a_card_data_message_is_answered_as_the_json_verification(client, clinic):
    member = enrol(client)
    root = parsed(send(client, clinic, siquc01(member)))
    assert text(root, "MessageHeader/SegmentOfResult") == "1"
    assert text(root, "MessageHeader/CharacterCodeIdentifier") == "0"
    result = root.find("MessageBody/ResultList/ResultOfQualificationConfirmation")
    j = client.post("/api/v1/verifications", json=card_info(member, "2026-04-01"), headers=clinic).json()
    assert text(root, "MessageBody/QualificationValidity") == j["validity_code"] == "1"
    assert text(result, "LimitApplicationCertificateRelatedInfo/LimitApplicationCertificateClassificationFlag") \
        == j["limit"]["code"]
    assert text(result, "Name") == "試験\u3000太郎" and text(result, "NameKana") == "ｼｹﾝ ﾀﾛｳ"
    assert [e.tag for e in result][:4] == ["InsuredCardClassification", "InsurerNumber", "InsuredCardSymbol",
                                           "InsuredIdentificationNumber"]


def test_the_access_log_names_the_channel(client, clinic, ctx):
    member, card = with_card(client)
    send(client, clinic, siquc01(member))
    client.post("/api/v1/verifications", json=card_info(member, "2026-04-01"), headers=clinic)
    client.post(READINGS, json={"card_id": card, "identity_check": "pin", "limit_consent": False,
                                "service_date": "2026-04-01"}, headers=clinic)
    log = client.get(f"/api/v1/members/{member['id']}/access-log").json()["items"]
    assert [(e["channel"], e["method"]) for e in log] == [("card_reader", "myna_card"), ("json", "card_info"),
                                                          ("oqs", "card_info")]
    sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/members/{member['id']}").text
    assert "顔認証付きカードリーダー" in page and "オンライン資格確認電文" in page and "API（JSON）" in page


def test_shift_jis_is_answered_in_shift_jis_and_json_in_json(client, clinic):
    member = enrol(client, name="髙橋 一郎", name_kana="タカハシ イチロウ")
    r = send(client, clinic, siquc01(member, encoding="Shift_JIS"), "cp932")
    assert r.content.startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    assert r.headers["content-type"].startswith("application/xml")
    root = parsed(r)
    assert text(root, "MessageHeader/CharacterCodeIdentifier") == "1"
    assert text(root, "MessageBody/ResultList/ResultOfQualificationConfirmation/Name") == "髙橋\u3000一郎"
    body = {"XmlMsg": {"MessageHeader": {"QualificationConfirmationDate": "20260401",
                                         "MedicalInstitutionCode": FACILITY_CODE},
                       "MessageBody": {"QualificationConfirmSearchInfo": {
                           "InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
                           "InsuredIdentificationNumber": member["number"], "Birthdate": "19800510",
                           "LimitApplicationCertificateRelatedConsFlg": "0"}}}}
    msg = client.post(QC, json=body, headers=clinic).json()["XmlMsg"]
    assert msg["MessageBody"]["QualificationValidity"] == "1"
    [item] = msg["MessageBody"]["ResultList"]
    assert "LimitApplicationCertificateRelatedInfo" not in item["ResultOfQualificationConfirmation"]


def test_a_dependent_is_family_without_the_insured_name(client, clinic):
    insured = enrol(client)
    child = enrol_dependent(client, insured, name="試験 小太郎", name_kana="シケン コタロウ",
                            birth_date="2021-06-01", sex="male", qualified_on="2021-06-01")
    result = parsed(send(client, clinic, siquc01(child))).find("MessageBody/ResultList/"
                                                               "ResultOfQualificationConfirmation")
    assert text(result, "PersonalFamilyClassification") == "2"
    assert text(result, "PreschoolClassification") == "1"
    assert result.find("InsuredName") is None and result.find("InsuredPartialContributionRatio") is None


@pytest.mark.parametrize("override, code", [({"Birthdate": "20230231"}, "SK-Q03"),
                                            ({"InsurerNumber": "06139993"}, "SK-Q02"),
                                            ({"LimitApplicationCertificateRelatedConsFlg": "7"}, "SK-Q04"),
                                            ({"InsuredCardSymbol": None}, "SK-Q01")])
def test_an_invalid_query_is_a_processing_error(client, clinic, override, code):
    member = enrol(client)
    root = parsed(send(client, clinic, siquc01(member, **override)))
    assert text(root, "MessageHeader/SegmentOfResult") == "1"
    assert text(root, "MessageBody/ProcessingResultStatus") == "2"
    assert text(root, "MessageBody/ProcessingResultCode") == code
    assert root.find("MessageBody/QualificationValidity") is None


@pytest.mark.parametrize("body, code", [
    ("<XmlMsg><MessageHeader>", "SK-M01"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><XmlMsg>&e;</XmlMsg>', "SK-M02"),
    ('<?xml version="1.0" encoding="EUC-JP"?><XmlMsg/>', "SK-M03"),
    ("<Other/>", "SK-M04"),
    ("<XmlMsg><MessageBody/></XmlMsg>", "SK-M06"),
    ("<XmlMsg><MessageHeader><QualificationConfirmationDate>20260231</QualificationConfirmationDate>"
     f"<MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode></MessageHeader></XmlMsg>", "SK-M06"),
    ("<XmlMsg><MessageHeader><QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
     "<MedicalInstitutionCode>1310100017</MedicalInstitutionCode></MessageHeader></XmlMsg>", "SK-M07"),
])
def test_what_cannot_be_processed_is_segment_9(client, clinic, body, code):
    root = parsed(send(client, clinic, body))
    assert text(root, "MessageHeader/SegmentOfResult") == "9"
    assert text(root, "MessageHeader/ErrorCode") == code
    assert root.find("MessageBody") is None
    assert b"root:" not in ET.tostring(root)


def test_the_header_is_echoed_in_an_error(client, clinic):
    body = ("<XmlMsg><MessageHeader><QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
            "<MedicalInstitutionCode>1310100017</MedicalInstitutionCode>"
            "<ArbitraryFileIdentifier>f-1</ArbitraryFileIdentifier></MessageHeader></XmlMsg>")
    root = parsed(send(client, clinic, body))
    assert text(root, "MessageHeader/ArbitraryFileIdentifier") == "f-1"
    assert text(root, "MessageHeader/MedicalInstitutionCode") == "1310100017"


def test_before_reading_the_api_conventions_hold(client, clinic):
    member = enrol(client)
    xml = siquc01(member).encode()
    assert client.post(QC, content=xml, headers={**XML, "Authorization": "Bearer nope"}).status_code == 401
    assert client.post(QC, content=xml, headers=XML).status_code == 403  # the admin may not verify
    assert client.post(QC, content=xml, headers={**clinic, "Content-Type": "text/plain"}).status_code == 415
    big = b"<XmlMsg>" + b" " * (1024 * 1024) + b"</XmlMsg>"
    assert client.post(QC, content=big, headers={**clinic, **XML}).status_code == 413


def test_a_card_on_the_reader(client, clinic):
    member, card = with_card(client)
    r = client.post(READINGS, json={"card_id": card, "identity_check": "face", "limit_consent": True,
                                    "service_date": "2026-04-01"}, headers=clinic)
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = parsed(r)
    assert text(root, "MessageHeader/ReferenceClassification") == "1"
    assert text(root, "MessageHeader/MedicalInstitutionCode") == FACILITY_CODE
    assert root.find("MessageBody/QualificationConfirmSearchInfo") is None
    assert text(root, "MessageBody/ResultList/ResultOfQualificationConfirmation/InsuredIdentificationNumber") \
        == member["number"]
    bad = client.post(READINGS, json={"card_id": card, "identity_check": "visual"}, headers=clinic)
    assert bad.status_code == 422


def test_the_routes_are_documented_with_xml(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    route = paths[QC]["post"]
    assert "application/xml" in route["requestBody"]["content"]
    assert "<XmlMsg>" in route["requestBody"]["content"]["application/xml"]["example"]
    assert READINGS in paths


def test_the_issue_date_of_the_card_in_force(client, clinic):
    member = enrol(client)
    path = "MessageBody/ResultList/ResultOfQualificationConfirmation/InsuredCertificateIssuanceDate"
    assert parsed(send(client, clinic, siquc01(member, day="20250601"))).find(path) is None
    assert client.post(f"/api/v1/members/{member['id']}/legacy-cards",
                       json={"issued_on": "2023-04-01"}).status_code == 201
    assert text(parsed(send(client, clinic, siquc01(member, day="20250601"))), path) == "20230401"
    issued = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                         json={"reason": "no_card", "applied_on": "2026-05-01"})
    assert issued.status_code == 201, issued.text  # a 資格確認書 in force wins over the legacy card
    day = issued.json()["valid_from"].replace("-", "")
    assert text(parsed(send(client, clinic, siquc01(member, day=day))), path) == \
        issued.json()["issued_on"].replace("-", "")


def test_an_idempotency_key_does_not_stop_the_message_being_read(client, clinic):
    member = enrol(client)
    headers = {**clinic, "Idempotency-Key": "oqs-0001"}
    first = parsed(send(client, headers, siquc01(member)))
    assert text(first, "MessageBody/QualificationValidity") == "1"


def test_lost_newly_qualified_and_several_records_as_the_json_verification(client, clinic):
    """Validity 2, 3 and 5 (DOMAIN.md §10) are the JSON verification's: a lost record, one whose
    holder is qualified again under other numbers (same 個人番号), and twins asked without 枝番."""
    number = my_number()
    lost = enrol(client, my_number=number, qualified_on="2020-04-01")
    loss = client.post(f"/api/v1/members/{lost['id']}/disqualification", json={
        "disqualified_on": "2026-01-01", "registered_on": "2026-01-05", "reason": "retirement"})
    assert loss.status_code in (200, 201), loss.text
    again = enrol(client, my_number=number, qualified_on="2026-02-01", registered_on="2026-02-02")
    other = enrol(client)
    loss = client.post(f"/api/v1/members/{other['id']}/disqualification", json={
        "disqualified_on": "2026-01-01", "registered_on": "2026-01-05", "reason": "retirement"})
    assert loss.status_code in (200, 201), loss.text
    insured = enrol(client)
    twins = [enrol_dependent(client, insured, name=name, birth_date="2021-06-01", qualified_on="2021-06-01")
             for name in ("試験 一郎", "試験 二郎")]
    for member, branch, expected in ((lost, lost["branch"], "3"), (other, other["branch"], "2"),
                                     (again, again["branch"], "1"), (twins[0], None, "5")):
        j = client.post("/api/v1/verifications", headers=clinic,
                        json=card_info(member, "2026-04-01", branch=branch)).json()
        root = parsed(send(client, clinic, siquc01(member, InsuredBranchNumber=branch)))
        assert text(root, "MessageBody/QualificationValidity") == j["validity_code"] == expected, member
        result = root.find("MessageBody/ResultList/ResultOfQualificationConfirmation")
        assert (result is None) == (expected == "5")
        if expected in ("2", "3"):
            assert text(result, "DisqualificationDate") == "20260101" and text(result, "ReasonOfLoss") == "99"
