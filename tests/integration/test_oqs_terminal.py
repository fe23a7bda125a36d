"""`shikaku oqs-terminal` (OQS.md §2.2) against a real server: request files answered into res/
whole and moved to req/processed/ only then, whatever their encoding and however they were
written; a terminal killed with SIGKILL loses no request; a server away is answered with
SegmentOfResult 9 after the wait, a refusal at once; the card reader's result lands in face/;
the log names files and results, never a person."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.server import Server, free_port
from shikaku.entrypoints.cli import app
from shikaku.service_layer import society
from tests.builders import FACILITY_CODE, INSURER_NUMBER, enrol, with_card
from tests.conftest import ADMIN_TOKEN
from tests.helpers import eventually, fresh_database

CLI = str(Path(sys.executable).with_name("shikaku"))
TODAY = time.strftime("%Y%m%d")


@pytest.fixture(scope="module")
def server(db_url, session_ctx):
    running = Server(db_url, free_port(), env={"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN}).start()
    yield running
    running.crash()


@pytest.fixture
def token(ctx, admin) -> str:
    return society.add_facility(ctx, admin, FACILITY_CODE, "試験医院")["token"]


class Terminal:
    """`shikaku oqs-terminal` in a subprocess, its log collected."""

    def __init__(self, folder: Path, base: str, token: str, wait: float = 30):
        self.folder, self.base, self.token, self.wait = folder, base, token, wait
        self.process: subprocess.Popen | None = None
        self.logs: list[bytes] = []

    def start(self) -> Terminal:
        env = dict(os.environ, SHIKAKU_OQS_TERMINAL_WAIT=str(self.wait))
        self.process = subprocess.Popen([CLI, "oqs-terminal", "--dir", str(self.folder), "--server", self.base,
                                         "--token", self.token], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        eventually(lambda: (self.folder / "req" / "processed").is_dir(), "the terminal to make its folders")
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.logs.append(self.process.communicate()[0])

    def stop(self) -> str:
        """Stops it as a service manager would (SIGTERM); its whole log."""
        if self.process.poll() is None:
            self.process.terminate()
            self.logs.append(self.process.communicate(timeout=30)[0])
            assert self.process.returncode == 0
        return b"".join(self.logs).decode()


@pytest.fixture
def terminal(tmp_path, server, token):
    started = Terminal(tmp_path, server.base, token).start()
    yield started
    started.stop()


def siquc01(member, encoding: str = "UTF-8", **search) -> bytes:
    fields = {"InsurerNumber": INSURER_NUMBER, "InsuredCardSymbol": member["symbol"],
              "InsuredIdentificationNumber": member["number"], "InsuredBranchNumber": member["branch"],
              "Birthdate": member["birth_date"].replace("-", ""), "LimitApplicationCertificateRelatedConsFlg": "1",
              **search}
    xml = (f'<?xml version="1.0" encoding="{encoding}"?><XmlMsg><MessageHeader>'
           f"<QualificationConfirmationDate>{TODAY}</QualificationConfirmationDate>"
           f"<MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode>"
           "<ArbitraryFileIdentifier>file-1</ArbitraryFileIdentifier></MessageHeader><MessageBody>"
           "<QualificationConfirmSearchInfo>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
           + "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>")
    return xml.encode("cp932" if encoding == "Shift_JIS" else "utf-8")


def result(folder: Path, name: str, timeout: float = 60) -> ET.Element:
    path = folder / "res" / name
    eventually(path.exists, f"res/{name}", timeout=timeout)
    raw = path.read_bytes()
    return ET.fromstring(raw.decode("cp932") if b"Shift_JIS" in raw[:60] else raw)


def processed(folder: Path, name: str) -> None:
    eventually(lambda: (folder / "req" / "processed" / name).exists(), f"req/processed/{name}", timeout=10)
    assert not (folder / "req" / name).exists()


def text(root: ET.Element, path: str) -> str | None:
    return root.findtext(path)


def test_request_files_are_answered_whole_and_then_moved(client, terminal):
    member = enrol(client)
    req = terminal.folder / "req"
    (req / "OQSsiquc01req_0001.xml").write_bytes(siquc01(member))
    aside = terminal.folder / "incoming.tmp"  # written elsewhere, then renamed into place
    aside.write_bytes(siquc01(member, "Shift_JIS"))
    aside.rename(req / "OQSsiquc01req_0002.xml")
    (req / "notes.txt").write_text("not a request")
    first = result(terminal.folder, "OQSsiquc01res_0001.xml")
    assert text(first, "MessageHeader/SegmentOfResult") == "1"
    assert text(first, "MessageBody/QualificationValidity") == "1"
    assert text(first, "MessageHeader/ArbitraryFileIdentifier") == "file-1"
    second = result(terminal.folder, "OQSsiquc01res_0002.xml")
    assert text(second, "MessageHeader/CharacterCodeIdentifier") == "1"
    assert text(second, "MessageBody/ResultList/ResultOfQualificationConfirmation/Name") == "試験\u3000太郎"
    for n in ("0001", "0002"):
        processed(terminal.folder, f"OQSsiquc01req_{n}.xml")
    assert (req / "notes.txt").exists()
    assert not list((terminal.folder / "res").glob(".*"))  # nothing left aside
    log = terminal.stop()
    lines = [line for line in log.splitlines() if "OQSsiquc01req_" in line]
    assert len(lines) == 2 and all("資格確認（siquc01） 正常終了、資格有効性 1" in line for line in lines)
    assert all(line.endswith("ms") for line in lines)
    for personal in ("試験", "太郎", "ｼｹﾝ", "19800510"):
        assert personal not in log


def test_a_file_being_written_is_read_once_complete(client, terminal):
    member = enrol(client)
    body = siquc01(member)
    path = terminal.folder / "req" / "OQSsiquc01req_slow.xml"
    with open(path, "wb") as out:  # a writer that pauses under the half second
        for start in range(0, len(body), 100):
            out.write(body[start:start + 100])
            out.flush()
            time.sleep(0.05)
    assert text(result(terminal.folder, "OQSsiquc01res_slow.xml"), "MessageHeader/SegmentOfResult") == "1"


def test_a_bulk_and_its_results_through_the_folder(client, terminal):
    member = enrol(client)
    search = siquc01(member).decode().split("<MessageBody>")[1].split("</MessageBody>")[0]
    head = (f"<MessageHeader><QualificationConfirmationDate>{TODAY}</QualificationConfirmationDate>"
            f"<MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode></MessageHeader>")
    req = terminal.folder / "req"
    (req / "OQSmuquc01req_b1.xml").write_text(f"<XmlMsg>{head}<MessageBody>{search * 2}</MessageBody></XmlMsg>")
    number = text(result(terminal.folder, "OQSmuquc01res_b1.xml"), "MessageBody/ReceptionNumber")
    assert number
    fetch = (f"<XmlMsg><MessageHeader><MedicalInstitutionCode>{FACILITY_CODE}</MedicalInstitutionCode>"
             f"</MessageHeader><MessageBody><ReceptionNumber>{number}</ReceptionNumber></MessageBody></XmlMsg>")

    def answered():  # the clinic asks again while the answer is 処理中
        (terminal.folder / "res" / "OQSmuquc02res_b1.xml").unlink(missing_ok=True)
        (req / "OQSmuquc02req_b1.xml").write_text(fetch)
        root = result(terminal.folder, "OQSmuquc02res_b1.xml")
        return root if text(root, "MessageHeader/SegmentOfResult") == "1" else None

    root = eventually(answered, "the bulk's answers", timeout=60, interval=0.5)
    assert [text(u, "ReferenceNumber") for u in root.findall("MessageBody/BulkConfirmUnit")] == ["1", "2"]


def test_a_killed_terminal_loses_no_request(client, tmp_path, server, token):
    member = enrol(client)
    names = [f"{n:04d}" for n in range(1, 31)]
    first = Terminal(tmp_path, server.base, token).start()
    for n in names:
        (tmp_path / "req" / f"OQSsiquc01req_{n}.xml").write_bytes(siquc01(member))
    eventually(lambda: len(list((tmp_path / "res").glob("OQS*.xml"))) >= 3, "some results")
    first.kill()
    assert list((tmp_path / "req").glob("OQS*.xml")), "the kill must land before the last request is answered"
    again = Terminal(tmp_path, server.base, token).start()
    try:
        for n in names:
            assert text(result(tmp_path, f"OQSsiquc01res_{n}.xml"), "MessageBody/QualificationValidity") == "1"
            processed(tmp_path, f"OQSsiquc01req_{n}.xml")
    finally:
        again.stop()


def test_a_server_away_is_answered_with_9_after_the_wait_and_then_served(client, tmp_path, token, db_url):
    member = enrol(client)
    port = free_port()
    away = Terminal(tmp_path, f"http://127.0.0.1:{port}", token, wait=2).start()
    try:
        (tmp_path / "req" / "OQSsiquc01req_0001.xml").write_bytes(siquc01(member, "Shift_JIS"))
        started = time.monotonic()
        root = result(tmp_path, "OQSsiquc01res_0001.xml")
        assert time.monotonic() - started >= 2
        assert text(root, "MessageHeader/SegmentOfResult") == "9"
        assert text(root, "MessageHeader/ErrorCode") == "SK-M10"
        assert text(root, "MessageHeader/CharacterCodeIdentifier") == "1"
        assert "資格確認書" in text(root, "MessageHeader/ErrorMessage")
        assert text(root, "MessageHeader/MedicalInstitutionCode") == FACILITY_CODE
        processed(tmp_path, "OQSsiquc01req_0001.xml")
        # The server comes back within the wait: the next request is answered by it.
        away.stop()
        away = Terminal(tmp_path, f"http://127.0.0.1:{port}", token, wait=60).start()
        (tmp_path / "req" / "OQSsiquc01req_0002.xml").write_bytes(siquc01(member))
        time.sleep(1.5)
        late = Server(db_url, port, env={"SHIKAKU_ADMIN_TOKEN": ADMIN_TOKEN}).start()
        try:
            assert text(result(tmp_path, "OQSsiquc01res_0002.xml"), "MessageHeader/SegmentOfResult") == "1"
        finally:
            late.crash()
    finally:
        away.stop()


def test_a_refusal_is_answered_with_9_at_once(client, tmp_path, server):
    member = enrol(client)
    refused = Terminal(tmp_path, server.base, "not-a-token", wait=60).start()
    try:
        (tmp_path / "req" / "OQSsiquc01req_0001.xml").write_bytes(siquc01(member))
        root = result(tmp_path, "OQSsiquc01res_0001.xml", timeout=20)
        assert text(root, "MessageHeader/SegmentOfResult") == "9"
        assert text(root, "MessageHeader/ErrorCode") == "SK-M11"
        assert "401" in text(root, "MessageHeader/ErrorMessage")
    finally:
        refused.stop()


def test_a_card_on_the_reader(client, tmp_path, server, token):
    member, card = with_card(client)
    done = subprocess.run([CLI, "oqs-terminal", "tap", "--dir", str(tmp_path), "--server", server.base,
                           "--token", token, "--card-id", card, "--identity", "pin"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [face] = (tmp_path / "face").glob("OQSsiquc01res_face_*.xml")
    root = ET.fromstring(face.read_bytes())
    assert text(root, "MessageHeader/ReferenceClassification") == "1"
    assert text(root, "MessageBody/ResultList/ResultOfQualificationConfirmation/InsuredIdentificationNumber") \
        == member["number"]
    assert text(root, "MessageBody/ResultList/ResultOfQualificationConfirmation/"
                      "LimitApplicationCertificateRelatedConsFlg") == "0"
    unknown = subprocess.run([CLI, "oqs-terminal", "tap", "--dir", str(tmp_path), "--server", server.base,
                              "--token", "not-a-token", "--card-id", card], capture_output=True, timeout=60)
    assert unknown.returncode == 1 and "401" in unknown.stderr.decode()


def test_make_demo_prints_a_terminal_whose_sample_the_demo_society_answers(db_url, tmp_path, monkeypatch):
    """`make demo` (issue 15, item 6): the command of a terminal against the demo server and a
    sample request for a showcase patient; dropped into that terminal's folder, it is answered."""
    monkeypatch.chdir(tmp_path)
    with fresh_database(db_url) as url:
        demo = CliRunner().invoke(app, ["demo", "--members", "40", "--no-serve", "--db", url])
        assert demo.exit_code == 0, demo.output
        command = re.search(r"\.venv/bin/shikaku oqs-terminal --dir (\S+) --server (\S+) --token (\S+)", demo.output)
        assert command and command.group(2) == "http://127.0.0.1:8000", demo.output
        sample = tmp_path / "var/oqs-sample/OQSsiquc01req_demo.xml"
        assert f"cp var/oqs-sample/{sample.name} {command.group(1)}/req/" in demo.output
        with Server(url, free_port()) as server:
            folder = tmp_path / command.group(1)
            started = Terminal(folder, server.base, command.group(3)).start()
            try:
                shutil.copy(sample, folder / "req" / sample.name)
                root = result(folder, "OQSsiquc01res_demo.xml")
            finally:
                started.stop()
    answer = "MessageBody/ResultList/ResultOfQualificationConfirmation/"
    assert text(root, "MessageBody/QualificationValidity") == "1"
    assert (text(root, answer + "Name"), text(root, answer + "PreschoolClassification")) == ("山田\u3000翔太", "1")
