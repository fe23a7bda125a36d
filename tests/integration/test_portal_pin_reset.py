"""A locked portal PIN reset by the society's staff (issue 12; D-94): a new random PIN, stored as
its argon2 hash, the lock cleared and the card's portal sessions ended, and the letter to mail
(暗証番号再設定通知書, A4, embedded Japanese font, 和暦) returned once — from the staff member page
and from the API. The PIN in the letter signs in; the old one no longer does; the PIN is in no
audit row and no log record."""
from __future__ import annotations

import logging
import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from shikaku.adapters.db.schema import audit_log, myna_cards, web_sessions
from shikaku.domain.errors import DomainError
from shikaku.service_layer import accounts, myna
from shikaku.service_layer.auth import Actor, Role
from tests.builders import enrolled, insured_body
from tests.helpers import sign_in_staff
from tests.integration.test_pdf import A4_POINTS, info, text, word_boxes

OLD_PIN = "2580"
CLERK = Actor(Role.CLERK, "tanto", "192.0.2.10")


@pytest.fixture
def member(ctx, client):
    """労金 太郎 with a My Number card and a PIN, which three misses have locked."""
    body = insured_body(name="労金 太郎", name_kana="ロウキン タロウ")
    enrolled = client.post("/api/v1/members", json=body).json()
    myna.add_card(ctx, Actor(Role.ADMIN, "national"), body["my_number"], "RESETCARD42", date(2031, 1, 1), OLD_PIN)
    for _ in range(accounts.PIN_MAX_FAILURES):
        with pytest.raises(DomainError):
            accounts.sign_in_member(ctx, "RESETCARD42", "0000", None)
    return {**enrolled, "card_id": "RESETCARD42"}


def letter_pin(pdf: bytes, tmp_path) -> str:
    found = re.search(r"新しい暗証番号（数字4桁）([0-9]{4})", text(pdf, tmp_path))
    assert found, text(pdf, tmp_path)
    return found[1]


def sign_in_code(ctx, card_id: str, pin: str) -> str:
    try:
        accounts.sign_in_member(ctx, card_id, pin, None)
    except DomainError as exc:
        return exc.code
    return "signed_in"


def test_the_letter_carries_a_new_pin_that_signs_in_and_the_old_one_does_not(ctx, member, tmp_path):
    assert sign_in_code(ctx, member["card_id"], OLD_PIN) == "pin_locked"
    assert accounts.portal_pin(ctx, CLERK, member["id"]) == accounts.PortalPin(member["card_id"], True)
    pdf = accounts.reset_portal_pin(ctx, CLERK, member["id"])
    pin = letter_pin(pdf, tmp_path)
    assert pin != OLD_PIN and pin not in accounts._WEAK_PINS
    assert accounts.portal_pin(ctx, CLERK, member["id"]).locked is False
    assert sign_in_code(ctx, member["card_id"], OLD_PIN) == "sign_in_failed"
    assert sign_in_code(ctx, member["card_id"], pin) == "signed_in"
    with ctx.connection() as conn:
        stored = conn.execute(select(myna_cards.c.pin_hash, myna_cards.c.pin_failures)
                              .where(myna_cards.c.card_id == member["card_id"])).one()
    assert stored.pin_hash.startswith("$argon2id$") and stored.pin_failures == 0
    again = letter_pin(accounts.reset_portal_pin(ctx, CLERK, member["id"]), tmp_path)
    assert sign_in_code(ctx, member["card_id"], again) == "signed_in"
    if again != pin:
        assert sign_in_code(ctx, member["card_id"], pin) == "sign_in_failed"


def test_the_letter_is_an_a4_page_in_japanese_with_wareki_dates(ctx, member, tmp_path):
    pdf = accounts.reset_portal_pin(ctx, CLERK, member["id"])
    assert info(pdf, tmp_path) == {"Pages": "1", "Page size": A4_POINTS}
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert fonts.count("yes yes yes") == 2 and "IPAexGothic" in fonts and "IPAexMincho" in fonts
    printed = text(pdf, tmp_path)
    for item in ("暗証番号再設定通知書", "労金太郎様", f"記号{member['symbol']}", f"番号{member['number']}",
                 f"枝番{member['branch']}", "令和8年6月1日", "テスト健康保険組合", "カード番号の末尾がRD42",
                 "加入者ポータル", "他人に知られないように", "変更できません"):
        assert item in printed, item
    assert member["card_id"] not in printed  # the letter alone is not a full sign-in
    assert "2026" not in printed
    words = word_boxes(pdf, tmp_path)
    width, height = (float(v) for v in A4_POINTS.split(" x "))
    for word, x0, y0, x1, y1 in words:
        assert 40 <= x0 and x1 <= width - 40 and 30 <= y0 and y1 <= height - 30, word
    for i, (a, ax0, ay0, ax1, ay1) in enumerate(words):
        for b, bx0, by0, bx1, by1 in words[i + 1:]:
            assert min(ax1, bx1) - max(ax0, bx0) <= 0.5 or min(ay1, by1) - max(ay0, by0) <= 0.5, (a, b)


