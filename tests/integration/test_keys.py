"""`shikaku keys rotate`: every sealed 個人番号 re-encrypted and every look-up hash recomputed under
a new key; the old key no longer opens anything, look-ups and card verification keep working,
the API answers during the rotation, and a rotation killed half-way resumes."""
from __future__ import annotations

import os
import stat
import threading
import time
from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shikaku.adapters.db import repository as repo
from shikaku.adapters.db.schema import audit_log, members, society
from shikaku.adapters.signing import CardSigner
from shikaku.adapters.vault import Vault, sealed_key_id
from shikaku.domain.errors import DomainError
from shikaku.entrypoints.bootstrap import build_context
from shikaku.entrypoints.cli import app
from shikaku.service_layer import audit_trail, keys, myna
from shikaku.service_layer import society as society_service
from tests.builders import enrolled, insured_body, my_number
from tests.conftest import serving

OLD_SECRET = os.environ["SHIKAKU_SECRET_KEY"].encode()
OLD = Vault(OLD_SECRET)
FACILITY_CODE = "1310112345"


def people(ctx, admin, n, cards=True):
    """n insured members with a My Number and (with `cards`) a registered card each."""
    found = []
    for i in range(n):
        mn = my_number()
        member = enrolled(ctx, admin, insured_body(my_number=mn))
        card = f"CROT{i:04d}{mn[-4:]}" if cards else None
        if card:
            myna.add_card(ctx, admin, mn, card, date(2031, 12, 31))
            myna.register_for_insurance(ctx, admin, card, date(2021, 10, 20))
        found.append((member, mn, card))
    return found


def by_card(client, facility, card):
    r = client.post("/api/v1/verifications", headers=facility, json={
        "service_date": "2026-06-01", "method": "myna_card", "card_id": card, "identity_check": "face"})
    assert r.status_code == 200, r.text
    return r.json()


def ciphers(ctx):
    with ctx.connection() as conn:
        return conn.execute(select(members.c.id, members.c.my_number_cipher)
                            .where(members.c.my_number_cipher.is_not(None))).all()


@pytest.fixture
def served(keyed, monkeypatch):
    with serving(keyed, monkeypatch) as client:
        yield client


def test_rotation_re_keys_everything_and_look_ups_still_work(keyed, admin, db_url, served):
    found = people(keyed, admin, 12)
    token = society_service.add_facility(keyed, admin, FACILITY_CODE, "試験医院")["token"]
    printed = CardSigner(OLD_SECRET).sign({"t": "EC", "s": "000000000001"})
    result = CliRunner().invoke(app, ["keys", "rotate", "--db", db_url, "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    new = keyed.vault.current
    assert new.key_id != OLD.key_id and keyed.vault.next is None
    for _, sealed in ciphers(keyed):
        assert sealed_key_id(sealed) == new.key_id
        with pytest.raises(Exception):
            OLD.open(sealed)
    with keyed.connection() as conn:
        for member, mn, _ in found:
            holders = repo.members_with_hash(conn, *keyed.vault.lookup_hashes(mn))
            assert [str(r.id) for r in holders] == [member.id]
            assert keyed.vault.open(holders[0].my_number_cipher) == mn
        assert conn.execute(select(society.c.key_check)).scalar_one() == new.key_check()
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("keys.%"))).scalars().all()
    assert actions == ["keys.rotate.start", "keys.rotate"]
    for _, _, card in found:
        assert by_card(served, {"Authorization": f"Bearer {token}"}, card)["validity_code"] == "1"
    files = keyed.vault.files
    assert stat.S_IMODE(files.path.stat().st_mode) == 0o600 and files.path.read_bytes().strip() == new.secret
    retired = files.retired_path(OLD.key_id)
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600 and retired.read_bytes().strip() == OLD_SECRET
    assert audit_trail.verify(keyed, admin) is None  # the chain moved to the new key
    fresh = build_context(db_url)  # a server started after the rotation
    society_service.check_key(fresh)
    assert fresh.signer.verify(printed)["s"] == "000000000001"  # cards printed before stay genuine
    fresh.engine.dispose()


def test_the_api_answers_during_a_rotation(keyed, admin, served):
    found = people(keyed, admin, 40)
    facility = {"Authorization": f"Bearer {society_service.add_facility(keyed, admin, FACILITY_CODE, 'x')['token']}"}
    started, answered_some, failures = threading.Event(), threading.Event(), []

    def slowly(done, total):  # after the first batch, hold on until the API has answered a few
        started.set()
        answered_some.wait()  # set by the API loop below, or by its `finally`
        time.sleep(0.02)

    def run():
        try:
            keys.rotate(keyed, admin, batch_size=4, progress=slowly)
        except Exception as exc:  # reported below
            failures.append(exc)

    rotation = threading.Thread(target=run)
    rotation.start()
    answered, added = 0, []
    try:
        assert started.wait(120)
        while rotation.is_alive():
            member, mn, card = found[answered % len(found)]
            assert by_card(served, facility, card)["validity_code"] == "1"
            r = served.get(f"/api/v1/members/{member.id}")
            assert r.status_code == 200 and r.json()["my_number_masked"].endswith(mn[-4:])
            if len(added) < 3:  # a write during the rotation: stored under the new key, no duplicate
                r = served.post("/api/v1/members", json=insured_body(my_number=mn))
                assert r.status_code == 409 and r.json()["code"] == "duplicate_my_number"
                new_mn = my_number()
                r = served.post("/api/v1/members", json=insured_body(my_number=new_mn))
                assert r.status_code == 201, r.text
                added.append(new_mn)
            answered += 1
            if answered == 5:
                answered_some.set()
    finally:  # never leave the rotation running into the next test
        answered_some.set()
        rotation.join()
    assert not failures and answered >= 5
    new = keyed.vault.current
    assert {sealed_key_id(sealed) for _, sealed in ciphers(keyed)} == {new.key_id}
    for _, _, card in found:
        assert by_card(served, facility, card)["validity_code"] == "1"


def test_a_rotation_killed_half_way_resumes(keyed, admin, served):
    found = people(keyed, admin, 20)
    facility = {"Authorization": f"Bearer {society_service.add_facility(keyed, admin, FACILITY_CODE, 'x')['token']}"}

    def killed(done, total):
        raise KeyboardInterrupt  # as if killed after the first batch

    with pytest.raises(KeyboardInterrupt):
        keys.rotate(keyed, admin, batch_size=5, progress=killed)
    target = keyed.vault.next
    assert target is not None and keyed.vault.files.next_path.exists()
    key_ids = [sealed_key_id(sealed) for _, sealed in ciphers(keyed)]
    assert key_ids.count(target.key_id) == 5 and key_ids.count(OLD.key_id) == 15
    for _, _, card in found:  # half re-keyed, every card still finds its member
        assert by_card(served, facility, card)["validity_code"] == "1"
    result = keys.rotate(keyed, admin, batch_size=5)
    assert result.resumed and result.key_id == target.key_id and result.members == 15
    assert {sealed_key_id(sealed) for _, sealed in ciphers(keyed)} == {target.key_id}
    assert keyed.vault.current.key_id == target.key_id
    assert audit_trail.verify(keyed, admin) is None


def test_rotation_needs_a_key_file(ctx, admin):
    with pytest.raises(DomainError) as refused:
        keys.rotate(ctx, admin)
    assert refused.value.code == "key_file_required"
