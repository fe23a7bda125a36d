"""取消・訂正 through the API on the real database (issue 14, D-124…D-128): a loss cancelled
by a supervisor (a clerk may not) and corrected by a clerk, the society's and the facilities'
views around the correction's 登録日 and 公開日, the stored snapshot, the members row
following a corrected enrolment, and certificates cancelled with their serial never reused."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shikaku.adapters.db.families import refresh_snapshot
from shikaku.adapters.db.schema import audit_log, family_snapshots, members, serials
from shikaku.adapters.db.snapshots import decode_snapshot
from tests.builders import as_role, enrol, enrol_dependent, my_number

REGS = "/api/v1/members/{}/registrations"
LOSS_ON, LOST_ENTERED = "2026-05-15", "2026-05-18"  # a Monday: published Wed 05-20
FRI, TUE = date(2026, 5, 29), date(2026, 6, 2)  # a correction entered Friday is published Tuesday


def registrations(client, member) -> list[dict]:
    r = client.get(REGS.format(member["id"]))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def lost(client, **fields) -> tuple[dict, dict]:
    """An insured (enrolled 2020) whose 退職 on 05-15 was registered on 05-18; the loss registration."""
    member = enrol(client, **fields)
    r = client.post(f"/api/v1/members/{member['id']}/disqualification",
                    json={"disqualified_on": LOSS_ON, "reason": "retirement", "registered_on": LOST_ENTERED})
    assert r.status_code == 200, r.text
    return member, next(x for x in registrations(client, member) if x["kind"] == "disqualification")


def snapshot(ctx, member):
    with ctx.connection() as conn:
        family_id = conn.execute(select(members.c.family_id).where(members.c.id == int(member["id"]))).scalar_one()
        payload = conn.execute(select(family_snapshots.c.payload)
                               .where(family_snapshots.c.family_id == family_id)).scalar_one()
    return family_id, payload


def test_cancelling_a_loss_needs_a_supervisor(client, ctx):
    number = my_number()
    member, loss = lost(client, my_number=number)
    url = f"{REGS.format(member['id'])}/{loss['seq']}/cancellation"
    body = {"reason": "別人の喪失届を誤って登録", "registered_on": FRI.isoformat()}
    assert client.post(url, json=body, headers=as_role(client, "clerk")).status_code == 403
    assert client.post(url, json=body, headers=as_role(client, "auditor")).status_code == 403
    r = client.post(url, json=body, headers=as_role(client, "supervisor"))
    assert r.status_code == 200, r.text
    assert r.json()["eligible"] and r.json()["disqualified_on"] is None
    items = client.get(REGS.format(member["id"]))
    assert number not in items.text
    shown = next(x for x in items.json()["items"] if x["seq"] == loss["seq"])
    assert shown["cancelled"] and shown["corrections"][0]["kind"] == "cancellation"
    assert shown["corrections"][0]["by"] == "test-supervisor"
    assert shown["corrections"][0]["publish_on"] == TUE.isoformat()
    again = client.post(url, json=body, headers=as_role(client, "supervisor"))
    assert again.status_code == 409 and again.json()["code"] == "already_corrected"
    with ctx.connection() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action).where(audit_log.c.target == member["id"]))]
    assert "registration.cancel" in actions


def test_facilities_see_the_cancellation_from_its_publish_day_and_the_snapshot_is_the_source(client, ctx):
    member, loss = lost(client)
    client.post(f"{REGS.format(member['id'])}/{loss['seq']}/cancellation",
                json={"reason": "誤登録", "registered_on": FRI.isoformat()})
    family_id, payload = snapshot(ctx, member)
    history, m, service = decode_snapshot(payload), int(member["id"]), date(2026, 5, 25)
    assert [history.known_by(d).state(m, service).eligible for d in (date(2026, 5, 28), FRI)] == [False, True]
    assert [history.visible_state(m, d).eligible for d in (date(2026, 5, 20), date(2026, 6, 1), TUE)] == \
        [False, False, True]
    assert not history.published_by(date(2026, 6, 1)).state(m, service).eligible  # as they were shown
    with ctx.connection(write=True) as conn:
        refresh_snapshot(conn, family_id)
    assert snapshot(ctx, member)[1] == payload


def test_a_clerk_corrects_the_loss_date_and_reason(client):
    member, loss = lost(client)
    url = f"{REGS.format(member['id'])}/{loss['seq']}/correction"
    clerk = as_role(client, "clerk")
    same = client.post(url, json={"reason": "確認", "effective_on": LOSS_ON, "loss_reason": "retirement"},
                       headers=clerk)
    assert same.status_code == 422 and same.json()["code"] == "nothing_to_change"
    early = client.post(url, json={"reason": "日付の誤り", "effective_on": "2020-03-01"}, headers=clerk)
    assert early.json()["code"] == "invalid_period"
    missing = client.post(url, json={"effective_on": "2026-05-31"}, headers=clerk)
    assert missing.status_code == 422 and missing.json()["code"] == "missing_field"
    r = client.post(url, json={"reason": "喪失日の誤記（5月末退職）", "effective_on": "2026-05-31",
                               "loss_reason": "death"}, headers=clerk)
    assert r.status_code == 200, r.text
    assert r.json()["disqualified_on"] == "2026-05-31" and r.json()["loss_reason"] == "death"
    assert client.get(f"/api/v1/members/{member['id']}?as_of=2026-05-20").json()["eligible"]
    shown = next(x for x in registrations(client, member) if x["seq"] == loss["seq"])
    assert shown["corrections"][0]["effective_on"] == "2026-05-31"
    assert shown["corrections"][0]["values"] == {"reason": "death"} and not shown["cancelled"]


def test_a_corrected_enrolment_moves_the_members_row(client, ctx):
    member = enrol(client, birth_date="1980-05-10", qualified_on="2020-04-01")
    enrolment = next(x for x in registrations(client, member) if x["kind"] == "enrolment")
    url = f"{REGS.format(member['id'])}/{enrolment['seq']}/correction"
    r = client.post(url, json={"reason": "届書の誤記", "effective_on": "2020-03-01", "birth_date": "1980-05-11",
                               "name": "試験 次郎"})
    assert r.status_code == 200, r.text
    assert (r.json()["birth_date"], r.json()["qualified_on"], r.json()["name"]) == \
        ("1980-05-11", "2020-03-01", "試験 次郎")
    with ctx.connection() as conn:
        row = conn.execute(select(members).where(members.c.id == int(member["id"]))).one()
    assert (str(row.birth_date), str(row.qualified_on), row.name) == ("1980-05-11", "2020-03-01", "試験 次郎")
    refused = client.post(f"{REGS.format(member['id'])}/{enrolment['seq']}/cancellation", json={"reason": "誤り"})
    assert refused.status_code == 409 and refused.json()["code"] == "already_corrected"


def test_a_dependent_cannot_be_moved_outside_the_insured(client):
    insured = enrol(client, qualified_on="2020-04-01")
    dependent = enrol_dependent(client, insured, qualified_on="2021-04-01")
    enrolment = next(x for x in registrations(client, insured) if x["kind"] == "enrolment")
    r = client.post(f"{REGS.format(insured['id'])}/{enrolment['seq']}/correction",
                    json={"reason": "誤記", "effective_on": "2022-01-01"})
    assert r.status_code == 422 and r.json()["code"] == "insured_not_eligible", r.text
    other = client.post(f"{REGS.format(dependent['id'])}/{enrolment['seq']}/correction",
                        json={"reason": "誤記", "effective_on": "2019-01-01"})
    assert other.status_code == 404 and other.json()["code"] == "registration_not_found"


def test_cancelled_certificate_is_invalid_and_its_serial_never_reused(client, ctx):
    member = enrol(client)
    first = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                        json={"reason": "no_card", "applied_on": "2026-05-01"})
    assert first.status_code == 201, first.text
    cert = first.json()
    url = f"/api/v1/eligibility-certificates/{cert['id']}/cancellation"
    body = {"reason": "別人あてに誤って交付", "cancelled_on": "2026-05-20"}
    assert client.post(url, json=body, headers=as_role(client, "clerk")).status_code == 403
    r = client.post(url, json=body, headers=as_role(client, "supervisor"))
    assert r.status_code == 200, r.text
    assert client.post(url, json=body).json()["code"] == "already_cancelled"
    listed = {c["serial"]: c for c in client.get(
        f"/api/v1/members/{member['id']}/eligibility-certificates?as_of=2026-05-19").json()["items"]}
    assert listed[cert["serial"]]["valid_on_as_of"]  # the day before its cancellation
    now = client.get(f"/api/v1/members/{member['id']}/eligibility-certificates").json()["items"]
    assert not now[0]["valid_on_as_of"] and now[0]["cancelled_on"] == "2026-05-20"
    assert now[0]["cancelled_by"] == "test-supervisor"
    second = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                         json={"reason": "no_card", "applied_on": "2026-05-21"})
    assert second.status_code == 201, second.text
    assert second.json()["serial"] != cert["serial"]
    with ctx.connection() as conn:
        last = conn.execute(select(serials.c.last).where(serials.c.kind == "certificate")).scalar_one()
        issued = conn.execute(select(serials)).all()
    assert last >= 2 and issued


def test_cancelled_notice_is_not_valid(client):
    member = enrol(client)
    notice = client.post(f"/api/v1/members/{member['id']}/notices", json={"reason": "initial"})
    assert notice.status_code == 201, notice.text
    r = client.post(f"/api/v1/documents/{notice.json()['id']}/cancellation", json={"reason": "誤交付"},
                    headers=as_role(client, "supervisor"))
    assert r.status_code == 200, r.text
    docs = client.get(f"/api/v1/members/{member['id']}/documents").json()["items"]
    assert docs[0]["cancelled_on"] == "2026-06-01" and not docs[0]["valid_on_as_of"]


# ------------------------------------------------------------------ the staff pages

def test_the_member_page_strikes_the_original_through_beside_its_correction(client, ctx):
    from tests.helpers import sign_in_staff

    member, loss = lost(client)
    cert = client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                       json={"reason": "no_card", "applied_on": "2026-05-01"}).json()
    token = sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/members/{member['id']}").text
    cancel_link = f"/staff/members/{member['id']}/registrations/{loss['seq']}/cancellation"
    correct_link = f"/staff/members/{member['id']}/registrations/{loss['seq']}/correction"
    assert correct_link in page and cancel_link not in page  # a clerk does not cancel a loss
    assert f"/staff/certificates/{cert['id']}/cancellation" not in page
    form = client.get(correct_link)
    assert form.status_code == 200 and "資格喪失日" in form.text
    refused = client.post(correct_link, data={"csrf_token": token, "effective_on": "R8.5.31"})
    assert refused.status_code == 422 and "理由" in refused.text
    done = client.post(correct_link, data={"csrf_token": token, "effective_on": "R8.5.31",
                                           "reason": "喪失日の誤記", "registered_on": "2026-05-29"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(f"/staff/members/{member['id']}").text
    assert "<del>" in page and "喪失日の誤記" in page and "<ins>" in page and "web-clerk" in page
    assert correct_link not in page  # corrected already

    token = sign_in_staff(client, ctx, "supervisor")
    page = client.get(f"/staff/members/{member['id']}").text
    assert f"/staff/certificates/{cert['id']}/cancellation" in page
    cancelled = client.post(f"/staff/certificates/{cert['id']}/cancellation",
                            data={"csrf_token": token, "reason": "誤交付", "cancelled_on": "2026-05-20"},
                            follow_redirects=False)
    assert cancelled.status_code == 303
    page = client.get(f"/staff/members/{member['id']}").text
    assert "に取消（web-supervisor・理由：誤交付）" in page and ">取消</span>" in page
