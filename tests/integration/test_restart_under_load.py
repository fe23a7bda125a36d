"""Restart under load (issue 7, item 6): while clients enrol, register My Numbers, apply for
資格確認書 and verify, the real server (`shikaku serve --workers 2`) is killed — SIGKILL to all its
processes at once —, in the next round stopped gracefully (SIGTERM), in the third its master
alone is killed, and each time it is started again on the same database. Afterwards every
acknowledged write is there exactly once with its content, a write that got no answer is there
whole or not at all, the audit chain verifies, and the verifications answered before a graceful
stop are all in the access log (D-84, D-85). `SHIKAKU_LONG_TESTS=1` runs twelve rounds with twice
the clients."""
from __future__ import annotations

import http.client
import itertools
import subprocess
import threading
import time
import urllib.error
from dataclasses import dataclass, field

import orjson
from sqlalchemy import func, select

from bench.server import CLI, Server, call, free_port
from shikaku.adapters.db.schema import (
    access_log,
    audit_log,
    eligibility_certificates,
    family_snapshots,
    registrations,
)
from shikaku.adapters.db.schema import members as member_rows
from shikaku.domain.numbers import luhn_check_digit
from shikaku.service_layer import society
from tests.builders import enrolled, insured_body, my_number
from tests.conftest import ADMIN_TOKEN, INSURER_NUMBER
from tests.helpers import LONG_TESTS

# How each server epoch ends: SIGKILL to all processes, SIGTERM to the master, SIGKILL to the
# master alone (its workers then stop gracefully, D-85).
ROUNDS = ("crash", "stop", "master crash") * (4 if LONG_TESTS else 1)
GRACEFUL = ("stop", "master crash")
WRITERS, VERIFIERS = (6, 4) if LONG_TESTS else (3, 2)
WRITES_PER_EPOCH = 60 if LONG_TESTS else 25  # acknowledged before each stop and after the last start
REFUSED_PAUSE = 0.05
REFUSED = object()


