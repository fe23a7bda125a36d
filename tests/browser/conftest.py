"""Browser tests: a real `shikaku serve` process over a small demo society (SQLite), driven by
Playwright in Debian's Chromium (/usr/bin/chromium; never a downloaded browser).

Set SHIKAKU_SCREENSHOTS=docs/screenshots to keep the screenshots the tests take (`make screenshots`)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers import eventually

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHIKAKU = [str(Path(sys.executable).with_name("shikaku"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"shikaku serve exited with {process.returncode}")
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except OSError:
        return False


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    eventually(lambda: _up(url, process), "shikaku serve to start", timeout=300)


class DemoSite:
    """The served demo society: its address, database, the showcase member's card and the
    bearer tokens `shikaku demo` printed (by role: admin, supervisor, clerk, auditor, facility)."""

    def __init__(self, base_url: str, db_url: str, card_id: str, tokens: dict[str, str] | None = None):
        self.base_url, self.db_url, self.card_id = base_url, db_url, card_id
        self.tokens = tokens or {}


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> DemoSite:
    folder = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    env = {**os.environ, "COLUMNS": "200", "SHIKAKU_KEY_FILE": str(folder / "secret.key")}
    printed = subprocess.run([*SHIKAKU, "demo", "--members", "400", "--db", db_url, "--no-serve"],
                             env=env, capture_output=True, text=True, check=True).stdout
    card_id = re.search(r"カード番号 (\w+)", printed)[1]
    port = _free_port()
    server = subprocess.Popen([*SHIKAKU, "serve", "--db", db_url, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base_url}/api/v1/health", server)
        tokens = dict(re.findall(r"^ {2}(admin|supervisor|clerk|auditor|facility) +(\S+)$", printed, re.M))
        yield DemoSite(base_url, db_url, card_id, tokens)
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser: Browser, site: DemoSite, width: int, height: int) -> Page:
    context = browser.new_context(base_url=site.base_url, viewport={"width": width, "height": height},
                                  locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser, site) -> Page:
    """A fresh browser context (no cookies) at desktop width, 1280 px."""
    page = _new_page(browser, site, 1280, 900)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, site) -> Page:
    """A fresh browser context at a phone's width (390 px)."""
    page = _new_page(browser, site, 390, 844)
    yield page
    page.context.close()
