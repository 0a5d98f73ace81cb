"""A leader opens the dashboard on the demo data, follows a red quota cell to the records behind it, and downloads
the dashboard's tables (xlsx) and the annual report (docx)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from tracker.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def test_leader_follows_a_red_cell_and_downloads_both_exports(page, artifacts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_plans", verbosity=0)
    call_command("seed_demo", force=True, verbosity=0)

    page.goto(page.base_url + "/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator(".site-nav").get_by_role("link", name=zh("Dashboard")).click()
    page.wait_for_selector("#figure-tasks_done")
    assert page.locator("#timeline svg").count() >= 1
    page.screenshot(path=artifacts / "dashboard-journey-1-dashboard.png", full_page=True)

    # A red cell: a college missing a quota. It opens the list of the records its number counts.
    red = page.locator("table.college-quotas td.cell--not_met a").first
    college = red.locator("xpath=ancestor::tr/th").inner_text().strip()
    target = red.get_attribute("href")
    red.click()
    page.wait_for_load_state()
    assert page.url.endswith(target)
    assert page.locator("h1").count() == 1
    page.screenshot(path=artifacts / "dashboard-journey-2-records.png", full_page=True)

    # Back on the dashboard, the college's own page.
    page.go_back()
    page.get_by_role("link", name=college, exact=True).click()
    page.wait_for_selector("#figure-tasks_done")
    assert college in page.locator("h1").inner_text()

    # Both exports download and open.
    page.go_back()
    with page.expect_download() as tables:
        page.get_by_role("link", name=zh("Tables as Excel")).click()
    workbook = load_workbook(io.BytesIO(open(tables.value.path(), "rb").read()))
    assert "各学院指标" in workbook.sheetnames
    assert tables.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as report:
        page.locator(".exports a", has_text="Word").first.click()
    assert report.value.suggested_filename.endswith(".docx")
    with zipfile.ZipFile(report.value.path()) as document:
        assert "word/document.xml" in document.namelist()
        assert "年度工作汇报" in document.read("word/document.xml").decode()
