"""Readable by older readers, at 1366 × 768 and on a phone: every main page (tests/pages.py) on the demo data, in
Chromium at 390 × 844, never scrolls sideways as a whole (a wide table scrolls inside its own .table-wrap box), and
its text is large: body 16 px or more with a comfortable line height, nothing a person reads under 12 px as shown
on the screen (a chart's labels included: the plan timeline keeps its scale and scrolls in its box); the menu
stays usable on the phone (every link on screen, big enough to tap); the pages people print have a working 打印
button and print without menu, forms or buttons."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tracker.demo import DEMO_PASSWORD

from ..pages import main_pages
from . import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# The page's width against the window's, the elements that stick out (outside any box that scrolls or clips), the
# body's type, and the smallest text shown, as large as it appears (visually hidden labels left out).
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const wider = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !clipped(el)) {
      wider.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
    }
  }
  let smallest = 100, smallestText = '';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !el.getClientRects().length || el.closest('.visually-hidden')) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');  // a chart's text shrinks with the chart: its size on screen
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    if (size < smallest) { smallest = size; smallestText = text.slice(0, 30); }
  }
  const body = getComputedStyle(document.body);
  return {pageWidth: document.documentElement.scrollWidth, width, wider: wider.slice(0, 5),
          font: parseFloat(body.fontSize), lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
          smallest, smallestText};
}"""


def _open(tab, url: str) -> None:
    """Go to `url` and fail unless the page (after any redirect) came with 200: an error page is not measured."""
    response = tab.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status, tab.url)


def _sign_in(page, base_url: str, username: str) -> None:
    """Sign in through the sign-in page; fails unless the portal's menu shows on a page other than the sign-in page."""
    _open(page, base_url + "/")  # the sign-in page answers
    chromium.sign_in(page, base_url, username, DEMO_PASSWORD)
    assert not urlsplit(page.url).path.startswith(reverse("login")), (username, page.url)


def _prints(tab, slug: str) -> None:
    """The page's 打印 button (shown by static/js/print.js) opens printing; the printed page leaves out the menu,
    forms and buttons and does not cut its table at the edge of a scrolling box."""
    button = tab.get_by_role("button", name="打印")
    assert button.is_visible(), slug
    tab.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert tab.evaluate("window.printed === true"), slug
    tab.emulate_media(media="print")
    try:
        assert not tab.locator(".site-nav").is_visible() and not button.is_visible(), slug
        assert all(not form.is_visible() for form in tab.locator("main form").all()), slug
        assert tab.locator("main .table-wrap").first.evaluate("el => getComputedStyle(el).overflowX") == "visible"
    finally:
        tab.emulate_media(media="screen")


def _check(measure: dict, where: str) -> list[str]:
    problems = []
    if measure["pageWidth"] > measure["width"]:
        problems.append(f"{where}: the page is {measure['pageWidth']} px wide in a {measure['width']} px window; "
                        f"sticking out: {measure['wider']}")
    if measure["font"] < 16 or measure["lineHeight"] < 1.4:
        problems.append(f"{where}: body type {measure['font']} px, line height {measure['lineHeight']:.2f}")
    if measure["smallest"] < 12:
        problems.append(f"{where}: text of {measure['smallest']} px: “{measure['smallestText']}”")
    return problems


def test_every_main_page_fits_a_phone_and_reads_large(browser, live_server, artifacts, demo):
    pages = main_pages()

    problems, seen = [], 0
    for username in dict.fromkeys(page.username for page in pages):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(15_000)
        tab = context.new_page()
        if username:
            _sign_in(tab, live_server.url, username)
        for main_page in (page for page in pages if page.username == username):
            _open(tab, live_server.url + main_page.path)
            found = _check(tab.evaluate(MEASURE), f"{main_page.slug} (390 px)")
            if found:
                tab.screenshot(path=artifacts / f"layout-{main_page.slug}-phone.png", full_page=True)
            problems += found
            seen += 1
        if username == "staff":  # the longest menu: every link on the phone's screen and big enough to tap
            _open(tab, live_server.url + "/")
            links = tab.locator(".site-nav a")
            assert links.count() >= 10
            for index in range(links.count()):
                box = links.nth(index).bounding_box()
                name = links.nth(index).inner_text()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
                assert box["height"] >= 24, (name, box)
            tab.set_viewport_size(DESKTOP)
            for main_page in (page for page in pages if page.slug in ("plan", "round-board")):
                _open(tab, live_server.url + main_page.path)
                problems += _check(tab.evaluate(MEASURE), f"{main_page.slug} (1366 px)")
                _prints(tab, main_page.slug)
        context.close()
    assert seen == len(pages)
    assert not problems, "\n".join(problems)