def test_the_reset_is_audited_without_the_pin_ends_portal_sessions_and_logs_nothing(ctx, member, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    pdf = accounts.reset_portal_pin(ctx, CLERK, member["id"])
    pin = letter_pin(pdf, tmp_path)
    opened = accounts.sign_in_member(ctx, member["card_id"], pin, "192.0.2.99")
    pdf = accounts.reset_portal_pin(ctx, CLERK, member["id"])  # a second letter ends that session
    second = letter_pin(pdf, tmp_path)
    assert accounts.session(ctx, opened.token, None) is None
    with ctx.connection() as conn:
        assert not conn.execute(select(web_sessions).where(web_sessions.c.subject == member["card_id"])).first()
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
    resets = [r for r in rows if r.action == "portal.pin_reset"]
    assert [(r.actor, r.role, r.target, r.remote, r.detail) for r in resets] == \
        [("tanto", "clerk", member["card_id"], "192.0.2.10", {"member": member["id"]})] * 2
    for row in rows:  # what a row says (its moment and hashes are not what it says)
        said = " ".join(str(getattr(row, name)) for name in ("actor", "role", "action", "target", "remote", "detail"))
        assert pin not in said and second not in said, row
    for record in caplog.records:
        assert pin not in record.getMessage() and second not in record.getMessage()


def test_only_members_with_a_pin_card_and_writers_may(ctx, client, member):
    plain = enrolled(ctx, Actor(Role.ADMIN, "t"))
    with pytest.raises(DomainError) as refused:
        accounts.reset_portal_pin(ctx, CLERK, plain.id)
    assert (refused.value.code, refused.value.status) == ("portal_pin_not_set", 409)
    with pytest.raises(DomainError) as refused:
        accounts.reset_portal_pin(ctx, Actor(Role.AUDITOR, "kansa"), member["id"])
    assert refused.value.code == "forbidden"
    assert accounts.portal_pin(ctx, CLERK, plain.id) is None
    answer = client.post(f"/api/v1/members/{plain.id}/portal-pin-reset")
    assert answer.status_code == 409 and answer.json()["code"] == "portal_pin_not_set"


def test_the_api_answers_the_letter(ctx, client, member, tmp_path):
    answer = client.post(f"/api/v1/members/{member['id']}/portal-pin-reset")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert sign_in_code(ctx, member["card_id"], letter_pin(answer.content, tmp_path)) == "signed_in"


def test_the_member_page_offers_the_reset_to_writers_and_answers_the_letter(ctx, client, member, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    token = sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/members/{member['id']}")
    assert "ロック中" in page.text and f'action="/staff/members/{member["id"]}/portal-pin-reset"' in page.text
    refused = client.post(f"/staff/members/{member['id']}/portal-pin-reset", data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    assert sign_in_code(ctx, member["card_id"], OLD_PIN) == "pin_locked"
    answer = client.post(f"/staff/members/{member['id']}/portal-pin-reset", data={"csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store" and "attachment" in answer.headers["content-disposition"]
    pin = letter_pin(answer.content, tmp_path)
    assert sign_in_code(ctx, member["card_id"], pin) == "signed_in"
    assert not [r for r in caplog.records if pin in r.getMessage()]
    page = client.get(f"/staff/members/{member['id']}")
    assert "ロック中" not in page.text and "portal-pin-reset" in page.text
    sign_in_staff(client, ctx, "auditor")
    assert "portal-pin-reset" not in client.get(f"/staff/members/{member['id']}").text
    plain = client.post("/api/v1/members", json=insured_body())
    sign_in_staff(client, ctx, "supervisor")
    assert "portal-pin-reset" not in client.get(f"/staff/members/{plain.json()['id']}").text
