"""The sample OQS files of docs/examples/oqs/ (OQS.md), written by this test so that they never
go stale: every request is sent to the API and every response file is what the server answered
— indented for reading, with the values that carry the moment of the answer (the times, the
reception number) replaced by fixed ones. The test always rewrites the files and reads each
back with the wire codec; the response files must say what the server said.

Files are named as the 資格確認端末 folder names them (OQS.md §2.2): `OQS<message>req_<id>.xml`
in `req/`, `OQS<message>res_<id>.xml` in `res/`, the card reader's `OQSsiquc01res_face_<id>.xml`
in `face/`. README.md (Japanese and English) says what each file is."""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from shikaku.entrypoints.oqs import wire
from tests.builders import (
    FACILITY_CODE,
    INSURER_NUMBER,
    dependent_body,
    facility,
    give_card,
    insured_body,
    my_number,
)
from tests.helpers import eventually

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "oqs"
QC = "/api/v1/oqs/qualification-confirmations"
BULK = "/api/v1/oqs/bulk-confirmations"
RESULTS = "/api/v1/oqs/bulk-confirmations/results"
READINGS = "/api/v1/oqs/card-readings"
SERVICE_DATE = "20260401"
FIXED_TIME = "20260401093000"  # every time of an answer, in the files
FIXED_RECEPTION = "482039175520394817730265"  # the reception number, in the files
TIMES = ("ProcessExecutionTime", "ReceptionDateTime", "LimitApplicationCertificateRelatedConsTime",
         "SpecificDiseasesCertificateRelatedConsTime")
MEDIA = {wire.UTF8: "application/xml", wire.SHIFT_JIS: "application/xml", wire.JSON: "application/json"}
CODECS = {wire.UTF8: "utf-8", wire.SHIFT_JIS: "cp932"}

README = """\
# OQS の電文サンプル / Sample OQS messages

このフォルダのファイルは `tests/integration/test_oqs_examples.py` が書きます（手で編集しないでください）。
要求はすべて shikaku の API に実際に送り、応答はサーバーが返したものです。読みやすいよう字下げし、
応答の時刻（`ProcessExecutionTime`、`ReceptionDateTime`、`…ConsTime`）は `{time}`、
受付番号（`ReceptionNumber`）は `{reception}` に置き換えています。
被保険者は 山田 太郎（ヤマダ タロウ、記号 {symbol}・番号 {number}・枝番 00、保険者番号 {insurer}）とその家族、
医療機関コードは {facility}、資格確認日は {day} です。

The files here are written by `tests/integration/test_oqs_examples.py` (do not edit them by
hand). Every request was sent to shikaku's API and every response is what the server answered,
indented for reading; the times of an answer (`ProcessExecutionTime`, `ReceptionDateTime`,
`…ConsTime`) are replaced by `{time}` and the reception number (`ReceptionNumber`) by
`{reception}`. The member is 山田 太郎 (ヤマダ タロウ, 記号 {symbol}, 番号 {number}, 枝番 00,
insurer {insurer}) and his family; the facility is {facility}; the service date {day}.

The names follow the 資格確認端末 folder (`shikaku oqs-terminal`, OQS.md §2.2): the clinic
software drops `req/OQS<message>req_<id>.xml` and reads `res/OQS<message>res_<id>.xml`; a card on
the reader gives `face/OQSsiquc01res_face_<id>.xml`.

| ファイル / file | フォルダ / folder | 内容 | what it is |
|---|---|---|---|
{rows}
"""

