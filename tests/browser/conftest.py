"""Playwright driving Debian's Chromium. Skipped where Chromium is absent, except under REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .chromium import chromium_path, launch

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    message = "Debian's Chromium is not installed (apt-get install chromium)"
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch(playwright, path)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("PLAYWRIGHT_ARTIFACTS", "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
