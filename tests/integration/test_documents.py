"""資格確認書, runs, notices, certifications and the desk through the API (issue 4)."""
from __future__ import annotations

from sqlalchemy import func, select

from shikaku.adapters.db.schema import audit_log, eligibility_certificates
from tests.builders import as_role, enrol, my_number, with_card
from tests.conftest import INSURER_NUMBER

CERTS = "/api/v1/members/{}/eligibility-certificates"


def apply(client, member, reason, applied_on="2026-01-10", headers=None, **extra):
    return client.post(CERTS.format(member["id"]), headers=headers,
                       json={"reason": reason, "applied_on": applied_on, **extra})


def test_override_needs_a_supervisor_and_is_audited(client, ctx):
    member, _ = with_card(client)
    assert apply(client, member, "no_card").json()["code"] == "reason_contradicts_registry"
    clerk = apply(client, member, "no_card", headers=as_role(client, "clerk"), override_note="本人申告")
    assert clerk.status_code == 403
    ok = apply(client, member, "no_card", headers=as_role(client, "supervisor"),
               override_note="カードは破損し返納予定と確認")
    assert ok.status_code == 201, ok.text
    with ctx.connection() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action)
                                                  .where(audit_log.c.target == member["id"]))]
    assert "certificate.override" in actions


def test_expired_card_certificate_counts_only_after_the_grace(client):
    member, _ = with_card(client, expires="2026-01-15")
    assert apply(client, member, "certificate_expired", "2026-04-30").json()["code"] == \
        "reason_contradicts_registry"
    assert apply(client, member, "certificate_expired", "2026-05-01").status_code == 201


def test_no_certificate_before_the_transition(client):
    r = apply(client, enrol(client), "no_card", "2024-12-01")
    assert r.status_code == 422 and r.json()["code"] == "before_certificates"


def test_coverage_end_caps_the_expiry(client):
    r = apply(client, enrol(client, coverage_ends_on="2027-03-31"), "no_card", "2026-01-10")
    assert r.json()["expires_on"] == "2027-03-31"


def test_certificate_is_not_valid_after_the_loss(client):
    member = enrol(client)
    apply(client, member, "no_card")
    client.post(f"/api/v1/members/{member['id']}/disqualification",
                json={"disqualified_on": "2026-07-01", "reason": "retirement"})
    listed = lambda day: client.get(CERTS.format(member["id"]) + f"?as_of={day}").json()["items"][0]
    assert listed("2026-06-30")["valid_on_as_of"] is True
    assert listed("2026-07-01")["valid_on_as_of"] is False


def test_ex_officio_run_is_idempotent_and_prints_in_mailing_order(client, ctx):
    plain = [enrol(client, qualified_on="2019-04-01") for _ in range(3)]
    with_card(client, qualified_on="2019-04-01")
    dry = client.post("/api/v1/ex-officio-runs", json={"run_on": "2025-10-01", "dry_run": True}).json()
    assert (dry["status"], dry["issued"], dry["skipped"]) == ("completed", 3, 1)
    run = client.post("/api/v1/ex-officio-runs", json={"run_on": "2025-10-01"}).json()
    again = client.post("/api/v1/ex-officio-runs", json={"run_on": "2025-10-02"}).json()
    assert (run["issued"], again["issued"]) == (3, 0)
    with ctx.connection() as conn:
        assert conn.execute(select(func.count()).select_from(eligibility_certificates)).scalar_one() == 3
    manifest = client.get(f"/api/v1/runs/{run['id']}/manifest").content.decode("utf-8-sig").splitlines()
    assert manifest[0].startswith("連番,交付番号,記号") and len(manifest) == 4
    assert [line.split(",")[2] for line in manifest[1:]] == sorted(m["symbol"] for m in plain)