FILES = [  # name, folder, 内容, what it is
    ("OQSsiquc01req_utf8.xml", "req/", "資格確認（券面情報）の要求、UTF-8",
     "siquc01 request (card data), UTF-8"),
    ("OQSsiquc01res_utf8.xml", "res/", "その応答（正常終了、有効、限度額適用区分つき）",
     "its response: SegmentOfResult 1, validity 1, with the limit category"),
    ("OQSsiquc01req_sjis.xml", "req/", "同じ要求を Shift_JIS（CP932）で",
     "the same request in Shift_JIS (the file's bytes are CP932)"),
    ("OQSsiquc01res_sjis.xml", "res/", "その応答（Shift_JIS、CharacterCodeIdentifier 1）",
     "its response in Shift_JIS (CharacterCodeIdentifier 1)"),
    ("siquc01_req.json", "—（HTTP）", "同じ要求の JSON 形式（`POST /api/v1/oqs/qualification-confirmations`、"
     "`application/json`）", "the same request in the JSON form (HTTP body, `application/json`)"),
    ("siquc01_res.json", "—（HTTP）", "その応答の JSON 形式", "its response in the JSON form"),
    ("OQSmuquc01req_bulk.xml", "req/", "一括照会の要求（3 件: 本人、子（未就学）、該当なし）",
     "muquc01 bulk request with 3 items: the insured, a pre-school child, an unknown number"),
    ("OQSmuquc01res_bulk.xml", "res/", "その応答（受付番号・受付日時）",
     "its response: the reception number and time"),
    ("OQSmuquc02req_bulk.xml", "req/", "一括照会の結果取得の要求（受付番号）",
     "muquc02 request for the results (the reception number)"),
    ("OQSmuquc02res_bulk.xml", "res/", "その応答（3 件の BulkConfirmUnit と件数）",
     "its response: the 3 BulkConfirmUnit and the counts"),
    ("OQSsiquc01req_doctype.xml", "req/", "DOCTYPE を含む要求（受け付けない）",
     "a request with a DOCTYPE (refused)"),
    ("OQSsiquc01res_doctype.xml", "res/", "その応答（異常終了 SegmentOfResult 9、ErrorCode SK-M02）",
     "its response: SegmentOfResult 9, ErrorCode SK-M02, no MessageBody"),
    ("OQSsiquc01res_face_reader.xml", "face/", "マイナ保険証を顔認証付きカードリーダーに置いた結果"
     "（ReferenceClassification 1、`POST /api/v1/oqs/card-readings`）",
     "the result of a マイナ保険証 on the face-recognition card reader (ReferenceClassification 1)"),
]


# ---------------------------------------------------------------- making the files

def fixed(tree, reception: str | None = None):
    """`tree` with the values of the moment replaced by fixed ones."""
    if isinstance(tree, dict):
        return {k: (FIXED_TIME if k in TIMES and isinstance(v, str) else
                    FIXED_RECEPTION if k == "ReceptionNumber" and isinstance(v, str) else fixed(v))
                for k, v in tree.items()}
    if isinstance(tree, list):
        return [fixed(v) for v in tree]
    return tree


def readable_xml(content: bytes, encoding: str) -> bytes:
    """An XML message indented, with the values of the moment fixed, in its encoding."""
    text = content.decode(CODECS[encoding])
    declaration = re.match(r"<\?xml[^>]*\?>", text)
    root = ET.fromstring(text[declaration.end():] if declaration else text)
    for element in root.iter():
        if element.tag in TIMES and element.text:
            element.text = FIXED_TIME
        elif element.tag == "ReceptionNumber" and element.text:
            element.text = FIXED_RECEPTION
    ET.indent(root, "  ")
    out = f'<?xml version="1.0" encoding="{encoding}"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return out.encode(CODECS[encoding])


