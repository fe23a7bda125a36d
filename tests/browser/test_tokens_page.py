"""The admin's tokens page in Chromium: issue a token, see it once, revoke it after confirming.
The token is a new one, so the demo's tokens that other tests use stay valid."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests.browser.steps import sign_in_staff


def _insurer_status(site, token: str) -> int:
    request = urllib.request.Request(f"{site.base_url}/api/v1/insurer",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.load(answer)
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_issue_a_token_see_it_once_and_revoke_it(page, site):
    sign_in_staff(page, "kanri")
    page.get_by_role("link", name="APIトークン").click()
    page.get_by_label("種別").select_option("clerk")
    page.get_by_label("対象").fill("browser-test")
    page.get_by_role("button", name="発行する", exact=True).click()

    token = page.locator("#issued-token").inner_text().strip()
    assert _insurer_status(site, token) == 200
    row = page.get_by_role("row").filter(has_text="browser-test")
    row.get_by_text("失効させる…").click()
    row.get_by_role("button", name="失効させる", exact=True).click()

    expect(page.get_by_role("status").filter(has_text=re.compile("を失効させました"))).to_be_visible()
    expect(page.locator("#issued-token")).to_have_count(0)
    assert _insurer_status(site, token) == 401