@dataclass
class Ledger:
    """What the clients were told: acknowledged writes with what they created, writes that got
    no answer, verifications per server epoch, and anything the server should not have said."""

    enrolled: list[tuple[dict, dict]] = field(default_factory=list)  # (body, answer)
    numbered: list[tuple[str, str]] = field(default_factory=list)  # (member id, My Number)
    certified: list[tuple[str, dict]] = field(default_factory=list)  # (member id, answer)
    unanswered: list[tuple[str, tuple]] = field(default_factory=list)  # (kind, what was sent)
    verified: dict[int, int] = field(default_factory=dict)  # epoch → answered
    verify_unanswered: dict[int, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> list:
        return self.enrolled + self.numbered + self.certified


class Load:
    """Client threads against one address that outlives the server processes behind it."""

    def __init__(self, base: str, facility_tokens: list[str], cards: list[dict]):
        self.base, self.tokens, self.cards = base, facility_tokens, cards
        self.ledger, self.epoch, self.done = Ledger(), 0, threading.Event()
        self.threads = [threading.Thread(target=self.write) for _ in range(WRITERS)] + \
                       [threading.Thread(target=self.verify, args=(v,)) for v in range(VERIFIERS)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(120)

    def wait_for_writes(self, timeout: float = 300) -> None:
        """Until WRITES_PER_EPOCH more writes have been acknowledged (the machine may be busy)."""
        goal, deadline = len(self.ledger.acknowledged()) + WRITES_PER_EPOCH, time.monotonic() + timeout
        while len(self.ledger.acknowledged()) < goal and time.monotonic() < deadline:
            time.sleep(0.05)

    def send(self, token: str, path: str, body: dict, method: str = "POST", retry: bool = True):
        """The answer; None when the request may have reached the server but no answer came back;
        REFUSED when the connection was refused (nothing reached the server) and `retry` is off
        or the load is over — else the request is sent again once the server is up."""
        while True:
            try:
                return call(self.base, path, token, body, method, timeout=60)
            except urllib.error.HTTPError as refused:
                with self.ledger.lock:
                    self.ledger.wrong.append(f"{method} {path}: {refused.code} {refused.read()[:300]!r}")
                return None
            except urllib.error.URLError as failed:
                if not isinstance(failed.reason, ConnectionRefusedError):
                    return None
            except (OSError, http.client.HTTPException):  # reset, cut or timed out once sent
                return None
            if not retry or self.done.is_set():
                return REFUSED
            time.sleep(REFUSED_PAUSE)

    def write(self) -> None:
        """Enrolments (half without a My Number), then My Number registrations and certificate
        applications for this writer's acknowledged members, in turn."""
        to_number, to_certify = [], []
        for turn in itertools.count():
            if turn % 3 == 1 and to_number:
                member_id, number = to_number.pop(), my_number()
                answer = self.send(ADMIN_TOKEN, f"/api/v1/members/{member_id}/my-number",
                                   {"my_number": number}, "PUT")
                done = self.record(answer, self.ledger.numbered, (member_id, number), "my_number")
            elif turn % 3 == 2 and to_certify:
                member_id = to_certify.pop()
                answer = self.send(ADMIN_TOKEN, f"/api/v1/members/{member_id}/eligibility-certificates",
                                   {"reason": "needs_assistance"})
                done = self.record(answer, self.ledger.certified, (member_id, answer), "certificate")
            else:
                body = insured_body(my_number=my_number() if turn % 2 else None)
                answer = self.send(ADMIN_TOKEN, "/api/v1/members", body)
                done = self.record(answer, self.ledger.enrolled, (body, answer), "enrolment")
                if isinstance(answer, dict):
                    (to_certify if body.get("my_number") else to_number).append(answer["id"])
            if done:
                return

    def record(self, answer, acknowledged: list, entry: tuple, kind: str) -> bool:
        """Files the outcome of a write; whether the load is over."""
        if answer is REFUSED:
            return True
        with self.ledger.lock:
            if answer:
                acknowledged.append(entry)
            else:
                self.ledger.unanswered.append((kind, entry))
        return self.done.is_set()

    def verify(self, verifier: int) -> None:
        """Card-data verifications with the facility token of the server epoch (D-84); a refused
        one is dropped rather than sent with an old epoch's token to the next server."""
        for n in itertools.count(verifier):
            if self.done.is_set():
                return
            epoch = self.epoch
            answer = self.send(self.tokens[epoch], "/api/v1/verifications", self.cards[n % len(self.cards)],
                               retry=False)
            if answer is REFUSED:
                time.sleep(REFUSED_PAUSE)
                continue
            with self.ledger.lock:
                counts = self.ledger.verified if answer else self.ledger.verify_unanswered
                counts[epoch] = counts.get(epoch, 0) + 1
                if answer and answer["validity"] != "valid":
                    self.ledger.wrong.append(f"verification answered {answer['validity']}")


def facility_code(n: int) -> str:
    payload = f"131{n:06d}"
    return payload + luhn_check_digit(payload)


def card_data(ctx, admin) -> dict:
    """The card-data query of a newly enrolled member (published by the service date)."""
    view = enrolled(ctx, admin)
    return {"service_date": "2026-06-01", "method": "card_info", "insurer_number": INSURER_NUMBER,
            "symbol": view.symbol, "number": view.number, "branch": view.branch,
            "birth_date": view.birth_date.isoformat()}


def test_acknowledged_writes_survive_a_crash_and_a_graceful_restart(ctx, admin, db_url):
    cards = [card_data(ctx, admin) for _ in range(5)]
    facilities = [facility_code(epoch) for epoch in range(len(ROUNDS) + 1)]  # one per server epoch
    tokens = [society.add_facility(ctx, admin, code, f"診療所 {code}")["token"] for code in facilities]
    # The verifiers send as fast as the server answers: on a fast machine that is over the facility
    # rate limit, which has tests of its own (test_rate_limit.py) and is off here.
    server = Server(db_url, free_port(), workers=2,
                    env={"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN, "SHIKAKU_FACILITY_RATE": "off"}).start()
    try:
        with Load(server.base, tokens, cards) as load:
            for ending in ROUNDS:
                load.wait_for_writes()
                if ending == "stop":
                    server.stop()
                else:
                    server.crash(whole=ending == "crash")  # raises if a worker outlives its master
                load.epoch += 1
                server.start()
            load.wait_for_writes()
        ledger = load.ledger
        assert ledger.wrong == []
        assert len(ledger.acknowledged()) >= WRITES_PER_EPOCH * (len(ROUNDS) + 1), "the load wrote too little"
        assert ledger.enrolled and ledger.numbered and ledger.certified
        assert_acknowledged_writes_kept(server.base, ledger)
        assert_unanswered_writes_whole_or_absent(server.base, ledger)
    finally:
        if server.process.poll() is None:
            server.stop()  # graceful: the last epoch's access log is flushed
    assert_every_member_whole(ctx)
    assert_graceful_stops_logged_every_verification(ctx, ledger, facilities)
    chain = subprocess.run([CLI, "audit", "verify", "--db", db_url], capture_output=True, text=True, timeout=300)
    assert chain.returncode == 0, chain.stdout + chain.stderr


def get(base: str, path: str) -> dict:
    return call(base, path, ADMIN_TOKEN)


def enrolled_under(base: str, symbol: str) -> list[dict]:
    return get(base, f"/api/v1/members?symbol={symbol}&as_of=2026-06-01")["items"]


def assert_as_enrolled(view: dict, body: dict) -> None:
    assert {k: view[k] for k in ("relationship", "symbol", "name", "name_kana", "birth_date", "qualified_on",
                                 "standard_monthly_remuneration")} == \
           {k: body[k] for k in ("relationship", "symbol", "name", "name_kana", "birth_date", "qualified_on",
                                 "standard_monthly_remuneration")}
    if body.get("my_number"):
        assert view["my_number_masked"].endswith(body["my_number"][-4:])


def assert_acknowledged_writes_kept(base: str, ledger: Ledger) -> None:
    for body, answer in ledger.enrolled:
        found = enrolled_under(base, body["symbol"])
        assert [m["id"] for m in found] == [answer["id"]], "an acknowledged enrolment is there once"
        assert found[0]["number"] == answer["number"]
        assert_as_enrolled(found[0], body)
    for member_id, number in ledger.numbered:
        view = get(base, f"/api/v1/members/{member_id}")
        assert view["has_my_number"] and view["my_number_masked"].endswith(number[-4:])
    for member_id, answer in ledger.certified:
        held = get(base, f"/api/v1/members/{member_id}/eligibility-certificates")["items"]
        assert [(c["id"], c["serial"]) for c in held] == [(answer["id"], answer["serial"])]


def assert_unanswered_writes_whole_or_absent(base: str, ledger: Ledger) -> None:
    for kind, (sent, detail) in ledger.unanswered:
        if kind == "enrolment":
            found = enrolled_under(base, sent["symbol"])
            assert len(found) <= 1
            for view in found:
                assert_as_enrolled(view, sent)
        elif kind == "my_number":
            view = get(base, f"/api/v1/members/{sent}")
            assert not view["has_my_number"] or view["my_number_masked"].endswith(detail[-4:])
        else:
            assert len(get(base, f"/api/v1/members/{sent}/eligibility-certificates")["items"]) <= 1


def counted(conn, column, *where) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(key): n for key, n in rows}


def assert_every_member_whole(ctx) -> None:
    """Each member has one enrolment and its audit row; a My Number given later has one
    registration and its audit row, and none is stored without them; each certificate has its
    audit row; each family's snapshot holds exactly the family's registrations."""
    reg = registrations.c
    with ctx.connection() as conn:
        ids = {str(i) for i in conn.scalars(select(member_rows.c.id))}
        numbered = {str(i) for i in conn.scalars(select(member_rows.c.id).where(
            member_rows.c.my_number_hash.is_not(None)))}
        enrolments = counted(conn, reg.member_id, reg.kind == "enrolment")
        enrolled_with_number = {str(member_id) for member_id, data in conn.execute(
            select(reg.member_id, reg.data).where(reg.kind == "enrolment")) if data["with_my_number"]}
        registered_later = counted(conn, reg.member_id, reg.kind == "my_number")
        audited = {action: counted(conn, audit_log.c.target, audit_log.c.action == action)
                   for action in ("member.enrol", "member.my_number", "certificate.issue")}
        certificates = counted(conn, eligibility_certificates.c.member_id)
        stored = {}
        for family_id, seq in conn.execute(select(reg.family_id, reg.seq)):
            stored.setdefault(family_id, set()).add(seq)
        snapshots = {family_id: {r[0] for r in orjson.loads(payload)["registrations"]["rows"]}
                     for family_id, payload in conn.execute(select(family_snapshots))}
    assert enrolments == audited["member.enrol"] == dict.fromkeys(ids, 1)
    assert registered_later == audited["member.my_number"] == dict.fromkeys(numbered - enrolled_with_number, 1)
    assert certificates == audited["certificate.issue"]
    assert snapshots == stored


def assert_graceful_stops_logged_every_verification(ctx, ledger: Ledger, facilities: list[str]) -> None:
    """D-20, D-84: a graceful stop writes the access log it holds; a crash may lose its last
    0.2 s; an entry is never invented."""
    with ctx.connection() as conn:
        logged = counted(conn, access_log.c.facility_code)
    for epoch, code in enumerate(facilities):
        answered, unanswered = ledger.verified.get(epoch, 0), ledger.verify_unanswered.get(epoch, 0)
        assert logged.get(code, 0) <= answered + unanswered
        if epoch == len(ROUNDS) or ROUNDS[epoch] in GRACEFUL:
            assert logged.get(code, 0) >= answered, f"epoch {epoch} lost answered verifications"

