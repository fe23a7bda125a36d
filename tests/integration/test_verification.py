"""Online verification (issue 3): the published view, the facility API, the access log, FHIR."""
from __future__ import annotations

import pytest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from shikaku.entrypoints.api.fhir import LIMIT_SYSTEM
from tests.builders import card_info, dependent_body, enrol, fhir_request, give_card, insured_body, my_number
from tests.builders import facility as facility_headers
from tests.conftest import INSURER_NUMBER


@pytest.fixture
def facility(client):
    return facility_headers(client)


def verify(client, facility, body):
    r = client.post("/api/v1/verifications", json=body, headers=facility)
    assert r.status_code == 200, r.text
    return r.json()


def test_validity_3_when_the_person_has_a_newer_qualification(client, facility):
    mn = my_number()
    old = enrol(client, my_number=mn)
    client.post(f"/api/v1/members/{old['id']}/disqualification",
                json={"disqualified_on": "2025-04-01", "registered_on": "2025-04-01", "reason": "retirement"})
    new = enrol(client, my_number=mn, qualified_on="2025-04-01", registered_on="2025-04-02")
    assert verify(client, facility, card_info(old, "2025-04-10"))["validity_code"] == "3"
    give_card(client, mn, "CNEWQUAL0001")
    by_card = verify(client, facility, {"service_date": "2025-04-10", "method": "myna_card",
                                        "card_id": "CNEWQUAL0001", "identity_check": "face"})
    assert by_card["validity_code"] == "1" and by_card["member"]["number"] == new["number"]


def test_twins_without_branch_are_several_matches(client, facility):
    insured = enrol(client)
    for name in ("試験 一", "試験 二"):
        client.post("/api/v1/members", json=dependent_body(insured["id"], name=name,
                                                             birth_date="2015-05-05"))
    twin = {**insured, "birth_date": "2015-05-05"}
    body = card_info(twin, "2026-05-01")
    del body["branch"]
    result = verify(client, facility, body)
    assert result["validity_code"] == "5" and "member" not in result


def test_other_insurer_and_unregistered_card_are_not_found(client, facility):
    member = enrol(client)
    assert verify(client, facility, card_info(member, "2026-05-01", insurer_number="01130012"))[
        "validity"] == "not_found"
    mn = my_number()
    enrol(client, my_number=mn)
    client.post("/api/v1/myna/cards", json={"my_number": mn, "card_id": "CNOTREG00001",
                                            "certificate_expires_on": "2031-01-01"})
    assert verify(client, facility, {"service_date": "2026-05-01", "method": "myna_card",
                                     "card_id": "CNOTREG00001", "identity_check": "pin"})[
        "validity"] == "not_found"


def test_answer_carries_nothing_a_facility_must_not_see(client, facility):
    mn = my_number()
    insured = enrol(client, my_number=mn)
    client.post("/api/v1/members", json=dependent_body(insured["id"], name="家族 見えない"))
    r = client.post("/api/v1/verifications", json=card_info(insured, "2026-05-01"), headers=facility)
    assert mn not in r.text and "家族 見えない" not in r.text and mn[-4:] not in r.text


def test_elderly_block_and_preschool_flag(client, facility):
    elder = enrol(client, birth_date="1954-02-14", standard_monthly_remuneration=240000)
    body = verify(client, facility, card_info(elder, "2026-05-11"))
    assert body["elderly"] == {"ratio": 20, "valid_from": "2024-03-01", "valid_until": "2029-02-13"}
    assert body["preschool"] is False and body["limit"]["code"] == "B04"


def test_access_log_records_every_query(client, facility):
    member = enrol(client)
    verify(client, facility, card_info(member, "2026-05-01"))
    client.post("/api/v1/verification-batches", headers=facility,
                json={"service_date": "2026-05-02", "items": [card_info(member, None)]})
    log = client.get(f"/api/v1/members/{member['id']}/access-log").json()
    assert log["total"] == 2
    assert [(e["facility_code"], e["method"], e["validity_code"], e["service_date"]) for e in log["items"]] == [
        ("1310112345", "card_info", "1", "2026-05-02"), ("1310112345", "card_info", "1", "2026-05-01")]
    assert client.get(f"/api/v1/members/{member['id']}/access-log", headers=facility).status_code == 403


