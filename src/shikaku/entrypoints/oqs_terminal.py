"""資格確認端末 (OQS.md §2.2): `shikaku oqs-terminal` on a clinic's PC exchanges files with the
clinic software in a folder and messages with a shikaku server over HTTP.

- `req/OQS<message>req_<id>.xml` is read once complete — renamed into place (on POSIX its
  inode changed after its last write), or unchanged for `SETTLE` seconds — and posted to the
  message's route; the answer is written aside and renamed to `res/OQS<message>res_<id>.xml`,
  and only then is the request moved to `req/processed/`. A request left in `req/` by a stop,
  even a kill -9, is answered after the restart (perhaps twice, never lost).
- A server away (no answer, a 5xx) is tried again until `wait` seconds (30,
  `SHIKAKU_OQS_TERMINAL_WAIT`) after the first try; then, or at once for another 4xx, the
  result is the terminal's own `SegmentOfResult` 9 telling the desk to check the documents.
- `tap` plays the card reader: the server's card-reading result is written to `face/`.

One Japanese log line per message (file, message, result, validity, milliseconds), never a
name, a birth date or a number of the card."""
from __future__ import annotations

import ctypes
import os
import re
import select
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

import httpx

from .oqs import codes, messages, wire

REQUEST = re.compile(r"^OQS(siquc01|muquc01|muquc02)req_(.+)\.xml$")
ROUTES = {"siquc01": "/api/v1/oqs/qualification-confirmations",
          "muquc01": "/api/v1/oqs/bulk-confirmations",
          "muquc02": "/api/v1/oqs/bulk-confirmations/results"}
READINGS = "/api/v1/oqs/card-readings"
LABELS = {"siquc01": "資格確認", "muquc01": "一括照会の受付", "muquc02": "一括照会の結果", "face": "カード読取"}
SEGMENTS = {"1": "正常終了", "2": "処理中", "9": "異常終了"}
WAIT_ENV = "SHIKAKU_OQS_TERMINAL_WAIT"
WAIT = 30.0  # seconds after the first try before a server away is answered with 9
SETTLE = 0.5  # seconds a file must stay unchanged to be read (unless it was renamed in)
POLL = 0.1  # seconds between two looks at req/
WORKERS = 4  # requests in flight at once
XML = "application/xml"
JAPAN = ZoneInfo("Asia/Tokyo")

# The terminal's own answers (codes.SERVER_AWAY, SERVER_REFUSED), by DOMAIN.md §9.
AWAY = (codes.SERVER_AWAY, "資格確認サーバーから応答がありません。オンライン資格確認ができないため、提示された書類で"
        "資格を確認してください：資格確認書（有効期限内）は保険診療できます。マイナ保険証は「資格情報のお知らせ」"
        "またはマイナポータルの資格情報画面と併せて提示されれば保険診療できますが、マイナ保険証だけでは"
        "できません（それらの書類を持参いただくようお伝えください）。")
REFUSED = (codes.SERVER_REFUSED, "資格確認サーバーが要求を受け付けませんでした（HTTP {status}：{reason}）。"
           "端末の設定（サーバーのアドレス、アクセストークン）と要求ファイルを確認してください。")
REASONS = {401: "アクセストークンが無効です", 403: "この照会を行う権限がありません",
           413: "ファイルが大きすぎます", 415: "ファイルの形式が違います",
           429: "照会の件数が上限を超えました。しばらく待ってから要求ファイルを置き直してください"}


def wait_seconds() -> float:
    raw = os.environ.get(WAIT_ENV, "").strip()
    return float(raw) if raw else WAIT


class Reply(NamedTuple):
    status: int | None  # None: no answer at all
    body: bytes
    media_type: str


class TerminalError(Exception):
    """The terminal could not get an answer (its message is Japanese, for the desk)."""


def is_away(reply: Reply) -> bool:
    """No answer or a server error: worth another try (any 4xx is answered at once)."""
    return reply.status is None or reply.status >= 500