def readable_json(content: bytes) -> bytes:
    return (json.dumps(fixed(json.loads(content)), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write(name: str, data: bytes) -> Path:
    """Writes a file whole (aside, then renamed), as the terminal does."""
    path = EXAMPLES / name
    aside = path.with_name(f".{name}.{os.getpid()}.tmp")
    aside.write_bytes(data)
    aside.replace(path)
    return path


def message(header: dict, body: dict, encoding: str) -> bytes:
    return wire.encode({"MessageHeader": header, "MessageBody": body}, encoding)[0]


def search(member: dict, **override) -> dict:
    return {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
            "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
            "Birthdate": member["birth_date"].replace("-", ""),
            "LimitApplicationCertificateRelatedConsFlg": "1", **override}


def header(file_id: str) -> dict:
    return {"QualificationConfirmationDate": SERVICE_DATE, "MedicalInstitutionCode": FACILITY_CODE,
            "ArbitraryFileIdentifier": file_id}


def folder(name: str) -> str:
    return f"`{name}`" if name.endswith("/") else name


def post(client, clinic: dict, path: str, body: bytes, encoding: str):
    r = client.post(path, content=body, headers={**clinic, "Content-Type": MEDIA[encoding]})
    assert r.status_code == 200, r.text
    return r


# ---------------------------------------------------------------- the test

def test_the_sample_files_are_written_from_real_answers(client):
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    clinic = facility(client)
    number = my_number()
    taro = client.post("/api/v1/members", json=insured_body(
        symbol="1234", number="5678", name="山田 太郎", name_kana="ヤマダ タロウ", birth_date="1985-07-15",
        sex="male", qualified_on="2020-04-01", registered_on="2020-04-02", standard_monthly_remuneration=300000,
        my_number=number)).json()
    ichiro = client.post("/api/v1/members", json=dependent_body(
        taro["id"], name="山田 一郎", name_kana="ヤマダ イチロウ", birth_date="2022-06-01", sex="male",
        qualified_on="2022-06-01", registered_on="2022-06-03")).json()
    assert ichiro["branch"] == "01", ichiro
    give_card(client, number, "C" + number)
    written: dict[str, tuple[bytes, str]] = {}  # name → (what the server answered, its encoding)

    # siquc01 in UTF-8, in Shift_JIS and in JSON
    for suffix, encoding in (("utf8", wire.UTF8), ("sjis", wire.SHIFT_JIS)):
        request = message(header(f"siquc01-{suffix}"), {"QualificationConfirmSearchInfo": search(
            taro, ArbitraryIdentifier="patient-0042")}, encoding)
        answer = post(client, clinic, QC, request, encoding).content
        assert answer.startswith(f'<?xml version="1.0" encoding="{encoding}"?>'.encode())
        written[f"OQSsiquc01req_{suffix}.xml"] = request, encoding
        written[f"OQSsiquc01res_{suffix}.xml"] = answer, encoding
    request = message(header("siquc01-json"), {"QualificationConfirmSearchInfo": search(
        taro, ArbitraryIdentifier="patient-0042")}, wire.JSON)
    written["siquc01_req.json"] = request, wire.JSON
    written["siquc01_res.json"] = post(client, clinic, QC, request, wire.JSON).content, wire.JSON

    # muquc01 with 3 items, answered in the background; then muquc02
    request = message(header("muquc01-0001"), {"QualificationConfirmSearchInfo": [
        search(taro, ArbitraryIdentifier="patient-0042"), search(ichiro, ArbitraryIdentifier="patient-0043"),
        search(taro, InsuredIdentificationNumber="9999", InsuredBranchNumber=None, ArbitraryIdentifier="patient-0044")]},
        wire.UTF8)
    accepted = post(client, clinic, BULK, request, wire.UTF8).content
    reception = wire.decode(accepted, "application/xml")[0]["MessageBody"]["ReceptionNumber"]
    written["OQSmuquc01req_bulk.xml"], written["OQSmuquc01res_bulk.xml"] = (request, wire.UTF8), (accepted, wire.UTF8)
    request = message({"MedicalInstitutionCode": FACILITY_CODE, "ArbitraryFileIdentifier": "muquc02-0001"},
                      {"ReceptionNumber": reception}, wire.UTF8)

    def answered():
        content = post(client, clinic, RESULTS, request, wire.UTF8).content
        return content if wire.decode(content, "application/xml")[0]["MessageHeader"]["SegmentOfResult"] != "2" \
            else None

    written["OQSmuquc02req_bulk.xml"] = request, wire.UTF8
    written["OQSmuquc02res_bulk.xml"] = eventually(answered, "the bulk to be answered", timeout=60, interval=0.1), \
        wire.UTF8

    # what cannot be processed: a DOCTYPE
    request = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
               "<XmlMsg><MessageHeader><QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
               f"<MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode></MessageHeader>"
               "<MessageBody><QualificationConfirmSearchInfo><InsurerNumber>&xxe;</InsurerNumber>"
               "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n").encode()
    written["OQSsiquc01req_doctype.xml"] = request, "raw"
    written["OQSsiquc01res_doctype.xml"] = post(client, clinic, QC, request, wire.UTF8).content, wire.UTF8

    # a マイナ保険証 on the reader
    r = client.post(READINGS, json={"card_id": "C" + number, "identity_check": "face", "limit_consent": True,
                                    "service_date": "2026-04-01"}, headers=clinic)
    assert r.status_code == 200, r.text
    written["OQSsiquc01res_face_reader.xml"] = r.content, wire.UTF8

    # the files, and each read back with the codec
    assert sorted(written) == sorted(name for name, *_ in FILES)
    for name, (content, encoding) in written.items():
        if encoding == "raw":
            data = content
        else:
            data = readable_json(content) if encoding == wire.JSON else readable_xml(content, encoding)
        path = write(name, data)
        if encoding == "raw":
            assert b"<!DOCTYPE" in path.read_bytes()
            continue
        tree, read_encoding = wire.decode(path.read_bytes(), MEDIA[encoding])
        assert read_encoding == encoding, name
        assert tree == fixed(wire.decode(content, MEDIA[encoding])[0]), f"{name} does not say what the server said"
    write("README.md", README.format(
        time=FIXED_TIME, reception=FIXED_RECEPTION, symbol=taro["symbol"], number=taro["number"],
        insurer=INSURER_NUMBER, facility=FACILITY_CODE, day=SERVICE_DATE,
        rows="\n".join(f"| `{n}` | {folder(f)} | {ja} | {en} |" for n, f, ja, en in FILES)).encode("utf-8"))

    # what the files show
    def tree_of(name: str) -> dict:
        return wire.decode((EXAMPLES / name).read_bytes(), "application/json" if name.endswith(".json")
                           else "application/xml")[0]

    utf8, sjis, as_json = (tree_of(n) for n in ("OQSsiquc01res_utf8.xml", "OQSsiquc01res_sjis.xml",
                                                "siquc01_res.json"))
    [item] = utf8["MessageBody"]["ResultList"]
    result = item["ResultOfQualificationConfirmation"]
    assert (result["Name"], result["NameKana"]) == ("山田\u3000太郎", "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert result["LimitApplicationCertificateRelatedInfo"]["LimitApplicationCertificateClassificationFlag"] == "A03"
    assert result["LimitApplicationCertificateRelatedConsTime"] == FIXED_TIME
    assert utf8["MessageHeader"]["ProcessExecutionTime"] == FIXED_TIME
    assert (utf8["MessageHeader"]["CharacterCodeIdentifier"], sjis["MessageHeader"]["CharacterCodeIdentifier"]) \
        == ("0", "1")
    assert (EXAMPLES / "OQSsiquc01res_sjis.xml").read_bytes().decode("cp932").count("山田\u3000太郎") == 1
    assert as_json["MessageBody"]["ResultList"][0]["ResultOfQualificationConfirmation"]["Name"] == "山田\u3000太郎"
    bulk = tree_of("OQSmuquc02res_bulk.xml")
    assert [u["QualificationValidity"] for u in bulk["MessageBody"]["BulkConfirmUnit"]] == ["1", "1", "4"]
    assert bulk["MessageHeader"]["NumberOfProcessingResult"] == "3"
    assert tree_of("OQSmuquc01res_bulk.xml")["MessageBody"]["ReceptionNumber"] == FIXED_RECEPTION
    assert tree_of("OQSmuquc02req_bulk.xml")["MessageBody"]["ReceptionNumber"] == FIXED_RECEPTION
    error = tree_of("OQSsiquc01res_doctype.xml")
    assert (error["MessageHeader"]["SegmentOfResult"], error["MessageHeader"]["ErrorCode"]) == ("9", "SK-M02")
    assert "MessageBody" not in error
    face = tree_of("OQSsiquc01res_face_reader.xml")
    assert face["MessageHeader"]["ReferenceClassification"] == "1"
    assert "QualificationConfirmSearchInfo" not in face["MessageBody"]
