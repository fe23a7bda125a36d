"""The route × role matrix: every route of the application (API and web pages) with the roles
that may use it, checked by calling each route as each role. A route missing from the matrix
fails `test_matrix_is_complete`.

The role sets are written out here, not read from `service_layer.auth.PERMISSIONS`, so that a
wrong change to the permissions fails this test."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from starlette.routing import Mount

from shikaku.service_layer import accounts, documents, myna, runs, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import insured_body, my_number, symbol

ADMIN, SUPERVISOR, CLERK, AUDITOR = "admin", "supervisor", "clerk", "auditor"
FACILITY, MEMBER = "facility", "member"
ROLES = (ADMIN, SUPERVISOR, CLERK, AUDITOR, FACILITY, MEMBER)
STAFF = {ADMIN, SUPERVISOR, CLERK, AUDITOR}
WRITERS = {ADMIN, SUPERVISOR, CLERK}
MANAGERS = {ADMIN, SUPERVISOR}
ANYONE = set(ROLES) | {"anonymous"}
FACILITY_CODE = "1310112345"
PIN = "4321"


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # with {member}, {cert}, {doc}, {run}, {card}, {token} filled from the world
    roles: frozenset[str]
    body: object = None  # JSON (API) or form fields (web); a callable makes a fresh one

    def payload(self):
        return self.body() if callable(self.body) else self.body


@dataclass(frozen=True)
class Upload:
    """A multipart body of one file (API imports)."""

    field: str
    name: str
    content: bytes


def case(method: str, path: str, roles, body=None) -> Case:
    return Case(method, path, frozenset(roles), body)


def _card():
    return {"my_number": my_number(), "card_id": "CARD" + my_number(), "certificate_expires_on": "2030-01-01"}


_CARD_INFO = {"service_date": "2026-05-01", "method": "card_info", "insurer_number": "06139992",
              "symbol": "1", "number": "1", "branch": "00", "birth_date": "2000-01-01"}

API = [
    case("GET", "/api/v1/health", ANYONE),
    case("GET", "/api/v1/insurer", STAFF | {FACILITY}),
    case("POST", "/api/v1/facilities", {ADMIN}, {"code": "1310112345", "name": "x"}),
    case("POST", "/api/v1/tokens", {ADMIN}, {"role": "clerk", "subject": "x"}),
    case("GET", "/api/v1/tokens", {ADMIN}),
    case("DELETE", "/api/v1/tokens/{token}", {ADMIN}),
    case("POST", "/api/v1/tokens/revoke", ANYONE, {"token": "not-a-token"}),  # the holder's own
    case("POST", "/api/v1/members", WRITERS, insured_body),
    case("GET", "/api/v1/members", STAFF),
    case("GET", "/api/v1/members/{member}", STAFF),
    case("PUT", "/api/v1/members/{member}/my-number", WRITERS,
         lambda: {"my_number": my_number(), "registered_on": "2026-04-01"}),
    case("POST", "/api/v1/members/{member}/disqualification", WRITERS,
         {"disqualified_on": "2026-04-01", "reason": "retirement"}),
    case("PATCH", "/api/v1/members/{member}", WRITERS, {"name": "変更 一郎", "effective_on": "2026-04-01"}),
    case("POST", "/api/v1/members/{member}/legacy-cards", WRITERS, {"issued_on": "2023-04-01"}),
    case("POST", "/api/v1/myna/cards", {ADMIN}, _card),
    case("POST", "/api/v1/myna/cards/{card}/insurance-registration", {ADMIN}, {"registered_on": "2026-04-01"}),
    case("DELETE", "/api/v1/myna/cards/{card}/insurance-registration", {ADMIN}),
    case("GET", "/api/v1/members/{member}/access-log", STAFF),
    case("POST", "/api/v1/members/{member}/portal-pin-reset", WRITERS),  # the letter (PDF, D-94)
    case("POST", "/api/v1/verifications", {FACILITY}, _CARD_INFO),
    case("POST", "/api/v1/verification-batches", {FACILITY}, {"service_date": "2026-05-01", "items": [_CARD_INFO]}),
    case("POST", "/api/v1/fhir/CoverageEligibilityRequest", {FACILITY}, {"resourceType": "CoverageEligibilityRequest"}),
    # OQS messages (issue 15): the JSON form of a siquc01; a card on the simulated reader
    case("POST", "/api/v1/oqs/qualification-confirmations", {FACILITY},
         {"XmlMsg": {"MessageHeader": {"QualificationConfirmationDate": "20260501",
                                       "MedicalInstitutionCode": FACILITY_CODE}}}),
    case("POST", "/api/v1/oqs/card-readings", {FACILITY},
         {"card_id": "CFFFFFFFFFFFFFFF", "identity_check": "face", "service_date": "2026-05-01"}),
    # 一括照会 (muquc01, muquc02) in their JSON form
    case("POST", "/api/v1/oqs/bulk-confirmations", {FACILITY},
         {"XmlMsg": {"MessageHeader": {"QualificationConfirmationDate": "20260501",
                                       "MedicalInstitutionCode": FACILITY_CODE}}}),
    case("POST", "/api/v1/oqs/bulk-confirmations/results", {FACILITY},
         {"XmlMsg": {"MessageHeader": {"MedicalInstitutionCode": FACILITY_CODE},
                     "MessageBody": {"ReceptionNumber": "0" * 24}}}),
    case("POST", "/api/v1/members/{member}/eligibility-certificates", WRITERS, {"reason": "no_card"}),
    case("GET", "/api/v1/members/{member}/eligibility-certificates", STAFF),
    case("GET", "/api/v1/eligibility-certificates/{cert}/pdf", STAFF),
    case("POST", "/api/v1/members/{member}/notices", WRITERS, {"reason": "lost"}),
    case("POST", "/api/v1/members/{member}/limit-certifications", WRITERS, {"kind": "limit"}),
    case("POST", "/api/v1/members/{member}/specific-disease-certifications", WRITERS, {"disease": "1"}),
    case("POST", "/api/v1/members/{member}/elderly-certificates", WRITERS, {}),
    case("GET", "/api/v1/members/{member}/documents", STAFF),
    case("GET", "/api/v1/documents/{doc}/pdf", STAFF),
    case("POST", "/api/v1/ex-officio-runs", MANAGERS, {"run_on": "2026-06-01", "dry_run": True}),
    case("POST", "/api/v1/renewal-runs", MANAGERS, {"run_on": "2026-06-01", "dry_run": True}),
    case("GET", "/api/v1/ex-officio-runs/{run}", STAFF),
    case("GET", "/api/v1/renewal-runs/{run}", STAFF),
    case("GET", "/api/v1/runs/{run}/print-file", MANAGERS),
    case("GET", "/api/v1/runs/{run}/mailers.pdf", MANAGERS),
    case("GET", "/api/v1/runs/{run}/manifest", MANAGERS),
    case("POST", "/api/v1/reception-assessments", STAFF | {FACILITY},
         {"service_date": "2026-05-01", "facility": {"online_verification": True}, "presented": ["myna_card"]}),
    case("GET", "/api/v1/self-pay-limits?category=A03&medical_cost=1000000&month=2026-05-01", STAFF | {FACILITY}),
    case("POST", "/api/v1/card-checks", STAFF | {FACILITY}, {"payload": "SK1:x"}),
    case("GET", "/api/v1/verification-flags", STAFF),
    case("POST", "/api/v1/verification-flags/{flag}/release", MANAGERS),  # unknown: 404 for managers
    case("GET", "/api/v1/audit-log", {ADMIN, AUDITOR}),
    # task D: 取消・訂正 (a loss's 取消 needs a manager: decided in the use case, D-128)
    case("GET", "/api/v1/members/{member}/registrations", STAFF),
    case("POST", "/api/v1/members/{member}/registrations/{seq}/cancellation", WRITERS, {"reason": "誤り"}),
    case("POST", "/api/v1/members/{member}/registrations/{seq}/correction", WRITERS,
         {"reason": "誤記", "name": "訂正 一郎"}),
    case("POST", "/api/v1/eligibility-certificates/{cert}/cancellation", MANAGERS, {"reason": "誤交付"}),
    case("POST", "/api/v1/documents/{doc}/cancellation", MANAGERS, {"reason": "誤交付"}),
    # 事業所 (issue 14); an unknown 記号 answers 404 to those who may ask
    case("POST", "/api/v1/employers", WRITERS, lambda: {"symbol": symbol(), "name": "試験株式会社"}),
    case("GET", "/api/v1/employers", STAFF),
    case("GET", "/api/v1/employers/999999999", STAFF),
    case("PATCH", "/api/v1/employers/999999999", WRITERS, {"name": "試験株式会社"}),
    case("POST", "/api/v1/employers/import", WRITERS,  # a file with an error: 422, nothing stored
         Upload("file", "employers.csv", "記号,名称\n,名無し\n".encode())),
    # part B: 住所・返納 (the matrix's certificate: the first caller records its return, 409 after)
    case("GET", "/api/v1/postcodes/1000001", STAFF),
    case("GET", "/api/v1/members/{member}/address", STAFF),
    case("PUT", "/api/v1/members/{member}/address", WRITERS, {"postcode": "100-0001", "address": "東京都千代田区千代田1-1"}),
    case("GET", "/api/v1/eligibility-certificates/{cert}/mailer.pdf", STAFF),
    case("GET", "/api/v1/documents/{doc}/mailer.pdf", STAFF),
    case("POST", "/api/v1/eligibility-certificates/{cert}/return", WRITERS, {}),
    case("GET", "/api/v1/reports/unreturned-certificates", STAFF),
    case("GET", "/api/v1/reports/unreturned-certificates/reminders.pdf", STAFF),  # none out: 404
]

# Web pages: a role outside the set is refused (403 page) or sent to its sign-in page.
WEB = [
    case("GET", "/", ANYONE),
    case("GET", "/staff/sign-in", ANYONE),
    case("POST", "/staff/sign-in", ANYONE, {"username": "nobody", "password": "wrong"}),
    case("POST", "/staff/sign-out", STAFF, {}),
    case("GET", "/staff/", STAFF),
    case("POST", "/staff/search/my-number", STAFF, {"my_number": "123456789018"}),
    case("GET", "/portal/sign-in", ANYONE),
    case("POST", "/portal/sign-in", ANYONE, {"card_id": "NOCARD", "pin": "0000"}),
    case("POST", "/portal/sign-out", {MEMBER}, {}),
    case("GET", "/portal/", {MEMBER}),
    case("GET", "/portal/screen.pdf", {MEMBER}),
    case("GET", "/portal/history", {MEMBER}),
    case("GET", "/portal/bring", {MEMBER}),
    case("GET", "/staff/members/new", WRITERS),
    case("POST", "/staff/members/new", WRITERS, {}),
    case("GET", "/staff/members/{member}", STAFF),
    case("GET", "/staff/certificates/{cert}/pdf", STAFF),
    case("GET", "/staff/documents/{doc}/pdf", STAFF),
    *(case(method, f"/staff/members/{{member}}/registrations/{{seq}}/{mode}", WRITERS,
           {} if method == "POST" else None)
      for mode in ("cancellation", "correction") for method in ("GET", "POST")),  # task D
    case("POST", "/staff/certificates/{cert}/cancellation", MANAGERS, {"reason": "誤交付"}),
    case("POST", "/staff/documents/{doc}/cancellation", MANAGERS, {"reason": "誤交付"}),
    case("POST", "/staff/members/{member}/portal-pin-reset", WRITERS, {}),  # the letter (PDF, D-94)
    *(case(method, f"/staff/members/{{member}}/{form}", WRITERS, {} if method == "POST" else None)
      for form in ("dependents/new", "my-number", "disqualification", "amend", "certificates/new",
                   "notices/new", "limit-certifications/new", "specific-disease-certifications/new",
                   "elderly-certificates/new")
      for method in ("GET", "POST")),
    case("GET", "/staff/runs", MANAGERS),
    # Refused after the role check (a day before certificates exist), so no run starts.
    case("POST", "/staff/runs", MANAGERS, {"kind": "ex_officio", "run_on": "2024-01-01"}),
    case("GET", "/staff/runs/{run}", MANAGERS),
    case("GET", "/staff/runs/{run}/progress", MANAGERS),
    case("GET", "/staff/runs/{run}/print-file", MANAGERS),
    case("GET", "/staff/runs/{run}/mailers.pdf", MANAGERS),
    case("GET", "/staff/runs/{run}/manifest", MANAGERS),
    case("GET", "/staff/dashboard", STAFF),
    case("POST", "/staff/verification-flags/{flag}/release", MANAGERS, {}),
    case("GET", "/staff/audit", {ADMIN, AUDITOR}),
    case("GET", "/staff/imports", WRITERS),
    case("POST", "/staff/imports", WRITERS, {}),  # no file: the form again (422)
    case("GET", "/staff/imports/{job}", WRITERS),  # an unknown import: 404 for writers
    case("GET", "/staff/imports/{job}/progress", WRITERS),
    case("GET", "/staff/tokens", {ADMIN}),
    case("POST", "/staff/tokens", {ADMIN}, {}),  # nothing chosen: the form again (422)
    case("POST", "/staff/facilities", {ADMIN}, {}),
    case("POST", "/staff/tokens/{token}/revoke", {ADMIN}, {}),
    # task F: 本日の受付, password change and reset, and the CSV files of the lists (same routes)
    case("GET", "/staff/today", STAFF),
    case("GET", "/staff/today?format=csv&encoding=cp932", STAFF),
    case("GET", "/staff/password", STAFF),
    case("POST", "/staff/password", STAFF, {}),  # no current password: the form again (422)
    case("GET", "/staff/users/password", {ADMIN}),
    case("POST", "/staff/users/password", {ADMIN}, {}),
    case("GET", "/staff/?kana=%E3%83%A4%E3%83%9E%E3%83%80&format=csv", STAFF),
    case("GET", "/staff/audit?format=csv", {ADMIN, AUDITOR}),
    case("GET", "/staff/runs?format=csv", MANAGERS),
    case("GET", "/staff/runs/{run}?format=csv", MANAGERS),
    # part A: 事業所 (an unknown 記号 answers 404 to those who may ask)
    case("GET", "/staff/employers", STAFF),
    case("GET", "/staff/employers?q=1&format=csv", STAFF),
    case("GET", "/staff/employers/new", WRITERS),
    case("POST", "/staff/employers/new", WRITERS, {}),  # nothing typed: the form again (422)
    case("GET", "/staff/employers/import", WRITERS),
    case("POST", "/staff/employers/import", WRITERS, {}),  # no file: the form again (422)
    case("GET", "/staff/employers/999999999", STAFF),
    case("GET", "/staff/employers/999999999/edit", WRITERS),
    case("POST", "/staff/employers/999999999/edit", WRITERS, {"name": "試験株式会社"}),
    # part B: 住所・返納
    case("GET", "/staff/members/{member}/address", WRITERS),
    case("POST", "/staff/members/{member}/address", WRITERS, {}),  # nothing typed: the form again (422)
    case("GET", "/staff/postcodes/1000001", STAFF),
    case("GET", "/staff/certificates/{cert}/mailer.pdf", STAFF),
    case("GET", "/staff/documents/{doc}/mailer.pdf", STAFF),
    case("POST", "/staff/certificates/{cert}/return", WRITERS, {}),
    case("GET", "/staff/unreturned", STAFF),
    case("GET", "/staff/unreturned?format=csv", STAFF),
    case("GET", "/staff/unreturned/reminders.pdf", STAFF),
]

CASES = API + WEB


def _route_key(path: str) -> str:
    return path.split("?")[0]


def _served(routes, prefix: str = ""):
    """(method, path) of every route, routers included (FastAPI keeps them as branches)."""
    for route in routes:
        if isinstance(route, Mount):
            continue
        if not hasattr(route, "path"):  # an included router
            yield from _served(route.original_router.routes, prefix + route.include_context.prefix)
            continue
        for method in (route.methods or {"GET"}) - {"HEAD"}:
            yield method, prefix + route.path


def test_matrix_is_complete(client):
    """Every route the application serves is in the matrix (and nothing else is)."""
    served = set(_served(client.app.app.app.routes)) - {  # client.app: the edge, the fast path, FastAPI
        ("GET", "/api/openapi.json"), ("GET", "/api/docs"), ("GET", "/docs/oauth2-redirect")}
    declared = {(c.method, _route_key(c.path).replace("{member}", "{member_id}")
                 .replace("{cert}", "{cert_id}").replace("{doc}", "{doc_id}")
                 .replace("{run}", "{run_id}").replace("{card}", "{card_id}")
                 .replace("{job}", "{job_id}").replace("{token}", "{token_id}")
                 .replace("{flag}", "{flag_id}").replace("999999999", "{symbol}")
                 .replace("postcodes/1000001", "postcodes/{code}")) for c in CASES}
    assert served - declared == set(), "routes missing from the matrix"
    assert declared - served == set(), "matrix entries for routes that do not exist"


KEEP = object()  # World.call: the case's own body

# Bodies that must never reach a route's validation for a caller who may not use it (item 2):
# invalid for the route's model, and not JSON at all.
INVALID_BODIES = ({"zzz": 1}, b"{not json", b"\xff\xfe")


class World:
    """One member with a card, a certificate, a document and a run; a credential per role and a
    spare token to revoke."""

    def __init__(self, ctx, client):
        admin = Actor(Role.ADMIN, "matrix")
        self.client, self.ctx = client, ctx
        body = insured_body(qualified_on="2020-04-01")
        member = client.post("/api/v1/members", json=body).json()
        self.member = member["id"]
        from shikaku.service_layer import corrections

        self.seq = corrections.registrations(ctx, admin, self.member)[0].seq  # the enrolment (task D)
        card = myna.add_card(ctx, admin, body["my_number"], "MATRIXCARD1", date(2031, 1, 1), PIN)
        self.card = card["card_id"]
        from shikaku.service_layer import commands

        self.cert = documents.apply_for_certificate(
            ctx, admin, self.member, commands.CertificateApplication(reason="not_registered"))["id"]
        self.doc = documents.issue_notice(
            ctx, admin, self.member, commands.NoticeApplication(reason="initial"))["id"]
        self.run = runs.ex_officio(ctx, admin, commands.CertificateRun(run_on="2026-06-01", dry_run=True))["id"]
        society.add_facility(ctx, admin, FACILITY_CODE, "試験医院")
        self.tokens = {role: society.issue_token(ctx, admin, Role(role), FACILITY_CODE if role == FACILITY
                                                 else f"matrix-{role}")["token"]
                       for role in ROLES}
        self.spare = society.issue_token(ctx, admin, Role.CLERK, "matrix-spare")["id"]
        self.sessions = {}
        for role in STAFF:
            accounts.add_user(ctx, admin, f"matrix-{role}", role, Role(role), "matrix-password")
            self.sessions[role] = accounts.sign_in_staff(ctx, f"matrix-{role}", "matrix-password", None)
        self.sessions[MEMBER] = accounts.sign_in_member(ctx, self.card, PIN, None)

    def path(self, template: str) -> str:
        return template.format(member=self.member, cert=self.cert, doc=self.doc, run=self.run,
                               card=self.card, job="no-such-import", token=self.spare, flag="1",
                               seq=self.seq)

    def call(self, c: Case, role: str, body=KEEP):
        """The route called as `role`, with its valid body, or `body`: JSON, or raw bytes."""
        url = self.path(c.path)
        payload = c.payload() if body is KEEP else body
        if c.path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.tokens[role]}" if role in self.tokens else ""}
            if isinstance(payload, Upload):
                return self.client.request(c.method, url, headers=headers, follow_redirects=False,
                                           files={payload.field: (payload.name, payload.content, "text/csv")})
            if isinstance(payload, bytes):
                return self.client.request(c.method, url, content=payload, follow_redirects=False,
                                           headers={**headers, "Content-Type": "application/json"})
            return self.client.request(c.method, url, json=payload, headers=headers,
                                       follow_redirects=False)
        self.client.cookies.clear()
        session = self.sessions.get(role)
        form = dict(payload or {})
        if session is not None:
            self.client.cookies.set("shikaku_session", session.token)
            form["csrf_token"] = session.csrf_token
        if session is None or c.path.endswith("/sign-in"):  # the sign-in forms' double-submit token
            self.client.cookies.set("shikaku_form", "matrix-form-token")
            form["csrf_token"] = "matrix-form-token"
        return self.client.request(c.method, url, data=form if c.method == "POST" else None,
                                   headers={"Authorization": ""}, follow_redirects=False)


@pytest.fixture
def world(ctx, client):
    return World(ctx, client)


def _refused(c: Case, response) -> bool:
    """API: 401 or 403. Pages: the 403 page, or a redirect to a sign-in page without a message
    (signing out also ends there, with one)."""
    if c.path.startswith("/api/"):
        return response.status_code in (401, 403)
    if response.status_code == 403:
        return True
    return response.status_code == 303 and response.headers["location"].endswith("/sign-in") \
        and "shikaku_flash" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("c", CASES, ids=[f"{c.method} {c.path}" for c in CASES])
def test_route_role_matrix(world, c):
    for role in (*ROLES, "anonymous"):
        response = world.call(c, role)
        assert response.status_code < 500, (role, response.text[:500])
        allowed = role in c.roles
        assert _refused(c, response) != allowed, (role, response.status_code, response.text[:300])
        if allowed and c.path.startswith("/api/"):
            assert response.status_code != 422 or response.json()["code"] != "validation_error", \
                (role, response.text)  # the request reached the use case


@pytest.mark.parametrize("c", [c for c in CASES if c.method in ("POST", "PUT", "PATCH")],
                         ids=lambda c: f"{c.method} {c.path}")
def test_refusal_comes_before_the_body(world, c):
    """A caller whose role may not use a route is refused (401/403, or the sign-in page) whatever
    its body: never 422 naming the route's fields (issue 12, item 2)."""
    for body in INVALID_BODIES if c.path.startswith("/api/") else ({"zzz": "1"},):
        for role in (*ROLES, "anonymous"):
            response = world.call(c, role, body)
            assert response.status_code < 500, (role, body, response.text[:300])
            if role not in c.roles:
                assert _refused(c, response), (role, body, response.status_code, response.text[:300])
                assert "relationship" not in response.text and "field" not in response.text


def test_garbage_and_revoked_tokens_are_refused_before_validation(world, client):
    """No token, a made-up token and a revoked one, with a malformed body: 401 (never 422)."""
    revoked = world.tokens[CLERK]
    client.delete(f"/api/v1/tokens/{world.spare}")
    client.post("/api/v1/tokens/revoke", json={"token": revoked})
    for authorization in ("", "Bearer not-a-token", f"Bearer {revoked}", "Basic abc"):
        response = client.post("/api/v1/members", content=b"{not json",
                               headers={"Authorization": authorization, "Content-Type": "application/json"})
        assert response.status_code == 401, (authorization, response.text)
        assert response.json()["code"] == "unauthorized"