class Server:
    """A shikaku server reached with a facility's token."""

    def __init__(self, base: str, token: str, wait: float | None = None):
        self.client = httpx.Client(base_url=base.rstrip("/"), headers={"Authorization": f"Bearer {token}"})
        self.wait = wait_seconds() if wait is None else wait

    def post(self, path: str, stop: threading.Event, content: bytes | None = None,
             json: dict | None = None) -> Reply:
        """The server's answer, tried again while it is away until `wait` seconds after the
        first try (or `stop`); the last reply when it stays away."""
        deadline, pause = time.monotonic() + self.wait, 0.5
        while True:
            reply = self._once(path, content, json, max(deadline - time.monotonic(), 2.0))
            left = deadline - time.monotonic()
            if not is_away(reply) or left <= 0 or stop.wait(min(pause, left)):
                return reply
            pause = min(pause * 2, 5.0)

    def _once(self, path: str, content: bytes | None, json: dict | None, timeout: float) -> Reply:
        headers = {"Content-Type": XML} if content is not None else {}
        try:
            r = self.client.post(path, content=content, json=json, headers=headers, timeout=timeout)
        except httpx.HTTPError:
            return Reply(None, b"", "")
        return Reply(r.status_code, r.content, r.headers.get("content-type", ""))

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class Folder:
    root: Path

    @property
    def req(self) -> Path:
        return self.root / "req"

    @property
    def res(self) -> Path:
        return self.root / "res"

    @property
    def face(self) -> Path:
        return self.root / "face"

    @property
    def processed(self) -> Path:
        return self.req / "processed"

    def create(self) -> None:
        """The folders, without what a killed terminal left half-written."""
        for folder in (self.req, self.res, self.face, self.processed):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.res, self.face):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)


