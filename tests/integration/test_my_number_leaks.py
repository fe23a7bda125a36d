"""The My Number leak search (issue 7, item 1, D-81). Members get known 個人番号 through the API,
the staff forms and employers' files (the CLI and the upload page, one file refused), typed the
ways people type them, also into refused forms and as the card's number or the user name at
sign-in (D-80); then every feature that touches them runs: member pages and JSON, マイナ保険証
registration, verification by card, by card data, in a batch and in FHIR, the desk and the card
check, certificates, notices and the other PDFs, an ex officio run with its print file and
manifest, the portal, the dashboard, the audit log, the exports, a backup and a key rotation.

Everything that leaves the system is kept: every HTTP answer (headers, body, its access-log
line), every log record of every logger at DEBUG, every CLI output, every PDF (bytes and
pdftotext), every written file, temporary files left behind, and at the end the database itself
(the SQLite files, or a pg_dump) and the backup. Each number is then searched for in clear — 12
digits, grouped by spaces or hyphens, full-width, its first 11 digits (a wrong check digit typed),
in UTF-8, UTF-16 and CP932. The registration file for the national intermediate server is the one
place allowed to hold them, and it must hold every stored one: the search is shown to find what is
there. A finding names the place and the masked number, never the number."""
from __future__ import annotations

import io
import itertools
import json
import logging
import re
import subprocess
import tempfile
import traceback
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import zxingcpp
from PIL import Image
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from shikaku.adapters.db.backup import PG_MAGIC
from shikaku.domain.numbers import mask_my_number
from shikaku.entrypoints.cli import app
from shikaku.entrypoints.web.audit import PAGE_SIZE as AUDIT_PAGE
from tests.builders import dependent_body, insured_body, my_number, notification_csv, symbol
from tests.conftest import INSURER_NUMBER, serving
from tests.helpers import csrf_token, eventually, sign_in_staff, wait_for

RECEIVED = "2026-05-20"  # the day every 個人番号 is registered (a Wednesday) ...
PUBLISHED = "2026-05-22"  # ... and published to online verification (翌々営業日)
SERVICE_DATE = "2026-06-01"  # ctx.today() of the tests
FACILITY_CODE = "1310112345"
CARD_ID, PIN = "LEAKCARD0001", "1234"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NAME = "漏洩"  # every member's family name: kept and printed in clear, as names are (SECURITY.md)


# ------------------------------------------------------------------------------ what is searched

def _read_from_outside(path: Path) -> bytes:
    """A file's bytes read by another process: closing a descriptor of an SQLite database file
    in this process, which holds connections to it, would drop their POSIX locks and let the
    next process to open it rebuild the WAL index under them (sqlite.org/howtocorrupt.html
    §2.2) — the shared test database was found corrupt after this test."""
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout


@dataclass(frozen=True)
class Known:
    """A 個人番号 the test gave out. Shown masked, also in pytest's reports."""

    clear: str
    who: str

    def __repr__(self) -> str:
        return f"{self.who} {mask_my_number(self.clear)}"

    __str__ = __repr__


def grouped(clear: str, separator: str) -> str:
    return separator.join((clear[:4], clear[4:8], clear[8:]))


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def wrong_check_digit(clear: str) -> str:
    return clear[:-1] + str((int(clear[-1]) + 1) % 10)


# Runs of 11 or more digits in each encoding a page or a file may use, single spaces or hyphens
# (ideographic spaces, full-width hyphens) between them: (how, pattern, encoding). Every run is
# normalised and looked up, so a number is found however it was grouped, and inside longer runs.
DIGIT_RUNS = [(how, re.compile(pattern), encoding) for how, pattern, encoding in (
    ("ASCII digits", rb"[0-9](?:[ \-]?[0-9]){10,}", "ascii"),
    ("full-width digits, UTF-8",
     rb"\xef\xbc[\x90-\x99](?:(?:\xe3\x80\x80|\xef\xbc\x8d|[ \-])?\xef\xbc[\x90-\x99]){10,}", "utf-8"),
    ("full-width digits, CP932",
     rb"\x82[\x4f-\x58](?:(?:\x81\x40|\x81\x7c|[ \-])?\x82[\x4f-\x58]){10,}", "cp932"),
    ("UTF-16-LE digits", rb"[0-9]\x00(?:(?:[ \-]\x00)?[0-9]\x00){10,}", "utf-16-le"),
    ("UTF-16-BE digits", rb"\x00[0-9](?:(?:\x00[ \-])?\x00[0-9]){10,}", "utf-16-be"),
    ("full-width digits, UTF-16-LE",
     rb"[\x10-\x19]\xff(?:(?:\x00\x30|[ \-]\x00)?[\x10-\x19]\xff){10,}", "utf-16-le"),
    ("full-width digits, UTF-16-BE",
     rb"\xff[\x10-\x19](?:(?:\x30\x00|\x00[ \-])?\xff[\x10-\x19]){10,}", "utf-16-be"),
    ("full-width digits, JSON escapes", rb"\\u[fF]{2}1[0-9](?:\\u[fF]{2}1[0-9]){10,}", "unicode_escape"))]


