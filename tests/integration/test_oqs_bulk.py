"""一括照会 through the API (OQS.md §1.2): muquc01 accepted whole and answered in the background,
muquc02 processing then every unit in order with the counts, the limits, another facility's
reception number unknown, every item in the 照会履歴 — and a bulk accepted by a server killed
with SIGKILL while answering it is answered after the restart."""
from __future__ import annotations

import urllib.request
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, null, select, update

from bench.server import Server, free_port
from shikaku.adapters.db.schema import oqs_bulk_chunks, oqs_bulks
from shikaku.service_layer import bulk_confirmations, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import FACILITY_CODE, INSURER_NUMBER, enrol, enrol_dependent, enrolled, facility
from tests.conftest import ADMIN_TOKEN, serving
from tests.helpers import eventually

BULK = "/api/v1/oqs/bulk-confirmations"
RESULTS = "/api/v1/oqs/bulk-confirmations/results"
XML = {"Content-Type": "application/xml"}
OTHER_CODE = "1310112352"  # another valid 医療機関コード


def search(member: dict, **override) -> dict:
    fields = {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
              "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
              "Birthdate": member["birth_date"].replace("-", ""),
              "LimitApplicationCertificateRelatedConsFlg": "1"}
    return {**fields, **override}


def elements(parent: str, fields: dict) -> str:
    return f"<{parent}>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + f"</{parent}>"


def muquc01(items: list[dict], code: str = FACILITY_CODE, day: str = "20260401") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><XmlMsg>'
            + elements("MessageHeader", {"QualificationConfirmationDate": day, "MedicalInstitutionCode": code,
                                         "ArbitraryFileIdentifier": "bulk-1"})
            + "<MessageBody>" + "".join(elements("QualificationConfirmSearchInfo", i) for i in items)
            + "</MessageBody></XmlMsg>").encode()


def muquc02(number: str, code: str = FACILITY_CODE) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><XmlMsg>'
            + elements("MessageHeader", {"MedicalInstitutionCode": code})
            + elements("MessageBody", {"ReceptionNumber": number}) + "</XmlMsg>").encode()


def now() -> datetime:
    return datetime.now(timezone.utc)


def parsed(r) -> ET.Element:
    assert r.status_code == 200, r.text[:500]
    return ET.fromstring(r.content)


