"""Playwright driving Debian's Chromium. Skipped where Chromium is absent, except under REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-gpu", "--no-first-run", "--disable-quic",
                 "--lang=zh-CN"]
# The browser's own words (date boxes, file pickers) in Chinese, as users see them: Debian's chromium-l10n holds
# them, and Chromium on Linux picks its language from these variables.
CHROMIUM_ENV = {"LANGUAGE": "zh_CN:zh", "LANG": "C.UTF-8"}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


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
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True,
                                              env={**os.environ, **CHROMIUM_ENV})
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