def search(items: list[tuple[str, bytes]], numbers: list[Known]) -> list[tuple[str, Known, str]]:
    """(place, number, how it was written) of every number found in clear, also its first 11
    digits alone (the number typed with a wrong check digit)."""
    by_prefix = {known.clear[:11]: known for known in numbers}
    found = []
    for place, data in items:
        for how, pattern, encoding in DIGIT_RUNS:
            for run in pattern.finditer(data):
                digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", run.group().decode(encoding)))
                for start in range(len(digits) - 10):
                    known = by_prefix.get(digits[start:start + 11])
                    if known:
                        whole = digits[start:start + 12] == known.clear
                        found.append((place, known, how if whole else f"{how}, first 11 digits"))
    return found


def pdf_text(pdf: bytes) -> bytes:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout


def pg_restore_text(dump: bytes) -> bytes:
    return subprocess.run(["pg_restore", "--file=-"], input=dump, capture_output=True, check=True).stdout


class Evidence:
    """Everything that left the system, as (place, bytes); a place never holds a number."""

    def __init__(self):
        self.items: list[tuple[str, bytes]] = []

    def __repr__(self) -> str:
        return f"<Evidence: {len(self.items)} items>"

    def add(self, place: str, content: bytes | str) -> None:
        data = content.encode() if isinstance(content, str) else content
        self.items.append((place, data))
        if data.startswith(b"%PDF"):  # compressed streams: the text is what a reader sees
            self.items.append((f"{place} (pdftotext)", pdf_text(data)))
        if data.startswith(PG_MAGIC):  # pg_dump -Fc is compressed too
            self.items.append((f"{place} (pg_restore)", pg_restore_text(data)))

    def add_tree(self, root: Path, label: str) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.add(f"{label} {path.relative_to(root)}", _read_from_outside(path))

    def keep_answers(self, client) -> None:
        """Every response of `client`, as the log line of an access log, headers and body."""
        def answered(response) -> None:
            response.read()
            request = response.request
            where = f"{request.method} {request.url.path} → {response.status_code}"
            self.add(f"access log line of {where}", f'testclient - "{request.method} '
                     f'{request.url.raw_path.decode()} HTTP/1.1" {response.status_code}')
            self.add(f"headers of {where}", "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items()))
            self.add(f"body of {where}", response.content)

        client.event_hooks["response"].append(answered)


@contextmanager
def every_log_record(evidence: Evidence):
    """Every record of every logger at DEBUG goes to the evidence, and only there (pytest's own
    report of captured logs would print a leaked number)."""
    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            evidence.add(f"log record {next(numbering)} ({record.name} {record.levelname}, "
                         f"{record.module}:{record.lineno})", self.format(record))

    numbering = itertools.count(1)

    keep = Keep(logging.DEBUG)
    keep.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(threadName)s %(message)s"))
    known = logging.root.manager.loggerDict.values()
    loggers = [logging.root, *(x for x in known if isinstance(x, logging.Logger))]
    saved = [(x, x.level, x.disabled, x.handlers[:]) for x in loggers]
    disabled_below = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is logging.root or not logger.propagate:
            logger.handlers = [keep]
    try:
        yield
    finally:
        for logger, level, disabled, handlers in saved:
            logger.setLevel(level)
            logger.disabled, logger.handlers = disabled, handlers
        logging.disable(disabled_below)


class Shikaku:
    """The `shikaku` command, run in-process on the test database; its output is evidence."""

    def __init__(self, db_url: str, evidence: Evidence):
        self.db_url, self.evidence, self.runner = db_url, evidence, CliRunner()

    def __call__(self, *args: str, exit_code: int = 0) -> str:
        result = self.runner.invoke(app, [*args, "--db", self.db_url])
        where = "shikaku " + " ".join(a for a in args if not a.startswith("/") and len(a) < 40)
        self.evidence.add(f"output of {where}", result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            self.evidence.add(f"exception of {where}", "".join(traceback.format_exception(*result.exc_info)))
        assert result.exit_code == exit_code, f"{where}: exit code {result.exit_code}"
        return result.output


# ------------------------------------------------------------------------------ the people

@dataclass
class Society:
    """The members' ids by first name, every number given out, those stored in the end, and the
    number of the member with a マイナ保険証 (and a PIN for the portal)."""

    ids: dict[str, str] = field(default_factory=dict)
    numbers: list[Known] = field(default_factory=list)
    stored: set[Known] = field(default_factory=set)
    card_holder: Known | None = None

    def number(self, who: str, stored: bool = True) -> Known:
        known = Known(my_number(), who)
        self.numbers.append(known)
        if stored:
            self.stored.add(known)
        return known


def check(condition: bool, what: str) -> None:
    """An assertion whose report never shows the text it looked into (it might hold a number)."""
    assert condition, what


def ok(response, status: int = 201) -> dict:
    assert response.status_code == status, (response.request.url.path, response.status_code)
    return response.json()


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.request.url.path, response.status_code)
    check(code in response.text, f"{response.request.url.path}: {code}")


def member_id(redirect) -> str:
    assert redirect.status_code == 303, (redirect.request.url.path, redirect.status_code)
    return re.fullmatch(r"/staff/members/(\d+)(?:/.*)?", redirect.headers["location"])[1]


def enrol_through_the_api(client, society: Society) -> dict:
    """Insured and dependents with numbers as 12 digits, grouped and full-width; a card with a
    PIN; a number registered later; refusals that must not echo the number. Returns the
    facility's authorization header."""
    taro, hanako = society.number("API insured with a card"), society.number("API dependent")
    society.card_holder = taro
    society.ids["taro"] = ok(client.post("/api/v1/members", json=insured_body(
        name="漏洩 太郎", my_number=taro.clear, qualified_on="2020-04-01", registered_on=RECEIVED)))["id"]
    society.ids["hanako"] = ok(client.post("/api/v1/members", json=dependent_body(
        society.ids["taro"], my_number=grouped(hanako.clear, " "), registered_on=RECEIVED)))["id"]
    ok(client.post("/api/v1/myna/cards", json={"my_number": grouped(taro.clear, "-"), "card_id": CARD_ID,
                                               "certificate_expires_on": "2031-01-01", "pin": PIN}))
    ok(client.post(f"/api/v1/myna/cards/{CARD_ID}/insurance-registration", json={"registered_on": RECEIVED}))
    ok(client.post("/api/v1/myna/cards", json={"my_number": hanako.clear, "card_id": "LEAKCARD0002",
                                               "certificate_expires_on": "2031-01-01"}))
    second = "/api/v1/myna/cards/LEAKCARD0002/insurance-registration"
    ok(client.post(second, json={"registered_on": RECEIVED}))
    ok(client.delete(f"{second}?cancelled_on=2026-05-27"), 200)
    ok(client.patch(f"/api/v1/members/{society.ids['taro']}", json={
        "standard_monthly_remuneration": 320000, "effective_on": "2026-05-01",
        "registered_on": "2026-05-27"}), 200)
    jiro = society.number("API insured, number registered later")
    society.ids["jiro"] = ok(client.post("/api/v1/members", json=insured_body(
        name="漏洩 次郎", my_number=None, qualified_on="2020-04-01", registered_on="2020-04-02")))["id"]
    ok(client.put(f"/api/v1/members/{society.ids['jiro']}/my-number",
                  json={"my_number": full_width(jiro.clear), "registered_on": RECEIVED}), 200)
    ok(client.post(f"/api/v1/members/{society.ids['jiro']}/legacy-cards", json={"issued_on": "2023-04-01"}))
    saburo = society.number("API insured aged 72")
    society.ids["saburo"] = ok(client.post("/api/v1/members", json=insured_body(
        name="漏洩 三郎", birth_date="1954-06-01", standard_monthly_remuneration=240000,
        my_number=saburo.clear, registered_on=RECEIVED)))["id"]
    refused(client.post("/api/v1/members", json=insured_body(my_number=taro.clear)), 409,
            "duplicate_my_number")
    refused(client.post("/api/v1/members", json=insured_body(my_number=wrong_check_digit(hanako.clear))),
            422, "invalid_my_number")
    refused(client.put(f"/api/v1/members/{society.ids['jiro']}/my-number",
                       json={"my_number": int(jiro.clear), "registered_on": RECEIVED}), 422,
            "validation_error")
    facility = ok(client.post("/api/v1/facilities", json={"code": FACILITY_CODE, "name": "漏洩検査医院"}))
    return {"Authorization": f"Bearer {facility['token']}"}


def enrol_through_the_forms(client, token: str, society: Society) -> None:
    """A number typed as the user name at sign-in, then the staff forms, each first refused with
    the number typed: it must come back empty."""
    shiro, natsu, goro = (society.number("web insured"), society.number("web dependent"),
                          society.number("web insured, number registered later"))
    form = csrf_token(client.get("/staff/sign-in").text)
    refused(client.post("/staff/sign-in", data={"username": grouped(goro.clear, " "), "password": "x" * 12,
                                                "csrf_token": form}), 401, "利用者IDまたはパスワードが正しくありません")
    typed = {"name": "漏洩 四郎", "name_kana": "ロウエイ シロウ", "birth_date": "1985-01-02", "sex": "male",
             "symbol": symbol(), "qualified_on": "2021-04-01", "registered_on": RECEIVED,
             "standard_monthly_remuneration": "300000", "my_number": grouped(shiro.clear, "-"),
             "csrf_token": token}
    client.get("/staff/members/new")
    refused(client.post("/staff/members/new", data={**typed, "sex": ""}), 422, "入力された個人番号は再表示しません")
    society.ids["shiro"] = member_id(client.post("/staff/members/new", data=typed, follow_redirects=False))
    page = f"/staff/members/{society.ids['shiro']}"
    dependent = {"name": "漏洩 夏", "name_kana": "ロウエイ ナツ", "birth_date": "2015-08-01", "sex": "female",
                 "kinship": "child", "qualified_on": "2021-04-01", "registered_on": RECEIVED,
                 "my_number": full_width(natsu.clear), "csrf_token": token}
    client.get(f"{page}/dependents/new")
    refused(client.post(f"{page}/dependents/new", data={**dependent, "birth_date": "2026-08-01"}), 422,
            "入力された個人番号は再表示しません")
    society.ids["natsu"] = member_id(client.post(f"{page}/dependents/new", data=dependent,
                                                 follow_redirects=False))
    society.ids["goro"] = member_id(client.post("/staff/members/new", follow_redirects=False, data={
        **typed, "name": "漏洩 五郎", "name_kana": "ロウエイ ゴロウ", "symbol": symbol(), "my_number": ""}))
    form = f"/staff/members/{society.ids['goro']}/my-number"
    client.get(form)
    for wrong in ({"my_number": wrong_check_digit(goro.clear)},
                  {"my_number": goro.clear, "registered_on": "2026-02-30"}):
        refused(client.post(form, data={"registered_on": RECEIVED, **wrong, "csrf_token": token}), 422,
                "入力された個人番号は再表示しません")
    member_id(client.post(form, follow_redirects=False, data={
        "my_number": goro.clear, "registered_on": RECEIVED, "csrf_token": token}))
    member_id(client.post(f"{page}/certificates/new", follow_redirects=False, data={
        "reason": "needs_assistance", "applied_on": "2026-05-25", "csrf_token": token}))


NOTIFICATION_HEADER = ("届出種別", "記号", "番号", "続柄", "本人記号", "本人番号", "氏名", "氏名カナ", "生年月日",
                       "性別", "資格取得日", "標準報酬月額", "個人番号", "受付日")


def acquisition(number: str, name: str, **cells) -> dict:
    return {"届出種別": "資格取得", "記号": symbol(), "続柄": "本人", "氏名": name, "氏名カナ": "ﾛｳｴｲ ﾀﾛｳ",
            "生年月日": "昭和60年1月2日", "性別": "男", "資格取得日": "R3.4.1", "標準報酬月額": "300,000",
            "個人番号": number, "受付日": RECEIVED, **cells}


def import_files(client, token: str, shikaku: Shikaku, society: Society, inputs: Path) -> None:
    """A CP932 file through the CLI, a UTF-8 one through the upload page, and a refused file
    (a bad row beside rows with numbers) through both: its error report masks the numbers."""
    rokuro, ume = society.number("CLI import insured"), society.number("CLI import dependent")
    family = symbol()
    good = inputs / "todoke-cp932.csv"
    good.write_bytes(notification_csv([
        acquisition(rokuro.clear, "漏洩 六郎", 記号=family, 番号="1"),
        {"届出種別": "被扶養者追加", "続柄": "配偶者", "本人記号": family, "本人番号": "1", "氏名": "漏洩 梅",
         "氏名カナ": "ロウエイ ウメ", "生年月日": "1986/3/3", "性別": "女", "資格取得日": "2021-04-01",
         "個人番号": grouped(full_width(ume.clear), "\u3000"), "受付日": RECEIVED}], "cp932", NOTIFICATION_HEADER))
    check("取り込みました" in shikaku("import", str(good)), "the CLI imports the CP932 file")
    alone = society.number("refused import, good row", stored=False)
    beside = society.number("refused import, bad row", stored=False)
    bad = inputs / "todoke-refused.csv"
    bad.write_bytes(notification_csv([
        acquisition(alone.clear, "漏洩 七子"),
        acquisition(grouped(beside.clear, " "), "漏洩 八子", 生年月日="2026-02-30"),
        acquisition(wrong_check_digit(alone.clear), "漏洩 九子")], "cp932", NOTIFICATION_HEADER))
    report = shikaku("import", str(bad), exit_code=1)
    check("invalid_date" in report and mask_my_number(wrong_check_digit(alone.clear)) in report,
          "the error report names the bad date and shows the bad number masked")

    jun = society.number("upload insured")
    upload = notification_csv([acquisition(grouped(jun.clear, "-"), "漏洩 十郎", 氏名カナ="ﾛｳｴｲ ｼﾞｭｳﾛｳ")], "utf-8", NOTIFICATION_HEADER)
    for name, content, outcome in (("todoke.csv", upload, "取り込みました"),
                                   ("todoke-refused.csv", bad.read_bytes(), "取り込めません")):
        client.get("/staff/imports")
        started = client.post("/staff/imports", data={"csrf_token": token},
                              files={"file": (name, content, "text/csv")}, follow_redirects=False)
        assert started.status_code == 303, started.status_code
        check(outcome in wait_for(client, started.headers["location"]), f"the upload of {name}: {outcome}")
        client.get(started.headers["location"])


def qr_payload(pdf: bytes) -> str:
    """The text of the QR code on the first page of a card PDF."""
    png = subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def issue_documents(client, society: Society) -> str:
    """A 資格確認書, a notice and the other certifications, with their PDFs; returns the QR
    payload of the certificate."""
    jiro, saburo = society.ids["jiro"], society.ids["saburo"]
    applied = {"applied_on": "2026-05-25"}
    certificate = ok(client.post(f"/api/v1/members/{jiro}/eligibility-certificates",
                                 json={"reason": "no_card", **applied}))
    ok(client.post(f"/api/v1/members/{jiro}/notices", json={"reason": "initial", **applied}))
    ok(client.post(f"/api/v1/members/{jiro}/limit-certifications", json={"kind": "limit", **applied}))
    ok(client.post(f"/api/v1/members/{jiro}/specific-disease-certifications",
                   json={"disease": "2", **applied}))
    ok(client.post(f"/api/v1/members/{saburo}/elderly-certificates", json=applied))
    for member in (jiro, saburo):
        client.get(f"/api/v1/members/{member}/eligibility-certificates")
        for document in ok(client.get(f"/api/v1/members/{member}/documents"), 200)["items"]:
            assert client.get(f"/api/v1/documents/{document['id']}/pdf").status_code == 200
    pdf = client.get(f"/api/v1/eligibility-certificates/{certificate['id']}/pdf")
    assert pdf.status_code == 200
    return qr_payload(pdf.content)


def card_data(member: dict) -> dict:
    return {"method": "card_info", "insurer_number": INSURER_NUMBER, "symbol": member["symbol"],
            "number": member["number"], "branch": member["branch"], "birth_date": member["birth_date"],
            "limit_consent": True}


def fhir_request(member: dict) -> dict:
    extension = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPerson"
    insurer = {"identifier": {"system": "urn:oid:1.2.392.100495.20.3.61", "value": INSURER_NUMBER}}
    coverage = {"resourceType": "Coverage", "id": "coverage", "status": "active", "payor": [insurer],
                "beneficiary": {"reference": "#patient"},
                "extension": [{"url": extension + name, "valueString": member[key]} for name, key in
                              (("Symbol", "symbol"), ("Number", "number"), ("SubNumber", "branch"))]}
    return {"resourceType": "CoverageEligibilityRequest", "status": "active", "purpose": ["validation"],
            "created": f"{SERVICE_DATE}T09:00:00+09:00", "servicedDate": SERVICE_DATE,
            "patient": {"reference": "#patient"}, "insurer": insurer,
            "contained": [{"resourceType": "Patient", "id": "patient", "birthDate": member["birth_date"]},
                          coverage],
            "insurance": [{"coverage": {"reference": "#coverage"}}]}


def verify_as_a_facility(client, facility: dict, society: Society, qr: str, shikaku: Shikaku) -> None:
    """Both online verifications (card, card data), a batch, FHIR, the desk and the card check."""
    found = [ok(client.get(f"/api/v1/members/{member}"), 200) for member in society.ids.values()]
    answer = ok(client.post("/api/v1/verifications", headers=facility, json={
        "service_date": SERVICE_DATE, "method": "myna_card", "card_id": CARD_ID,
        "identity_check": "face"}), 200)
    check(answer["validity"] == "valid", "verification by card")
    for member in found[:3]:
        ok(client.post("/api/v1/verifications", headers=facility,
                       json={"service_date": SERVICE_DATE, **card_data(member)}), 200)
    batch = ok(client.post("/api/v1/verification-batches", headers=facility, json={
        "service_date": SERVICE_DATE, "items": [card_data(member) for member in found]}), 200)
    check({r["validity"] for r in batch["results"]} == {"valid"}, "verification of a batch")
    ok(client.post("/api/v1/fhir/CoverageEligibilityRequest", content=json.dumps(fhir_request(found[0])),
                   headers={**facility, "Content-Type": "application/fhir+json"}), 200)
    ok(client.post("/api/v1/reception-assessments", headers=facility, json={
        "service_date": SERVICE_DATE, "facility": {"online_verification": True, "reader_working": True},
        "presented": ["myna_card"], "card_id": CARD_ID}), 200)
    check(ok(client.post("/api/v1/card-checks", headers=facility, json={"payload": qr}), 200)["genuine"],
          "the printed certificate's QR code is genuine")
    shikaku("check-card", qr)
    speak_oqs(client, facility, found)


def oqs_message(infos: list[dict], encoding: str = "UTF-8") -> bytes:
    header = (f"<MessageHeader><QualificationConfirmationDate>{SERVICE_DATE.replace('-', '')}"
              f"</QualificationConfirmationDate><MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode>"
              "</MessageHeader>")
    body = "".join("<QualificationConfirmSearchInfo>" + "".join(f"<{k}>{v}</{k}>" for k, v in info.items())
                   + "</QualificationConfirmSearchInfo>" for info in infos)
    xml = f'<?xml version="1.0" encoding="{encoding}"?><XmlMsg>{header}<MessageBody>{body}</MessageBody></XmlMsg>'
    return xml.encode("cp932" if encoding == "Shift_JIS" else "utf-8")


def speak_oqs(client, facility: dict, found: list[dict]) -> None:
    """The national messages (issue 15): siquc01 in UTF-8, Shift_JIS and JSON, a card reading, a
    bulk and its results."""
    infos = [{"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": m["symbol"], "InsuredIdentificationNumber":
              m["number"], "InsuredBranchNumber": m["branch"], "Birthdate": m["birth_date"].replace("-", ""),
              "LimitApplicationCertificateRelatedConsFlg": "1"} for m in found]
    xml = {**facility, "Content-Type": "application/xml"}
    for encoding in ("UTF-8", "Shift_JIS"):
        answer = client.post("/api/v1/oqs/qualification-confirmations", content=oqs_message(infos[:1], encoding),
                             headers=xml)
        check(answer.status_code == 200 and b"<QualificationValidity>1<" in answer.content, f"siquc01 {encoding}")
    ok(client.post("/api/v1/oqs/qualification-confirmations", headers=facility, json={"XmlMsg": {
        "MessageHeader": {"QualificationConfirmationDate": SERVICE_DATE.replace("-", ""),
                          "MedicalInstitutionCode": FACILITY_CODE},
        "MessageBody": {"QualificationConfirmSearchInfo": infos[0]}}}), 200)
    reading = client.post("/api/v1/oqs/card-readings", headers=facility, json={
        "card_id": CARD_ID, "identity_check": "face", "limit_consent": True, "service_date": SERVICE_DATE})
    check(reading.status_code == 200 and b"<QualificationValidity>1<" in reading.content, "card reading")
    accepted = client.post("/api/v1/oqs/bulk-confirmations", content=oqs_message(infos), headers=xml)
    number = re.search(rb"<ReceptionNumber>(\d+)</ReceptionNumber>", accepted.content)[1].decode()
    fetch = oqs_message([]).replace(b"<MessageBody></MessageBody>",
                                    f"<MessageBody><ReceptionNumber>{number}</ReceptionNumber></MessageBody>".encode())
    eventually(lambda: b"<SegmentOfResult>1<" in client.post("/api/v1/oqs/bulk-confirmations/results",
                                                              content=fetch, headers=xml).content,
               "the bulk to be answered", timeout=60, interval=0.1)


def use_the_portal(client, society: Society) -> None:
    """A member mistakes the number on the back of the card for the card's number, then signs in
    and reads every page and the PDF."""
    client.cookies.clear()
    form = csrf_token(client.get("/portal/sign-in").text)
    typed = society.card_holder.clear
    for card_id, pin in ((typed, PIN), (grouped(typed, " "), PIN), (CARD_ID, "9999")):
        mistyped = {"card_id": card_id, "pin": pin, "csrf_token": form}
        refused(client.post("/portal/sign-in", data=mistyped), 401,
                "カード番号または暗証番号が正しくありません")
    signed_in = client.post("/portal/sign-in", data={"card_id": CARD_ID, "pin": PIN, "csrf_token": form},
                            follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.status_code
    for page in ("/portal/", "/portal/screen.pdf", "/portal/history", "/portal/bring"):
        assert client.get(page).status_code == 200, page
    client.post("/portal/sign-out", data={"csrf_token": csrf_token(client.get("/portal/").text)})


def tour_the_staff_pages(client, ctx, society: Society, shikaku: Shikaku, out: Path) -> None:
    """An ex officio run from the CLI, its files through the API and the pages; then every member
    page with its forms and PDFs, the search, the dashboard and every page of the audit log."""
    printed = shikaku("ex-officio", "--run-on", SERVICE_DATE, "--cohort", "all_without_myna",
                      "--out-dir", str(out / "runs"))
    run = re.search(r"処理 (\S+): 交付", printed)[1]
    for path in (f"/api/v1/ex-officio-runs/{run}", f"/api/v1/runs/{run}/manifest",  # the print file: below
                 "/api/v1/members?limit=500", "/api/v1/audit-log?limit=1000"):
        assert client.get(path).status_code == 200, path
    sign_in_staff(client, ctx, "admin")
    for path in ("/staff/runs", f"/staff/runs/{run}", f"/staff/runs/{run}/print-file",
                 f"/staff/runs/{run}/mailers.pdf", f"/staff/runs/{run}/manifest", "/staff/dashboard", "/staff/?kana=ロウエイ", "/staff/?name=漏洩"):
        assert client.get(path).status_code == 200, path
    for member in society.ids.values():
        page = client.get(f"/staff/members/{member}").text
        for pdf in re.findall(r'href="(/staff/(?:certificates|documents)/\d+/pdf)"', page):
            assert client.get(pdf).status_code == 200, pdf
        for form in ("my-number", "amend", "certificates/new", "notices/new", "dependents/new"):
            client.get(f"/staff/members/{member}/{form}")
        client.get(f"/api/v1/members/{member}/access-log")
    pages = -(-client.get("/api/v1/audit-log?limit=1").json()["total"] // AUDIT_PAGE)
    for number in range(1, pages + 1):
        assert client.get(f"/staff/audit?page={number}").status_code == 200


def maintain(client, facility: dict, shikaku: Shikaku, out: Path, registration_file: Path) -> None:
    """The monthly list, a backup, a key rotation (the API still answers), the chain check, and
    the registration file of the day the numbers were published."""
    shikaku("export", "without-myna", "--month", SERVICE_DATE[:7], "--out", str(out / "without-myna.csv"))
    shikaku("backup", str(out / "society.backup"))
    shikaku("my-number", "purge", "--dry-run")
    shikaku("keys", "rotate")
    shikaku("audit", "verify")
    answer = ok(client.post("/api/v1/verifications", headers=facility, json={
        "service_date": SERVICE_DATE, "method": "myna_card", "card_id": CARD_ID,
        "identity_check": "pin"}), 200)
    check(answer["validity"] == "valid", "verification by card after the key rotation")
    shikaku("export", "registrations", "--date", PUBLISHED, "--out", str(registration_file))


def add_the_database(evidence: Evidence, db_url: str) -> None:
    """SQLite: every file of the database's directory (db, -wal, -shm, journal) as it is;
    PostgreSQL: a plain pg_dump."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        evidence.add_tree(Path(url.database).parent, "database file")
        return
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    evidence.add("pg_dump of the database", subprocess.run(["pg_dump", f"--dbname={libpq}"],
                                                           capture_output=True, check=True).stdout)


# ------------------------------------------------------------------------------ the tests

def test_the_search_finds_every_way_of_writing_a_number():
    known, other = Known(my_number(), "probe"), Known(my_number(), "never written")
    clear = known.clear
    written = {"12 digits": clear, "spaces": grouped(clear, " "), "hyphens": grouped(clear, "-"),
               "full-width": full_width(clear), "full-width, grouped": grouped(full_width(clear), "\u3000"),
               "wrong check digit": wrong_check_digit(clear), "in a longer run": f"99{clear}7"}
    items = [(f"{form}, {encoding}", f"番号：{text}。".encode(encoding)) for form, text in written.items()
             for encoding in ("utf-8", "utf-16-le", "utf-16-be", "cp932")]
    items += [("JSON escapes", json.dumps({"n": full_width(clear)}).encode()),
              ("masked", mask_my_number(clear).encode()), ("ten digits", clear[:10].encode())]
    found = search(items, [known, other])
    assert {place for place, _, _ in found} == {place for place, _ in items} - {"masked", "ten digits"}
    assert {number for _, number, _ in found} == {known}
    check(clear not in repr(found), "a finding shows the number masked")


def test_no_my_number_leaves_in_clear_but_in_the_registration_file(keyed, db_url, monkeypatch, tmp_path,
                                                                     capfd, recwarn):
    evidence, society = Evidence(), Society()
    inputs, out, scratch = (tmp_path / name for name in ("in", "out", "tmp"))
    for folder in (inputs, out, scratch):
        folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # what the system leaves behind lands here
    monkeypatch.setenv("COLUMNS", "250")  # the CLI's tables never fold a value over two lines
    shikaku = Shikaku(db_url, evidence)
    registration_file = tmp_path / "registrations.csv"
    with every_log_record(evidence), serving(keyed, monkeypatch) as client:
        evidence.keep_answers(client)
        facility = enrol_through_the_api(client, society)
        clerk = sign_in_staff(client, keyed, "clerk")
        enrol_through_the_forms(client, clerk, society)
        import_files(client, clerk, shikaku, society, inputs)
        qr = issue_documents(client, society)
        verify_as_a_facility(client, facility, society, qr, shikaku)
        use_the_portal(client, society)
        tour_the_staff_pages(client, keyed, society, shikaku, out)
        maintain(client, facility, shikaku, out, registration_file)
    evidence.add("QR code of a certificate", qr)
    evidence.add_tree(out, "file written")
    evidence.add_tree(scratch, "temporary file left")
    evidence.add_tree(keyed.vault.files.path.parent, "key file")
    add_the_database(evidence, db_url)
    printed = capfd.readouterr()
    evidence.add("standard output", printed.out)
    evidence.add("standard error", printed.err)
    for warning in recwarn:
        evidence.add(f"warning {warning.category.__name__}", str(warning.message))

    # The names are where a number would be: the search looks into each kind of place.
    holding_names = {place for place, data in evidence.items if NAME.encode() in data}
    database = "database file" if make_url(db_url).get_backend_name() == "sqlite" else "pg_dump"
    for kind in ("log record", "(pdftotext)", "body of GET /portal/", "file written runs/",
                 "file written society.backup", "file written without-myna.csv", database):
        assert any(kind in place for place in holding_names), f"no name found in any {kind}"
    found = search(evidence.items, society.numbers)
    leaks = sorted({f"{place}: {known!r} ({form})" for place, known, form in found})
    assert not leaks, "個人番号 found in clear (masked here):\n" + "\n".join(leaks)
    exported = {known for _, known, _ in search([("registration file", registration_file.read_bytes())],
                                                 society.numbers)}
    assert exported == society.stored
