"""Fuzzing (issue 7, item 4): schemathesis runs every operation of the OpenAPI document against
the in-process server (the verification fast path in front of FastAPI), as the admin and as a
facility, with a bounded number of examples: no 5xx, every response matches the schema.

The operations are driven by hand with hypothesis: schemathesis' `from_fixture` does not run
under pytest 9 (it reads a private node attribute)."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.builders import insured_body
from tests.conftest import ADMIN_TOKEN

EXAMPLES = 25  # per operation: the whole run takes well under two minutes
CHECKS = [not_a_server_error, response_schema_conformance]


def test_api_conforms_to_its_schema(client):
    client.post("/api/v1/members", json=insured_body())  # something for the reads to find
    facility = client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験医院"})
    bearers = [{"Authorization": f"Bearer {ADMIN_TOKEN}"},
               {"Authorization": f"Bearer {facility.json()['token']}"}]
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    # Revoking by id may hit the facility's token (a small id): run it after everything else.
    operations.sort(key=lambda operation: (operation.method.upper(), operation.path) ==
                    ("DELETE", "/api/v1/tokens/{token_id}"))

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case):
            for headers in bearers:
                case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()


def test_inputs_the_fuzzer_found(client):
    """Each answered 500 once (D-74): ids that are digits to Python but not to int() or BIGINT,
    a NUL character (PostgreSQL refuses it in text), a renewal before certificates exist, an
    offset past BIGINT (D-76)."""
    for member_id in ("²", "9" * 30, "1" * 5000):
        assert client.get(f"/api/v1/members/{member_id}").status_code == 404
    for path in ("/api/v1/eligibility-certificates/²/pdf", "/api/v1/renewal-runs/²"):
        assert client.get(path).status_code == 404
    nul = client.post("/api/v1/tokens", json={"role": "admin", "subject": "a\x00b"})
    assert nul.status_code in (201, 422)  # SQLite stores it, PostgreSQL refuses it
    for listing in ("/api/v1/audit-log", "/api/v1/tokens", "/api/v1/members"):  # SQLite: OverflowError
        assert client.get(f"{listing}?offset={2**64}").status_code == 422
    early = client.post("/api/v1/renewal-runs", json={"run_on": "2000-01-01"})
    assert early.status_code == 422 and early.json()["code"] == "before_certificates"
