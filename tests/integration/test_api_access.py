"""Tokens, roles, facilities, the national-side card endpoints and the audit log (API.md)."""
from __future__ import annotations

from shikaku.service_layer.auth import Role
from tests.builders import as_role, insured_body, my_number, token_for


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
