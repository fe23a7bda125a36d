"""FHIR R4, a wire format of the facility API (JP Core identifiers): a CoverageEligibilityRequest
read into the card-data verification (資格確認) query, and the verification's answer written as a
CoverageEligibilityResponse. Modelled with fhir.resources' R4B classes, whose
CoverageEligibility* and Coverage resources are those of R4 (4.0.1)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...domain.registry import RELATIONSHIP_LABELS
from ...domain.verification import RELATIONSHIP_CODES
from ...service_layer.commands import CardDataVerification

JP_CORE = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
SYMBOL_EXT = JP_CORE + "JP_Coverage_InsuredPersonSymbol"
NUMBER_EXT = JP_CORE + "JP_Coverage_InsuredPersonNumber"
SUBNUMBER_EXT = JP_CORE + "JP_Coverage_InsuredPersonSubNumber"
INSURER_SYSTEM = "urn:oid:1.2.392.100495.20.3.61"  # 保険者番号 (JP Core)
VALIDITY_EXT = "https://shikaku.example/fhir/StructureDefinition/eligibility-validity"
LIMIT_SYSTEM = "https://shikaku.example/fhir/CodeSystem/limit-category"  # 適用区分 A01…B06
DISEASE_SYSTEM = "https://shikaku.example/fhir/CodeSystem/specific-disease"  # 特定疾病 1…3
RELATIONSHIP_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"

_DISPOSITIONS = {"1": "資格有効", "2": "資格無効（資格喪失）", "3": "資格無効（新しい資格あり）",
                 "4": "該当資格なし", "5": "複数該当"}
# 本人・家族 by the national interface's code of the relationship.
_RELATIONSHIPS = {code: RELATIONSHIP_LABELS[relationship] for relationship, code in RELATIONSHIP_CODES.items()}


def _bad(message: str) -> DomainError:
    return DomainError("invalid_fhir_request", message, "CoverageEligibilityRequest")


def _contained(request: CoverageEligibilityRequest, reference: str | None, kind: str):
    """The contained resource a local reference (#id) points at."""
    if not reference or not reference.startswith("#"):
        raise _bad(f"{kind} は contained リソースへの参照 (#id) で指定してください")
    for resource in request.contained or []:
        if resource.id == reference[1:] and resource.get_resource_type() == kind:
            return resource
    raise _bad(f"参照 {reference} の {kind} が contained にありません")


def _extension(coverage, url: str) -> str | None:
    return next((e.valueString for e in coverage.extension or [] if e.url == url), None)


def _insurer_number(request: CoverageEligibilityRequest, coverage) -> str:
    for payor in coverage.payor or []:
        identifiers = [payor.identifier] if payor.identifier else []
        if payor.reference:
            identifiers += _contained(request, payor.reference, "Organization").identifier or []
        for identifier in identifiers:
            if identifier.system == INSURER_SYSTEM and identifier.value:
                return identifier.value
    raise _bad(f"Coverage.payor に保険者番号 ({INSURER_SYSTEM}) がありません")


def to_query(payload: Any) -> tuple[CoverageEligibilityRequest, CardDataVerification]:
    """Reads a CoverageEligibilityRequest into a card-data verification."""
    try:
        request = CoverageEligibilityRequest.model_validate(payload)
    except ValidationError:
        raise _bad("FHIR R4 の CoverageEligibilityRequest として読み取れません")
    if not request.insurance or not request.servicedDate or not request.patient:
        raise _bad("patient, insurance, servicedDate は必須です")
    patient = _contained(request, request.patient.reference, "Patient")
    coverage = _contained(request, request.insurance[0].coverage.reference, "Coverage")
    symbol, number = _extension(coverage, SYMBOL_EXT), _extension(coverage, NUMBER_EXT)
    if not (symbol and number and patient.birthDate):
        raise _bad("記号・番号 (JP_Coverage_InsuredPerson*) と Patient.birthDate は必須です")
    try:
        query = CardDataVerification(
            method="card_info", service_date=request.servicedDate,
            insurer_number=_insurer_number(request, coverage), symbol=symbol, number=number,
            branch=_extension(coverage, SUBNUMBER_EXT), birth_date=patient.birthDate, limit_consent=True)
    except ValidationError as exc:  # e.g. a date out of range (D-92), a 記号 too long
        raise _bad("servicedDate, Patient.birthDate または記号・番号・枝番の値が正しくありません"
                   f"（{', '.join(str(e['loc'][-1]) for e in exc.errors())}）") from None
    return request, query


def _coverage(answer: dict) -> dict:
    member = answer["member"]
    last_day = member["disqualified_on"] - timedelta(days=1) if member["disqualified_on"] else None
    coverage: dict[str, Any] = {
        "resourceType": "Coverage", "id": "coverage",
        "status": "active" if answer["validity_code"] == "1" else "cancelled",
        "extension": [{"url": SYMBOL_EXT, "valueString": member["symbol"]},
                      {"url": NUMBER_EXT, "valueString": member["number"]},
                      {"url": SUBNUMBER_EXT, "valueString": member["branch"]}],
        "beneficiary": {"reference": "#patient"},
        "relationship": {"coding": [{"system": RELATIONSHIP_SYSTEM,
                                     "code": "self" if member["relationship_code"] == "1" else "other"}],
                         "text": _RELATIONSHIPS[member["relationship_code"]]},
        "period": {"start": member["qualified_on"].isoformat(),
                   **({"end": last_day.isoformat()} if last_day else {})},
        "payor": [{"identifier": {"system": INSURER_SYSTEM, "value": member["insurer_number"]},
                   "display": member["insurer_name"]}],
    }
    if answer["copay_ratio"] is not None:
        coverage["costToBeneficiary"] = [{
            "type": {"text": "一部負担金の割合"},
            "valueQuantity": {"value": answer["copay_ratio"], "unit": "%",
                              "system": "http://unitsofmeasure.org", "code": "%"}}]
    return coverage


def _items(answer: dict) -> list[dict]:
    items = []
    if answer["limit"]:
        items.append({"category": {"coding": [{"system": LIMIT_SYSTEM, "code": answer["limit"]["code"],
                                               "display": answer["limit"]["label"]}],
                                   "text": "適用区分"}})
    for disease in answer["specific_diseases"]:
        items.append({"category": {"coding": [{"system": DISEASE_SYSTEM, "code": disease["code"]}],
                                   "text": "特定疾病"},
                      "benefit": [{"type": {"text": "自己負担限度額（月額）"},
                                   "allowedMoney": {"value": disease["limit_yen"], "currency": "JPY"}}]})
    return items


def to_response(request: CoverageEligibilityRequest, answer: dict) -> dict:
    """The CoverageEligibilityResponse for a verification answer (validated by fhir.resources)."""
    code = answer["validity_code"]
    body: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse", "status": "active", "purpose": ["validation"],
        "patient": {"reference": "#patient"}, "created": datetime.now(timezone.utc).isoformat(),
        "request": {"reference": f"CoverageEligibilityRequest/{request.id}"} if request.id
        else {"display": "CoverageEligibilityRequest"},
        "outcome": "complete", "disposition": _DISPOSITIONS[code],
        "servicedDate": request.servicedDate.isoformat(),
        "insurer": {"identifier": {"system": INSURER_SYSTEM,
                                   "value": answer["member"]["insurer_number"] if "member" in answer
                                   else _insurer_number(request, _contained(
                                       request, request.insurance[0].coverage.reference, "Coverage"))}},
        "extension": [{"url": VALIDITY_EXT, "valueCode": code}],
    }
    if "member" in answer:
        member = answer["member"]
        body["contained"] = [
            {"resourceType": "Patient", "id": "patient", "birthDate": member["birth_date"].isoformat(),
             "gender": member["sex"],
             "name": [{"text": member["name"]},
                      {"text": member["name_kana"],
                       "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
                                      "valueCode": "SYL"}]}]},
            _coverage(answer)]
        body["insurance"] = [{"coverage": {"reference": "#coverage"}, "inforce": code == "1",
                              **({"item": _items(answer)} if _items(answer) else {})}]
    else:
        body["patient"] = request.patient.model_dump(mode="json", exclude_none=True)
        body["error"] = [{"code": {"text": _DISPOSITIONS[code]}}]
    return CoverageEligibilityResponse.model_validate(body).model_dump(mode="json", exclude_none=True)