def test_renewal_run_issues_from_the_day_after_the_cycle_end(client):
    member = enrol(client, qualified_on="2019-04-01")
    assisted, _ = with_card(client, qualified_on="2019-04-01")
    apply(client, member, "no_card", "2025-10-01")
    apply(client, assisted, "needs_assistance", "2025-10-01")
    early = client.post("/api/v1/renewal-runs", json={"run_on": "2029-08-31"})
    assert early.status_code == 422 and early.json()["code"] == "outside_renewal_window"
    run = client.post("/api/v1/renewal-runs", json={"run_on": "2029-09-01"}).json()
    assert run["issued"] == 2
    renewed = client.get(CERTS.format(member["id"]) + "?as_of=2029-12-01").json()["items"]
    assert [(c["valid_from"], c["expires_on"], c["valid_on_as_of"]) for c in renewed] == [
        ("2025-10-01", "2029-11-30", False), ("2029-12-01", "2034-11-30", True)]
    assert client.post("/api/v1/renewal-runs", json={"run_on": "2029-09-02"}).json()["issued"] == 0


def test_initial_notice_waits_for_publication_and_is_issued_once(client):
    member = enrol(client, my_number=None)
    client.put(f"/api/v1/members/{member['id']}/my-number",
               json={"my_number": my_number(), "registered_on": "2026-02-27"})  # Friday
    path = f"/api/v1/members/{member['id']}/notices"
    first = client.post(path, json={"reason": "initial", "applied_on": "2026-02-27"})
    assert first.status_code == 201 and first.json()["issued_on"] == "2026-03-03"
    again = client.post(path, json={"reason": "initial", "applied_on": "2026-03-10"})
    assert again.status_code == 409 and again.json()["code"] == "already_issued"


def test_limit_certificates_for_the_elderly(client):
    general = enrol(client, birth_date="1954-06-01", standard_monthly_remuneration=240000)
    top = enrol(client, birth_date="1954-06-01", standard_monthly_remuneration=880000)
    active = enrol(client, birth_date="1954-06-01", standard_monthly_remuneration=560000)
    path = "/api/v1/members/{}/limit-certifications"
    body = {"kind": "limit", "applied_on": "2026-02-17"}
    assert client.post(path.format(general["id"]), json=body).json()["code"] == "not_applicable"
    assert client.post(path.format(top["id"]), json=body).json()["code"] == "not_applicable"
    ok = client.post(path.format(active["id"]), json=body).json()
    assert (ok["category_code"], ok["category"], ok["valid_until"]) == ("B02", "現役並みⅡ", "2027-01-31")
    not_exempt = client.post(path.format(active["id"]), json={"kind": "limit_reduction"})
    assert not_exempt.json()["code"] == "not_applicable"


def test_elderly_certificate_only_without_myna(client):
    plain = enrol(client, birth_date="1955-09-01", standard_monthly_remuneration=240000)
    r = client.post(f"/api/v1/members/{plain['id']}/elderly-certificates", json={"applied_on": "2025-08-20"})
    assert r.status_code == 201, r.text
    assert (r.json()["valid_from"], r.json()["valid_until"], r.json()["copay_ratio"]) == \
        ("2025-09-01", "2026-07-31", 20)
    user, _ = with_card(client, birth_date="1955-09-01")
    refused = client.post(f"/api/v1/members/{user['id']}/elderly-certificates", json={"applied_on": "2025-10-01"})
    assert refused.json()["code"] == "provided_online"


def test_reception_reports_a_registry_mismatch(client):
    member = enrol(client)
    apply(client, member, "no_card", "2026-01-10")
    client.post(f"/api/v1/members/{member['id']}/disqualification",
                json={"disqualified_on": "2026-05-01", "registered_on": "2026-05-29", "reason": "retirement"})
    body = {"service_date": "2026-05-20", "presented": ["eligibility_certificate"],
            "facility": {"online_verification": True, "reader_working": True},
            "insurer_number": INSURER_NUMBER, "symbol": member["symbol"], "number": member["number"],
            "branch": "00", "birth_date": member["birth_date"]}
    r = client.post("/api/v1/reception-assessments", json=body).json()
    assert r["insured_treatment"] is True and r["eligible_in_registry"] is False


def test_card_check(client, ctx):
    signed = ctx.signer.sign({"t": "certificate", "s": "K0000000011"})
    assert client.post("/api/v1/card-checks", json={"payload": signed}).json()["genuine"] is True
    forged = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    assert client.post("/api/v1/card-checks", json={"payload": forged}).json()["genuine"] is False