def test_facility_may_only_verify_and_staff_may_not_verify(client, facility):
    member = enrol(client)
    assert client.post("/api/v1/verifications", json=card_info(member, "2026-05-01")).status_code == 403
    assert client.post("/api/v1/members", json=insured_body(), headers=facility).status_code == 403


def test_batch_of_more_than_10000_is_refused(client, facility):
    item = {"method": "card_info", "insurer_number": INSURER_NUMBER, "symbol": "1", "number": "1",
            "birth_date": "2000-01-01"}
    r = client.post("/api/v1/verification-batches", headers=facility,
                    json={"service_date": "2026-05-01", "items": [item] * 10001})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


@pytest.mark.parametrize("body", [
    {"method": "fax"}, {"service_date": "2026-05-01", "method": "myna_card"},
    {"service_date": "2026-13-01", "method": "card_info"},
    {"service_date": "2026-05-01", "method": "card_info", "insurer_number": "06139993",
     "symbol": "1", "number": "1", "birth_date": "2000-01-01"},
])
def test_bad_verification_input_is_422(client, facility, body):
    r = client.post("/api/v1/verifications", json=body, headers=facility)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


FHIR = {"Content-Type": "application/fhir+json"}


def test_fhir_coverage_eligibility_round_trip(client, facility):
    member = enrol(client, standard_monthly_remuneration=300000)
    request = fhir_request(member, "2026-05-11")
    r = client.post("/api/v1/fhir/CoverageEligibilityRequest", headers=FHIR | facility,
                    content=request.model_dump_json(exclude_none=True))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    response = CoverageEligibilityResponse.model_validate(r.json())
    insurance = response.insurance[0]
    assert insurance.inforce is True
    coverage = next(c for c in response.contained if c.get_resource_type() == "Coverage")
    assert str(coverage.period.start) == "2020-04-01"
    assert coverage.costToBeneficiary[0].valueQuantity.value == 30
    assert [(c.system, c.code) for i in insurance.item for c in i.category.coding] == [(LIMIT_SYSTEM, "A03")]


def test_fhir_not_found_and_bad_request(client, facility):
    member = enrol(client)
    request = fhir_request({**member, "birth_date": "1900-01-01"}, "2026-05-11")
    r = client.post("/api/v1/fhir/CoverageEligibilityRequest", headers=FHIR | facility,
                    content=request.model_dump_json(exclude_none=True))
    response = CoverageEligibilityResponse.model_validate(r.json())
    assert response.insurance is None and response.error
    bad = client.post("/api/v1/fhir/CoverageEligibilityRequest", headers=facility,
                      json={"resourceType": "CoverageEligibilityRequest"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_fhir_request"


def test_fast_path_and_framework_route_give_the_same_answers(client, facility, ctx):
    from fastapi.testclient import TestClient

    from shikaku.entrypoints.api.app import create_app

    member = enrol(client)
    bodies = [card_info(member, "2026-05-11"), {"method": "card_info"}]
    with TestClient(create_app(ctx)) as framework:
        for body in bodies:
            fast = client.post("/api/v1/verifications", json=body, headers=facility)
            slow = framework.post("/api/v1/verifications", json=body, headers=facility)
            assert (fast.status_code, fast.json()) == (slow.status_code, slow.json())
            assert fast.headers["content-type"] == slow.headers["content-type"]
    unauthorised = client.post("/api/v1/verifications", json=bodies[0], headers={"Authorization": "Bearer x"})
    assert unauthorised.status_code == 401 and unauthorised.headers["www-authenticate"] == "Bearer"
    huge = client.post("/api/v1/verifications", content=b"{" + b" " * 70000 + b"}", headers=facility)
    assert huge.status_code == 413 and huge.json()["code"] == "body_too_large"
    broken = client.post("/api/v1/verifications", content=b'{"method": ', headers=facility)
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_json"
