"""Birth-date guessing through every facility route (issue 12, item 1; DOMAIN.md §10): a
facility that tries more than five different birth dates for one 記号・番号 within 24 hours is
answered "not found" for it, whatever the truth, the staff are told, and a batch counts as many
queries as it has items against the rate limit."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from shikaku.adapters.attempt_ledger import AttemptLedger
from shikaku.adapters.db.schema import audit_log
from shikaku.adapters.rate_limit import TokenBuckets
from shikaku.service_layer.guessing import GuessWatch
from tests.builders import card_info, facility, fhir_request, insured_body
from tests.conftest import INSURER_NUMBER
from tests.helpers import Clock
from tests.integration.test_rate_limit import limited

FHIR = {"Content-Type": "application/fhir+json"}
DAY = "2026-06-01"


@pytest.fixture
def member(client):
    r = client.post("/api/v1/members", json=insured_body(birth_date="1980-05-10"))
    return r.json()


def wrong_dates(n: int) -> list[str]:
    return [(date(1950, 1, 1) + timedelta(days=i)).isoformat() for i in range(n)]


# Each facility route, answering one card-data query: (validity code or None, the raw answer).
def by_verification(client, headers, member, birth_date):
    r = client.post("/api/v1/verifications", json=card_info(member, DAY, birth_date=birth_date),
                    headers=headers)
    return r.json()["validity_code"]


def by_batch(client, headers, member, birth_date):
    r = client.post("/api/v1/verification-batches", headers=headers, json={
        "service_date": DAY, "items": [card_info(member, DAY, birth_date=birth_date)]})
    return r.json()["results"][0]["validity_code"]


def by_fhir(client, headers, member, birth_date):
    request = fhir_request({**member, "birth_date": birth_date}, DAY)
    r = client.post("/api/v1/fhir/CoverageEligibilityRequest", headers=FHIR | headers,
                    content=request.model_dump_json(exclude_none=True))
    insurance = r.json().get("insurance") or [{}]  # not found: no insurance entry
    return "1" if insurance[0].get("inforce") else "not valid"


def by_reception(client, headers, member, birth_date):
    r = client.post("/api/v1/reception-assessments", headers=headers, json={
        "service_date": DAY, "facility": {"online_verification": True}, "presented": ["eligibility_notice"],
        "insurer_number": INSURER_NUMBER, "symbol": member["symbol"], "number": member["number"],
        "branch": member["branch"], "birth_date": birth_date})
    return r.json()["code"]  # notice alone: "notice_alone" whatever the truth; the log tells


ROUTES = [by_verification, by_batch, by_fhir]


@pytest.mark.parametrize("ask", ROUTES, ids=lambda f: f.__name__)
def test_guessing_is_answered_not_found_on_every_route(client, member, ask):
    clinic = facility(client)
    assert ask(client, clinic, member, member["birth_date"]) == "1"  # the true date: valid
    for wrong in wrong_dates(4):
        ask(client, clinic, member, wrong)  # five different dates so far: still answered truly
    assert ask(client, clinic, member, member["birth_date"]) == "1"
    ask(client, clinic, member, wrong_dates(5)[-1])  # the sixth different date
    assert ask(client, clinic, member, member["birth_date"]) != "1"  # whatever the truth
    assert by_verification(client, facility(client, "1310112352"), member, member["birth_date"]) == "1"


def test_the_batch_attack_learns_nothing(client, ctx, member):
    """The finding: 10,000 birth dates in one batch found the member's name. Now everything
    after the fifth different date is 'not found', the true date included, and nothing about
    the member comes back."""
    clinic = facility(client)
    guesses = wrong_dates(999) + [member["birth_date"]]
    with limited(ctx, facility=TokenBuckets(rate=0)) as server:  # the batch's cost is tested below
        r = server.post("/api/v1/verification-batches", headers=clinic, json={
            "service_date": DAY, "items": [card_info(member, DAY, birth_date=d) for d in guesses]})
        results = r.json()["results"]
        assert {x["validity_code"] for x in results} == {"4"}
        assert all("member" not in x for x in results)
        assert by_verification(server, clinic, member, member["birth_date"]) == "4"


def test_the_staff_are_told_and_a_supervisor_releases(client, ctx, member):
    clinic = facility(client)
    for wrong in wrong_dates(6):
        by_verification(client, clinic, member, wrong)
    flags = client.get("/api/v1/verification-flags").json()
    assert flags["total"] == 1
    flag = flags["items"][0]
    assert (flag["facility_code"], flag["symbol"], flag["number"], flag["birth_dates"], flag["live"]) == \
        ("1310112345", member["symbol"], member["number"], 6, True)
    with ctx.engine.connect() as conn:
        actions = list(conn.execute(select(audit_log.c.action, audit_log.c.role)
                                    .where(audit_log.c.action == "verification.guessing_flagged")))
    assert actions == [("verification.guessing_flagged", "facility")]
    page = client.get("/staff/dashboard")  # the admin token is no session: sign in for the page
    assert page.status_code in (200, 303)
    released = client.post(f"/api/v1/verification-flags/{flag['id']}/release")
    assert released.status_code == 200, released.text
    assert client.post(f"/api/v1/verification-flags/{flag['id']}/release").status_code == 409
    assert by_verification(client, clinic, member, member["birth_date"]) == "1"


def test_a_flag_raised_in_one_process_blocks_in_another(client, ctx, member, monkeypatch):
    clinic = facility(client)
    for wrong in wrong_dates(6):
        by_verification(client, clinic, member, wrong)
    # Another worker process: its own memory, the same database.
    monkeypatch.setattr(ctx, "guess_watch", GuessWatch.for_context(ctx))
    assert by_verification(client, clinic, member, member["birth_date"]) == "4"


def test_the_block_ends_with_the_window(client, ctx, member, monkeypatch):
    clock = Clock(time.time())
    monkeypatch.setattr(ctx, "guess_watch", GuessWatch(AttemptLedger(24 * 3600, clock=clock)))
    clinic = facility(client)
    for wrong in wrong_dates(6):
        by_verification(client, clinic, member, wrong)
    assert by_verification(client, clinic, member, member["birth_date"]) == "4"
    clock.now += 24 * 3600 + 10
    assert by_verification(client, clinic, member, member["birth_date"]) == "1"


def test_reception_attempts_count_too(client, member):
    clinic = facility(client)
    for wrong in wrong_dates(6):
        by_reception(client, clinic, member, wrong)
    assert by_verification(client, clinic, member, member["birth_date"]) == "4"


def test_a_batch_counts_as_many_queries_as_it_has_items(client, ctx, member):
    clock = Clock(100.0)
    clinic = facility(client)
    items = [card_info(member, DAY)] * 30
    with limited(ctx, facility=TokenBuckets(rate=1, burst=10, clock=clock)) as server:
        assert server.post("/api/v1/verification-batches", headers=clinic,
                           json={"service_date": DAY, "items": items}).status_code == 200
        refused = server.post("/api/v1/verifications", json=card_info(member, DAY), headers=clinic)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 20  # 30 taken from 10: 20 owed at 1/s
        clock.now += 25
        assert server.post("/api/v1/verifications", json=card_info(member, DAY), headers=clinic).status_code == 200
