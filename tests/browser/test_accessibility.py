"""Accessibility in Chromium: axe-core finds no serious or critical violation on any main page of `tests/pages.py`
(nor on the sign-in and task-update forms showing their errors), and the portal works from the keyboard alone.

axe-core's script ships inside the axe-playwright-python package: nothing is fetched at run time.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tracker.demo import DEMO_PASSWORD
from tracker.plans.models import Task, TaskUpdate

from ..pages import main_pages
from . import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = ("serious", "critical")
# Every rule axe-core runs by default (WCAG 2.0–2.2 A and AA, and its best practices); these are named so that a
# change of axe's defaults cannot switch them off: a name for every field and list, and the contrast of text.
REQUIRED_RULES = ("label", "select-name", "color-contrast", "button-name", "link-name", "aria-valid-attr-value")
AXE_OPTIONS = {"rules": {rule: {"enabled": True} for rule in REQUIRED_RULES}, "resultTypes": ["violations"]}


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    chromium.sign_in(page, page.base_url, username, password)


def axe_problems(page, slug: str) -> list[str]:
    """Each serious or critical violation on the page as it is now: rule, page, elements, what to do."""
    results = AXE.run(page, options=AXE_OPTIONS).response
    ran = {rule["id"] for kind in ("passes", "violations", "incomplete", "inapplicable") for rule in results[kind]}
    assert set(REQUIRED_RULES) <= ran, (slug, set(REQUIRED_RULES) - ran)
    return [
        f"{violation['id']} ({violation['impact']}) on {slug}: "
        f"{', '.join(' '.join(node['target']) for node in violation['nodes'])} — {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


# The pages are checked in PARTS runs (every PARTS-th page each), so that pytest-xdist's workers share the check.
PARTS = 3


@pytest.mark.parametrize("part", range(PARTS))
def test_no_main_page_has_a_serious_or_critical_axe_violation(page, demo, part):
    pages = main_pages()
    mine = pages[part::PARTS]
    by_account = defaultdict(list)  # one sign-in per account
    for main_page in mine:
        by_account[main_page.username].append(main_page)

    problems, checked = [], 0
    for username, its_pages in by_account.items():
        if username:
            sign_in(page, username)
        else:
            page.context.clear_cookies()
        for main_page in its_pages:
            response = page.goto(page.base_url + main_page.path)
            assert response.status == 200, (main_page.slug, response.status)
            problems += axe_problems(page, main_page.slug)
            checked += 1

    assert len(pages) >= 37 and checked == len(mine)
    if part == 0:
        problems += form_error_problems(page, pages)
    assert not problems, f"{len(problems)} serious or critical axe violations:\n" + "\n".join(problems)


def form_error_problems(page, pages) -> list[str]:
    """Forms showing their errors. The browser's own checks are switched off to let the server answer."""
    page.context.clear_cookies()
    page.goto(page.base_url + reverse("login"))
    page.get_by_label("用户名").fill("staff")
    page.get_by_label("密码").fill("not-the-password")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".form-errors")
    problems = axe_problems(page, "login-wrong-password")

    sign_in(page, "staff")
    task = next(main_page for main_page in pages if main_page.slug == "task")
    page.goto(page.base_url + task.path)
    page.locator("#update-form form").evaluate("form => { form.noValidate = true; }")
    page.locator("#id_date").fill("")
    page.locator("#id_progress").fill("")
    page.locator("#update-form button[type=submit]").click()
    page.wait_for_selector("#update-form .field--error")
    problems += axe_problems(page, "task-update-empty-post")
    return problems


def focus_of(page) -> dict:
    """The focused element: what it is, whether it shows keyboard focus, its outline and where it is."""
    return page.evaluate("""() => {
        const element = document.activeElement, style = getComputedStyle(element);
        const box = element.getBoundingClientRect();
        return {tag: element.tagName.toLowerCase(), id: element.id, text: element.innerText || "",
                classes: element.className, inNav: !!element.closest(".site-nav"), inMain: !!element.closest("main"),
                focusVisible: element.matches(":focus-visible"), outline: style.outlineStyle,
                outlineWidth: parseFloat(style.outlineWidth), left: box.left, top: box.top, width: box.width};
    }""")


def assert_focus_shows(focus: dict) -> None:
    assert focus["focusVisible"], focus
    assert focus["outline"] != "none" and focus["outlineWidth"] >= 2, focus


def tab_until(page, condition, limit: int = 60) -> dict:
    """Press Tab until the focused element meets `condition`; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = focus_of(page)
        if condition(focus):
            return focus
    pytest.fail(f"{limit} presses of Tab never reached the element; last focus: {focus}")


def test_keyboard_alone_signs_in_skips_to_content_follows_the_menu_and_reports_progress(page, world, staff):
    # Sign in: the user name field has the focus when the page opens; Tab to the password, Enter sends the form.
    page.goto(page.base_url + "/")
    # autofocus may be applied after the load event on a slow machine: wait for it rather than read it at once
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_username'")
    page.keyboard.type("staff")
    page.keyboard.press("Tab")
    assert focus_of(page)["id"] == "id_password"
    page.keyboard.type("pw-for-tests")
    page.keyboard.press("Enter")
    page.wait_for_selector(".site-nav")

    # On a fresh page the first Tab reaches the skip link, shown on screen with a visible focus ring; Enter on it
    # moves to the content, and the next Tab lands inside <main>.
    page.keyboard.press("Tab")
    skip = focus_of(page)
    assert "skip-link" in skip["classes"], skip
    assert skip["left"] >= 0 and skip["top"] >= 0 and skip["width"] > 0, skip
    assert_focus_shows(skip)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    assert focus_of(page)["inMain"], focus_of(page)

    # The main menu: Tab reaches it from the top of a fresh page, and Enter follows a link.
    page.goto(page.base_url + reverse("tracker:home"))
    first_link = tab_until(page, lambda focus: focus["inNav"], limit=5)
    assert_focus_shows(first_link)
    plans = tab_until(page, lambda focus: focus["inNav"] and focus["text"].strip() == zh("Plans"), limit=10)
    assert_focus_shows(plans)
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("tracker:plan-list"))

    # A progress report on a task, from the keyboard alone: date (today, kept), status, progress, note, then send.
    task = world.school_task
    Task.objects.filter(pk=task.pk).update(status=Task.Status.NOT_STARTED, progress=0)
    page.goto(page.base_url + task.get_absolute_url())
    date = tab_until(page, lambda focus: focus["id"] == "id_date", limit=80)
    assert_focus_shows(date)
    status = tab_until(page, lambda focus: focus["id"] == "id_status", limit=4)
    assert_focus_shows(status)
    page.keyboard.press("ArrowDown")  # not started → in progress
    tab_until(page, lambda focus: focus["id"] == "id_progress", limit=1)
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    tab_until(page, lambda focus: focus["id"] == "id_note", limit=1)
    page.keyboard.type("用键盘填写的进展。")
    send = tab_until(page, lambda focus: focus["tag"] == "button" and focus["inMain"], limit=3)
    assert_focus_shows(send)
    page.keyboard.press("Enter")
    page.wait_for_selector(".message--success")

    task = Task.objects.get(pk=task.pk)
    assert (task.status, task.progress) == (Task.Status.IN_PROGRESS, 40)
    assert TaskUpdate.objects.get(task=task).note == "用键盘填写的进展。"