def write_whole(path: Path, data: bytes) -> None:
    """Writes aside, then renames: the file appears whole or not at all."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(aside, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(aside, path)


class Renames:
    """The names renamed (or moved) into a folder since the last look, from inotify on Linux —
    complete at once —, and a wait that ends as soon as something arrives; elsewhere no names
    and a plain sleep (files are then complete once settled)."""

    IN_MODIFY, IN_MOVED_TO, IN_CREATE = 0x2, 0x80, 0x100
    _EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then the name, NUL-padded

    def __init__(self, folder: Path):
        self.fd: int | None = None
        self.names: set[str] = set()
        if sys.platform.startswith("linux"):
            self.fd = self._watch(folder)

    def _watch(self, folder: Path) -> int | None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, os.fsencode(folder), self.IN_MODIFY | self.IN_MOVED_TO | self.IN_CREATE) < 0:
            os.close(fd)
            return None
        return fd

    def wait(self, seconds: float) -> None:
        if self.fd is None:
            time.sleep(seconds)
        else:
            select.select([self.fd], [], [], seconds)

    def collect(self) -> None:
        """Reads the events waiting: a name renamed in is complete until it is written to."""
        while self.fd is not None:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            offset = 0
            while offset + self._EVENT.size <= len(data):
                _, mask, _, length = self._EVENT.unpack_from(data, offset)
                start = offset + self._EVENT.size
                name = data[start:start + length].rstrip(b"\0").decode(errors="replace")
                offset = start + length
                if mask & self.IN_MOVED_TO:
                    self.names.add(name)
                else:
                    self.names.discard(name)

    def renamed(self, name: str) -> bool:
        return name in self.names

    def forget(self, name: str) -> None:
        self.names.discard(name)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Settling:
    """When a request file is complete: renamed into place, or unchanged for `SETTLE` s."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.seen: dict[str, tuple[tuple[int, int], float]] = {}  # name → (size, mtime), since

    def complete(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except FileNotFoundError:
            self.seen.pop(path.name, None)
            return False
        if os.name == "posix" and stat.st_ctime_ns > stat.st_mtime_ns:
            return True  # its inode changed after its last write: renamed (or moved) in
        if time.time() - stat.st_mtime >= SETTLE:
            return True
        signature, now = (stat.st_size, stat.st_mtime_ns), self.clock()
        before = self.seen.get(path.name)
        if before is None or before[0] != signature:
            self.seen[path.name] = (signature, now)
            return False
        return now - before[1] >= SETTLE

    def forget(self, name: str) -> None:
        self.seen.pop(name, None)


def _header(request: bytes) -> tuple[dict | None, str]:
    """The request's MessageHeader (None if unreadable) and its encoding, for our own answer."""
    try:
        tree, encoding = wire.decode(request, XML)
    except Exception:  # noqa: BLE001 - the server would refuse it; we only echo what we can
        return None, "UTF-8"
    header = tree.get("MessageHeader")
    return (header if isinstance(header, dict) else None), encoding


def own_error(request: bytes, code: str, message: str) -> bytes:
    """The terminal's `SegmentOfResult` 9 answer to `request`, in its encoding."""
    header, encoding = _header(request)
    body, _ = wire.encode(messages.error_message(header, code, message), encoding)
    return body


def result_of(request: bytes, reply: Reply) -> bytes:
    """What the clinic gets for `request` from the server's `reply`."""
    if reply.status == 200:
        return reply.body
    if is_away(reply):
        return own_error(request, *AWAY)
    code, message = REFUSED
    return own_error(request, code, message.format(status=reply.status,
                                                   reason=REASONS.get(reply.status, "要求の誤り")))


def summary(body: bytes) -> str:
    """The result in a few words, without personal data: the segment, the error code, the
    validity or the counts."""
    try:
        tree, _ = wire.decode(body, XML)
        return "、".join(_summary_words(tree.get("MessageHeader") or {}, tree.get("MessageBody") or {}))
    except Exception:  # noqa: BLE001 - an answer we cannot read is still written as it came
        return "応答を読めません"


def _summary_words(head: dict, main: dict) -> list[str]:
    words = [SEGMENTS.get(head.get("SegmentOfResult"), "結果不明")]
    if head.get("ErrorCode"):
        words.append(f"エラー {head['ErrorCode']}")
    if main.get("ProcessingResultStatus") == "2":
        words.append(f"照会エラー {main.get('ProcessingResultCode', '')}".strip())
    if main.get("QualificationValidity"):
        words.append(f"資格有効性 {main['QualificationValidity']}")
    if main.get("ReceptionNumber"):
        words.append("受付済み")
    if head.get("NumberOfProcessingResult"):
        words.append(f"{head['NumberOfProcessingResult']} 件（正常 {head.get('NumberOfNormalProcessing')} 件、"
                     f"エラー {head.get('NumberOfError')} 件）")
    return words


def log_line(name: str, message: str, body: bytes, started: float) -> None:
    elapsed = round((time.monotonic() - started) * 1000)
    at = datetime.now(JAPAN).strftime("%Y-%m-%d %H:%M:%S")
    print(f"{at} {name} {LABELS[message]}（{message}） {summary(body)} {elapsed}ms", flush=True)


class Terminal:
    """Answers the request files of `folder` through `server` until `stop` is set."""

    def __init__(self, folder: Folder, server: Server):
        self.folder, self.server = folder, server
        self.settling = Settling()
        self.renames: Renames | None = None
        self.in_flight: set[str] = set()
        self.lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        self.folder.create()
        self.renames = Renames(self.folder.req)
        print(f"資格確認端末を開始しました: {self.folder.root}（要求 req/、結果 res/、読取 face/）", flush=True)
        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="oqs-request") as pool:
                while not stop.is_set():
                    for path in self.ready():
                        pool.submit(self.answer, path, stop)
                    self.renames.wait(POLL)
        finally:
            self.renames.close()
        print("資格確認端末を停止しました", flush=True)

    def ready(self) -> list[Path]:
        """The complete request files not yet in hand, oldest first."""
        found = []
        self.renames.collect()
        with os.scandir(self.folder.req) as entries:
            for entry in entries:
                if not entry.is_file() or not REQUEST.match(entry.name):
                    continue
                with self.lock:
                    taken = entry.name in self.in_flight
                if not taken and (self.renames.renamed(entry.name) or self.settling.complete(Path(entry.path))):
                    self.renames.forget(entry.name)
                    found.append(Path(entry.path))
        with self.lock:
            self.in_flight.update(path.name for path in found)
        return sorted(found, key=_mtime)

    def answer(self, path: Path, stop: threading.Event) -> None:
        try:
            self._answer(path, stop)
        except Exception as exc:  # noqa: BLE001 - the request stays in req/ for the next look
            print(f"{path.name} を処理できませんでした（{type(exc).__name__}）。もう一度処理します", flush=True)
            stop.wait(1.0)
        finally:
            self.settling.forget(path.name)
            with self.lock:
                self.in_flight.discard(path.name)

    def _answer(self, path: Path, stop: threading.Event) -> None:
        started = time.monotonic()
        message, ident = REQUEST.match(path.name).groups()
        try:
            request = path.read_bytes()
        except FileNotFoundError:  # taken away meanwhile
            return
        reply = self.server.post(ROUTES[message], stop, content=request)
        if stop.is_set() and is_away(reply):
            return  # stopping: left in req/, answered after the restart
        result = result_of(request, reply)
        write_whole(self.folder.res / f"OQS{message}res_{ident}.xml", result)
        os.replace(path, self.folder.processed / path.name)
        log_line(path.name, message, result, started)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def tap(folder: Folder, server: Server, card_id: str, identity: str, consent: bool,
        service_date: date | None = None) -> Path:
    """A card on the reader: the server's 1.3 result, written to face/."""
    folder.create()
    started = time.monotonic()
    body = {"card_id": card_id, "identity_check": identity, "limit_consent": consent}
    if service_date:
        body["service_date"] = service_date.isoformat()
    reply = server.post(READINGS, threading.Event(), json=body)
    if reply.status != 200:
        raise TerminalError(AWAY[1] if is_away(reply) else REFUSED[1].format(
            status=reply.status, reason=REASONS.get(reply.status, "要求の誤り")))
    path = folder.face / f"OQSsiquc01res_face_{datetime.now(JAPAN):%Y%m%d%H%M%S%f}.xml"
    write_whole(path, reply.body)
    log_line(path.name, "face", reply.body, started)
    return path
