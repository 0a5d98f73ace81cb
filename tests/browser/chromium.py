"""Debian's Chromium as the tests and `make screenshots` (tools/screenshots.py) drive it, and signing in through
the sign-in page as a person does: one place for both, so the pictures and the tests see the same browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-gpu", "--no-first-run", "--disable-quic", "--lang=zh-CN"]
# The browser's own words (date boxes, file pickers) in Chinese, as users see them: Debian's chromium-l10n holds
# them, and Chromium on Linux takes its language from LANGUAGE, not from --lang. LANG stays UTF-8 so that file
# names with Chinese characters still upload (a zh_CN locale is not generated on these machines).
ENV = {"LANGUAGE": "zh_CN:zh", "LANG": "C.UTF-8"}
LOGIN_PATH = "/accounts/login/"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def launch(playwright, path: str, *extra_args: str):
    return playwright.chromium.launch(executable_path=path, args=[*ARGS, *extra_args], headless=True,
                                      env={**os.environ, **ENV})


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Sign out whoever was signed in, then sign in from the sign-in page; the portal's menu must then show."""
    page.context.clear_cookies()
    page.goto(base_url + LOGIN_PATH)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.locator(".site-nav").wait_for()
