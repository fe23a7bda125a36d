"""Every main page, at 1280 px and at a phone's width: Japanese page language, one h1, every form
control labelled, every chart described, the skip link and a visible focus, no sideways scroll."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.steps import sign_in_member, sign_in_staff

# (who signs in, the page); the member page is the showcase insured's.
PAGES = [
    ("tanto", "/staff/"),
    ("tanto", "/staff/?kana=ヤマダ"),
    ("tanto", "member"),
    ("tanto", "/staff/members/new"),
    ("tanto", "member:certificates/new"),
    ("tanto", "member:disqualification"),
    ("tanto", "/staff/imports"),
    ("sekinin", "/staff/runs"),
    ("tanto", "/staff/dashboard"),
    ("kansa", "/staff/audit"),
    ("member", "/portal/"),
    ("member", "/portal/bring"),
    ("member", "/portal/history"),
    (None, "/staff/sign-in"),
    (None, "/portal/sign-in"),
]

# Controls without a label, charts without a name, h1 count, page language, overflow.
AUDIT = """() => {
  const visible = el => el.offsetParent !== null && el.type !== 'hidden';
  const named = el => (el.labels && el.labels.length > 0) || el.getAttribute('aria-label')
                      || el.getAttribute('aria-labelledby');
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(visible).filter(el => !named(el)).map(el => el.name || el.id || el.outerHTML.slice(0, 60));
  const unnamedCharts = [...document.querySelectorAll('svg')]
    .filter(svg => !svg.getAttribute('aria-hidden'))
    .filter(svg => !(svg.getAttribute('aria-label') || svg.querySelector('title')))
    .map(svg => svg.outerHTML.slice(0, 60));
  const buttons = [...document.querySelectorAll('button, a[href]')].filter(visible)
    .filter(el => !el.textContent.trim() && !el.getAttribute('aria-label')).map(el => el.outerHTML.slice(0, 60));
  return {lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length,
          unlabelled, unnamedCharts, buttons,
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""


def _open(page: Page, site, who: str | None, where: str) -> None:
    if who == "member":
        sign_in_member(page, site.card_id)
        page.wait_for_url("**/portal/")
    elif who:
        sign_in_staff(page, who)
    if where.startswith("member"):
        page.goto("/staff/?symbol=1000&number=1")
        page.get_by_role("link", name="1000・1・00").click()
        page.wait_for_url("**/staff/members/*")
        if ":" in where:
            page.goto(f"{page.url.rstrip('/')}/{where.split(':', 1)[1]}")
        return
    page.goto(where)


@pytest.mark.parametrize("who, where", PAGES, ids=[f"{w}{p}" for w, p in PAGES])
def test_page_is_accessible_at_both_widths(page, phone, site, who, where):
    for view in (page, phone):
        _open(view, site, who, where)
        found = view.evaluate(AUDIT)
        assert found["lang"] == "ja" and found["h1"] == 1, found
        assert found["unlabelled"] == [] and found["unnamedCharts"] == [] and found["buttons"] == [], found
        assert found["overflow"] <= 0, f"{where} scrolls sideways by {found['overflow']} px"


def test_keyboard_reaches_the_skip_link_first_with_a_visible_focus(page, site):
    sign_in_staff(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
      const el = document.activeElement, style = getComputedStyle(el);
      return {text: el.textContent.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["text"] == "本文へ移動" and focused["outline"] != "none" and focused["width"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