def text(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None else node.text


def accepted(client, headers: dict, items: list[dict]) -> str:
    root = parsed(client.post(BULK, content=muquc01(items), headers={**headers, **XML}))
    assert text(root, "MessageHeader/SegmentOfResult") == "1", ET.tostring(root, encoding="unicode")
    assert len(text(root, "MessageBody/ReceptionDateTime")) == 14
    return text(root, "MessageBody/ReceptionNumber")


def fetched(client, headers: dict, number: str) -> ET.Element:
    def answered():
        root = parsed(client.post(RESULTS, content=muquc02(number), headers={**headers, **XML}))
        return root if text(root, "MessageHeader/SegmentOfResult") != "2" else None

    return eventually(answered, "the bulk to be answered", timeout=60, interval=0.1)


@pytest.fixture
def clinic(client) -> dict:
    return facility(client)


def test_a_bulk_is_answered_in_order_with_its_counts(client, clinic):
    a, b = enrol(client), enrol(client)
    number = accepted(client, clinic, [search(a), search(b, InsuredIdentificationNumber="99999"),
                                       search(a, Birthdate="20230231"), search(b, ArbitraryIdentifier="p-4")])
    assert len(number) >= 16
    root = fetched(client, clinic, number)
    head = root.find("MessageHeader")
    assert text(head, "SegmentOfResult") == "1" and text(head, "ReferenceClassification") == "2"
    assert (text(head, "NumberOfProcessingResult"), text(head, "NumberOfNormalProcessing"),
            text(head, "NumberOfError")) == ("4", "3", "1")
    assert (text(head, "QualificationConfirmationDate"), text(head, "MedicalInstitutionCode"),
            text(head, "ArbitraryFileIdentifier")) == ("20260401", FACILITY_CODE, "bulk-1")
    assert [e.tag for e in head][-4:] == ["NumberOfProcessingResult", "NumberOfNormalProcessing",
                                          "NumberOfError", "CharacterCodeIdentifier"]
    units = root.findall("MessageBody/BulkConfirmUnit")
    assert [text(u, "ReferenceNumber") for u in units] == ["1", "2", "3", "4"]
    assert [text(u, "QualificationValidity") for u in units] == ["1", "4", None, "1"]
    assert text(units[0], "ResultOfQualificationConfirmation/InsuredIdentificationNumber") == a["number"]
    assert text(units[2], "ProcessingResultStatus") == "2" and text(units[2], "ProcessingResultCode")
    assert text(units[3], "QualificationConfirmSearchInfo/ArbitraryIdentifier") == "p-4"
    assert [e.tag for e in units[0]] == ["QualificationConfirmSearchInfo", "ProcessingResultStatus",
                                         "QualificationValidity", "ResultOfQualificationConfirmation",
                                         "ReferenceNumber"]
    log = client.get(f"/api/v1/members/{a['id']}/access-log").json()["items"]
    assert [e["channel"] for e in log] == ["oqs_bulk"]  # item 1; item 3 was invalid, never asked


def _comparable(unit: ET.Element) -> list[tuple[str, str | None]]:
    """A unit's answer without the times of the answer."""
    return [(e.tag, e.text) for e in unit.iter() if not e.tag.endswith("ConsTime")]


def test_a_bulk_answers_each_item_as_the_single_message(client, clinic):
    """The bulk reads its items' records and cards at once (`verification.prefetched`,
    `in_detail`): each unit is still the single 資格確認's answer — without a 枝番, for a
    dependent, with a card's 交付年月日, with numbers typed full-width (R-NUM-4)."""
    insured = enrol(client)
    child = enrol_dependent(client, insured, birth_date="2021-06-01", qualified_on="2021-06-01")
    issued = client.post(f"/api/v1/members/{insured['id']}/eligibility-certificates",
                         json={"reason": "no_card", "applied_on": "2026-03-02"})
    assert issued.status_code == 201 and issued.json()["valid_from"] <= "2026-04-01", issued.text
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    items = [search(insured), search(child), search(insured, InsuredBranchNumber=None),
             search(child, InsuredIdentificationNumber=child["number"].translate(wide)),
             search(insured, Birthdate="19000101")]
    items = [{k: v for k, v in item.items() if v is not None} for item in items]
    units = fetched(client, clinic, accepted(client, clinic, items)).findall("MessageBody/BulkConfirmUnit")
    assert [text(u, "QualificationValidity") for u in units] == ["1", "1", "1", "1", "4"]
    assert text(units[2], "ResultOfQualificationConfirmation/InsuredCertificateIssuanceDate") == \
        issued.json()["issued_on"].replace("-", "")
    for item, unit in zip(items, units, strict=True):
        single = parsed(client.post("/api/v1/oqs/qualification-confirmations", content=muquc01([item]),
                                    headers={**clinic, **XML})).find("MessageBody")
        answer = ET.Element("BulkConfirmUnit")
        answer.extend([e for e in single if e.tag != "ResultList"] + list(single.find("ResultList") or []))
        assert _comparable(unit)[:-1] == [("BulkConfirmUnit", None), *_comparable(answer)[1:]]


def test_the_json_form_of_a_bulk(client, clinic):
    a = enrol(client)
    body = {"XmlMsg": {"MessageHeader": {"QualificationConfirmationDate": "20260401",
                                         "MedicalInstitutionCode": FACILITY_CODE},
                       "MessageBody": {"QualificationConfirmSearchInfo": [search(a)]}}}
    number = client.post(BULK, json=body, headers=clinic).json()["XmlMsg"]["MessageBody"]["ReceptionNumber"]
    query = {"XmlMsg": {"MessageHeader": {"MedicalInstitutionCode": FACILITY_CODE},
                        "MessageBody": {"ReceptionNumber": number}}}
    msg = eventually(lambda: (m := client.post(RESULTS, json=query, headers=clinic).json()["XmlMsg"])
                     ["MessageHeader"]["SegmentOfResult"] != "2" and m, "the bulk to be answered")
    units = msg["MessageBody"]["BulkConfirmUnit"]
    assert isinstance(units, list) and len(units) == 1 and units[0]["ReferenceNumber"] == "1"


def test_another_facility_does_not_know_the_reception_number(client, clinic):
    number = accepted(client, clinic, [search(enrol(client))])
    fetched(client, clinic, number)
    other = facility(client, OTHER_CODE)
    for asked in (number, "0" * 24, "x" * 33):
        root = parsed(client.post(RESULTS, content=muquc02(asked, OTHER_CODE), headers={**other, **XML}))
        assert text(root, "MessageHeader/SegmentOfResult") == "9"
        assert text(root, "MessageHeader/ErrorCode") == "SK-M08"
        assert root.find("MessageBody") is None
    # Nor may a facility fetch under another's code.
    root = parsed(client.post(RESULTS, content=muquc02(number, FACILITY_CODE), headers={**other, **XML}))
    assert text(root, "MessageHeader/ErrorCode") == "SK-M07"


@pytest.mark.parametrize("count", [0, bulk_confirmations.MAX_ITEMS + 1])
def test_no_item_or_too_many_cannot_be_processed(client, clinic, ctx, count):
    item = {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": "1", "InsuredIdentificationNumber": "1",
            "Birthdate": "19800101", "LimitApplicationCertificateRelatedConsFlg": "0"}
    root = parsed(client.post(BULK, content=muquc01([item] * count), headers={**clinic, **XML}))
    assert text(root, "MessageHeader/SegmentOfResult") == "9"
    assert text(root, "MessageHeader/ErrorCode") == "SK-M09"
    with ctx.connection() as conn:
        assert conn.execute(select(func.count()).select_from(oqs_bulks)).scalar_one() == 0


def test_a_bulk_over_16_mib_is_413(client, clinic):
    r = client.post(BULK, content=b"<XmlMsg>" + b" " * (16 * 1024 * 1024) + b"</XmlMsg>",
                    headers={**clinic, **XML})
    assert r.status_code == 413


@pytest.fixture
def unlimited(ctx, monkeypatch):
    """A client of a server without the facilities' rate limit: a bulk of 10,000 counts as
    10,000 queries (DOMAIN.md §10), which would hold the clinic's next request for 50 s."""
    monkeypatch.setenv("SHIKAKU_FACILITY_RATE", "off")
    with serving(ctx, monkeypatch) as c:
        yield c


def test_ten_thousand_items_are_accepted_and_answered(unlimited, ctx):
    client, clinic = unlimited, facility(unlimited)
    members = [enrol(client) for _ in range(3)]
    items = [search(members[n % 3]) for n in range(bulk_confirmations.MAX_ITEMS)]
    number = accepted(client, clinic, items)
    root = fetched(client, clinic, number)
    assert text(root, "MessageHeader/NumberOfNormalProcessing") == "10000"
    units = root.findall("MessageBody/BulkConfirmUnit")
    assert text(units[-1], "ReferenceNumber") == "10000"
    assert {text(u, "QualificationValidity") for u in units} == {"1"}


def test_a_bulk_abandoned_by_its_worker_is_taken_over(client, clinic, ctx):
    number = accepted(client, clinic, [search(enrol(client))])
    fetched(client, clinic, number)
    # As if a worker had claimed it and died before answering: the next worker takes it once
    # the claim has gone without progress for the lease.
    with ctx.connection(write=True) as conn:
        conn.execute(update(oqs_bulk_chunks).values(units=null()))
        conn.execute(update(oqs_bulks).values(status="answering", claimed_by="dead", claimed_at=now()))
    root = parsed(client.post(RESULTS, content=muquc02(number), headers={**clinic, **XML}))
    assert text(root, "MessageHeader/SegmentOfResult") == "2"
    with ctx.connection(write=True) as conn:  # the claim ran out
        conn.execute(update(oqs_bulks).values(claimed_at=now() - bulk_confirmations.LEASE * 2))
    assert text(fetched(client, clinic, number), "MessageHeader/NumberOfNormalProcessing") == "1"


# ---------------------------------------------------------------- restarts (a real server)
def post_xml(base: str, token: str, path: str, body: bytes) -> ET.Element:
    request = urllib.request.Request(base + path, data=body, method="POST",
                                     headers={"Content-Type": "application/xml", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as r:
        return ET.fromstring(r.read())


def chunks_answered(ctx) -> tuple[int, int]:
    with ctx.connection() as conn:
        total = conn.execute(select(func.count()).select_from(oqs_bulk_chunks)).scalar_one()
        done = conn.execute(select(func.count()).select_from(oqs_bulk_chunks)
                            .where(oqs_bulk_chunks.c.units.is_not(None))).scalar_one()
    return done, total


def test_bulks_accepted_before_a_kill_are_answered_after_the_restart(ctx, admin, db_url):
    code = FACILITY_CODE
    token = society.add_facility(ctx, admin, code, "試験医院")["token"]
    people = [enrolled(ctx, admin) for _ in range(3)]
    items = [search({"symbol": p.symbol, "number": p.number, "branch": p.branch, "birth_date": "1980-05-10"})
             for p in people]
    # A bulk accepted by a server that died before its worker took it (stored, never claimed).
    waiting = bulk_confirmations.accept(ctx, Actor(Role.FACILITY, code), {"MedicalInstitutionCode": code},
                                        date(2026, 4, 1), items).reception_number
    env = {"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN, "SHIKAKU_FACILITY_RATE": "off", "SHIKAKU_OQS_BULK_LEASE": "2"}
    server = Server(db_url, free_port(), env=env).start()
    try:
        # A bulk of 10,000 items whose server is killed (SIGKILL) while answering it.
        big = text(post_xml(server.base, token, BULK, muquc01((items * 3334)[:10000])),
                   "MessageBody/ReceptionNumber")
        eventually(lambda: chunks_answered(ctx)[0] > 1, "the worker to store a chunk", interval=0.005)
        server.crash()
    except BaseException:
        server.crash()
        raise
    done, total = chunks_answered(ctx)
    assert done < total, "the kill must land while the bulk is being answered"
    server.start()
    try:
        for number, count in ((waiting, "3"), (big, "10000")):
            root = eventually(lambda: (r := post_xml(server.base, token, RESULTS, muquc02(number)))
                              .findtext("MessageHeader/SegmentOfResult") != "2" and r, "answers after the restart")
            assert text(root, "MessageHeader/NumberOfNormalProcessing") == count
            units = root.findall("MessageBody/BulkConfirmUnit")
            assert [text(u, "ReferenceNumber") for u in units] == [str(n) for n in range(1, int(count) + 1)]
            assert {text(u, "QualificationValidity") for u in units} == {"1"}
    finally:
        server.crash()
