"""Tokens, roles, facilities, the national-side card endpoints and the audit log (API.md)."""
from __future__ import annotations

import pytest

from shikaku.service_layer.auth import PERMISSIONS, Permission, Role
from tests.helpers import insured_body, my_number


def token_for(client, role: str) -> str:
    if role == "facility":
        r = client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験医院"})
        assert r.status_code == 201, r.text
        return r.json()["token"]
    r = client.post("/api/v1/tokens", json={"role": role, "subject": f"test-{role}"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def as_role(client, role: str) -> dict:
    return {"Authorization": f"Bearer {token_for(client, role)}"}


# (method, path, body, permission) for every route of this issue; {id} is an enrolled member.
ROUTES = [
    ("GET", "/api/v1/insurer", None, Permission.SOCIETY_READ),
    ("POST", "/api/v1/facilities", {"code": "1310112345", "name": "x"}, Permission.FACILITIES_WRITE),
    ("POST", "/api/v1/tokens", {"role": "clerk", "subject": "x"}, Permission.TOKENS_WRITE),
    ("POST", "/api/v1/members", "insured", Permission.MEMBERS_WRITE),
    ("GET", "/api/v1/members", None, Permission.MEMBERS_READ),
    ("GET", "/api/v1/members/{id}", None, Permission.MEMBERS_READ),
    ("PUT", "/api/v1/members/{id}/my-number", "my_number", Permission.MEMBERS_WRITE),
    ("POST", "/api/v1/members/{id}/disqualification",
     {"disqualified_on": "2026-04-01", "reason": "retirement"}, Permission.MEMBERS_WRITE),
    ("PATCH", "/api/v1/members/{id}", {"name": "変更 一郎", "effective_on": "2026-04-01"},
     Permission.MEMBERS_WRITE),
    ("POST", "/api/v1/members/{id}/legacy-cards", {"issued_on": "2023-04-01"}, Permission.MEMBERS_WRITE),
    ("POST", "/api/v1/myna/cards", "card", Permission.NATIONAL_WRITE),
    ("GET", "/api/v1/audit-log", None, Permission.AUDIT_READ),
    ("GET", "/api/v1/members/{id}/access-log", None, Permission.MEMBERS_READ),
    ("POST", "/api/v1/verifications", "verification", Permission.VERIFY),
    ("POST", "/api/v1/verification-batches", "batch", Permission.VERIFY),
    ("POST", "/api/v1/fhir/CoverageEligibilityRequest", {"resourceType": "CoverageEligibilityRequest"},
     Permission.VERIFY),
]


def _body(kind):
    if kind == "insured":
        return insured_body()
    if kind == "my_number":
        return {"my_number": my_number(), "registered_on": "2026-04-01"}
    if kind == "card":
        return {"my_number": my_number(), "card_id": "CARD" + my_number(),
                "certificate_expires_on": "2030-01-01"}
    if kind == "verification":
        return _CARD_INFO
    if kind == "batch":
        return {"service_date": "2026-05-01", "items": [_CARD_INFO]}
    return kind


_CARD_INFO = {"service_date": "2026-05-01", "method": "card_info", "insurer_number": "06139992",
              "symbol": "1", "number": "1", "branch": "00", "birth_date": "2000-01-01"}


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.MEMBER])
def test_route_role_matrix(client, role):
    headers = as_role(client, role)
    member = client.post("/api/v1/members", json=insured_body()).json()
    for method, path, body, permission in ROUTES:
        r = client.request(method, path.format(id=member["id"]), json=_body(body), headers=headers)
        allowed = Role(role) in PERMISSIONS[permission]
        assert (r.status_code != 403) == allowed, (role, method, path, r.status_code, r.text)
        assert r.status_code < 500, r.text
        if not allowed:
            assert r.json()["code"] == "forbidden"


def test_no_token_or_a_revoked_one_is_401(client, ctx):
    from shikaku.service_layer import society
    from shikaku.service_layer.auth import Actor

    token = token_for(client, "clerk")
    assert client.get("/api/v1/insurer", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    society.revoke_token(ctx, Actor(Role.ADMIN, "t"), token)
    r = client.get("/api/v1/insurer", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/insurer", headers={"Authorization": ""}).status_code == 401


def test_facility_token_verifies_only(client):
    r = client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験医院"})
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/members", headers=headers).status_code == 403
    again = client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験医院"})
    assert again.status_code == 409 and again.json()["code"] == "facility_exists"
    bad = client.post("/api/v1/facilities", json={"code": "1310112340", "name": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_facility_code"
    stray = client.post("/api/v1/tokens", json={"role": "facility", "subject": "not-a-clinic"})
    assert stray.status_code == 422 and stray.json()["code"] == "unknown_facility"


def test_card_registration_and_cancellation(client):
    mn = my_number()
    member = client.post("/api/v1/members", json=insured_body(my_number=mn)).json()
    card = {"my_number": mn, "card_id": "C0123456789ABCDE", "certificate_expires_on": "2031-12-31"}
    assert client.post("/api/v1/myna/cards", json=card).status_code == 201
    assert client.post("/api/v1/myna/cards", json=card).json()["code"] == "card_exists"
    path = "/api/v1/myna/cards/C0123456789ABCDE/insurance-registration"
    r = client.post(path, json={"registered_on": "2021-10-20"})
    assert r.status_code == 201 and r.json()["insurance_registered_on"] == "2021-10-20"
    assert mn not in r.text
    assert client.get(f"/api/v1/members/{member['id']}?as_of=2026-01-05").json()["myna_usable"] is True
    assert client.delete(path + "?cancelled_on=2026-01-06").status_code == 200
    assert client.get(f"/api/v1/members/{member['id']}?as_of=2026-01-06").json()["myna_usable"] is False
    assert client.delete(path + "?cancelled_on=2026-01-07").json()["code"] == "not_registered"
    assert client.post("/api/v1/myna/cards/NOPE1234/insurance-registration",
                       json={}).json()["code"] == "card_not_found"


def test_expired_card_certificate_works_through_the_grace(client):
    mn = my_number()
    member = client.post("/api/v1/members", json=insured_body(my_number=mn)).json()
    client.post("/api/v1/myna/cards", json={"my_number": mn, "card_id": "CEXPIRED0001",
                                            "certificate_expires_on": "2026-01-15"})
    client.post("/api/v1/myna/cards/CEXPIRED0001/insurance-registration", json={"registered_on": "2022-01-01"})
    usable = lambda day: client.get(f"/api/v1/members/{member['id']}?as_of={day}").json()["myna_usable"]
    assert usable("2026-04-30") is True and usable("2026-05-01") is False


def test_audit_log_is_readable_by_the_auditor(client):
    client.post("/api/v1/members", json=insured_body())
    r = client.get("/api/v1/audit-log?limit=5", headers=as_role(client, "auditor"))
    assert r.status_code == 200 and r.json()["total"] >= 2
    assert {"at", "actor", "role", "action", "target", "remote"} <= r.json()["items"][0].keys()
