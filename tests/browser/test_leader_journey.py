"""A leader, in Chromium, on the demo data: opens the dashboard, follows a red quota (a college's participation
rate) to that college's page and on to the roster behind the number, checks the number against the roster, comes
back, and downloads the dashboard's tables and the annual report."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from tracker.demo import DEMO_PASSWORD

from .journeys import Journey, download, nav, number, sign_in, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PARTICIPATION = "二级关工委有条件老同志参与率"  # the quota's name in fixtures/seed_quotas.json


def test_leader_follows_a_red_quota_to_the_college_and_its_records_then_downloads_the_report(page, artifacts, demo):
    journey = Journey(page, artifacts, "leader")
    year = timezone.localdate().year

    sign_in(page, "leader", DEMO_PASSWORD)
    journey.shot("home")

    # 1. The dashboard: figures, the plan's timeline, colleges × quotas.
    nav(page, "Dashboard")
    page.wait_for_selector("#figure-tasks_done")
    assert page.locator("#timeline svg").count() >= 1
    quotas_met = page.locator("#figure-quotas_met .figure__value").inner_text()  # e.g. "4 / 11"
    journey.shot("dashboard")

    # 2. A red cell in the participation-rate column: which college, what number.
    headers = [text.split("\n")[0] for text in page.locator("table.college-quotas thead th").all_inner_texts()]
    column = headers.index(PARTICIPATION) + 1
    red_rows = page.locator("table.college-quotas tbody tr").filter(
        has=page.locator(f"td:nth-child({column}).cell--not_met"))
    assert red_rows.count() >= 1
    row = red_rows.first
    college = row.locator("th").inner_text().strip()
    rate = row.locator(f"td:nth-child({column})").inner_text().split()[0]  # "44%", then the hidden status label
    assert rate.endswith("%") and zh("Not met") in row.locator(f"td:nth-child({column})").inner_text()

    # 3. The college's own page: the same quota, red, with the same number.
    row.get_by_role("link", name=college, exact=True).click()
    page.wait_for_selector("#figure-tasks_done")
    assert college in page.locator("h1").inner_text()
    cell = page.locator(f"table.college-quotas tbody td:nth-child({column})")
    assert "cell--not_met" in cell.get_attribute("class") and cell.inner_text().split()[0] == rate
    journey.shot("college")

    # 4. The records behind the number: the college's roster, where participating ÷ eligible is that rate.
    cell.get_by_role("link").click()
    page.wait_for_selector("table.roster-table")
    eligible = number(page.locator(".roster-count[data-count=eligible]").inner_text())
    participating = number(page.locator(".roster-count[data-count=participating]").inner_text())
    assert eligible and f"{round(100 * participating / eligible)}%" == rate
    units = set(page.locator("table.roster-table td.col-unit").all_inner_texts())
    assert units == {college}  # only that college's people
    journey.shot("records")

    # 5. Back to the college page, then the dashboard; both exports download and open.
    page.go_back()
    page.wait_for_selector("#figure-tasks_done")
    assert college in page.locator("h1").inner_text()
    page.go_back()
    page.wait_for_selector("#figure-tasks_done")
    assert page.locator("h1").inner_text() == zh("Where the programme stands")
    name, content = download(page, page.get_by_role("link", name=zh("Tables as Excel")))
    assert name.endswith(".xlsx") and "各学院指标" in load_workbook(io.BytesIO(content)).sheetnames
    link = page.get_by_role("link", name=zh("Annual report %(year)s (Word)") % {"year": year})
    name, content = download(page, link)
    assert name == f"中国矿业大学关工委{year}年度工作汇报.docx"
    document = Document(io.BytesIO(content))
    title = document.paragraphs[0]
    assert (title.style.name, title.text) == ("Title", f"中国矿业大学关工委{year}年度工作汇报")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "三、指标完成情况" in headings
    met, total = (number(part) for part in quotas_met.split("/"))
    summary = next(p.text for p in document.paragraphs if p.text.startswith("截至"))
    assert f"{total}项指标中已达标{met}项" in summary  # the report agrees with the dashboard's figure
    journey.shot("downloaded")
