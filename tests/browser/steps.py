"""What the browser tests do again and again: sign in, keep a screenshot."""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from shikaku.entrypoints.cli import DEMO_PASSWORD, DEMO_PIN


def sign_in_staff(page: Page, username: str = "tanto", password: str = DEMO_PASSWORD) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("利用者ID").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


def sign_in_member(page: Page, card_id: str, pin: str = DEMO_PIN) -> None:
    page.goto("/portal/sign-in")
    page.get_by_label("カード番号").fill(card_id)
    page.get_by_label("暗証番号（数字4桁）").fill(pin)
    page.get_by_role("button", name="ログイン").click()


def screenshot(page: Page, name: str) -> None:
    """Keeps a full-page screenshot under $SHIKAKU_SCREENSHOTS (for the README), else in memory."""
    folder = os.environ.get("SHIKAKU_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    else:
        assert page.screenshot(full_page=True)[:4] == b"\x89PNG"
