"""The dashboard's tables as one xlsx workbook (总览 · 各学院指标 · 全校指标 · 逾期事项 · 近期到期), drawn from the same
`Dashboard` data as the page (live, as of a day, or a frozen snapshot), so the figures match the page exactly."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.org.xlsx import append_row
from tracker.reporting.dashboard import Dashboard, DueItem

FILLS = {
    "met": PatternFill("solid", fgColor="D9EAD3"),
    "at_risk": PatternFill("solid", fgColor="FFF2CC"),
    "not_met": PatternFill("solid", fgColor="F4CCCC"),
}
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title)
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = "1:1"
    return sheet


def _due_rows(sheet, items: list[DueItem]) -> None:
    for item in items:
        days = f"逾期{-item.days}天" if item.days < 0 else f"还有{item.days}天"
        append_row(sheet, [item.kind_label, item.code, item.title, item.unit, item.due, days, item.plan])
        sheet.cell(sheet.max_row, 5).number_format = "yyyy-mm-dd"
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP


def dashboard_workbook(dashboard: Dashboard, *, title: str = "") -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "总览"
    unit = f" · {dashboard.unit}" if dashboard.unit else ""
    heading = title or f"{dashboard.institution}{unit}关工委优质化建设总览"
    append_row(summary, [heading])
    summary["A1"].font = Font(bold=True, size=14)
    append_row(summary, [f"数据截至 {dashboard.as_of:%Y-%m-%d}"])
    append_row(summary, [])
    append_row(summary, ["项目", "数值", "总数"])
    for cell in summary[4]:
        cell.font = BOLD
    for figure in dashboard.figures:
        append_row(summary, [figure.label, figure.value, figure.total if figure.total is not None else ""])
    if dashboard.filing is not None:
        filing = dashboard.filing
        append_row(summary, [])
        append_row(summary, [f"自评轮次：{filing.round_name}（截止 {filing.due:%Y-%m-%d}）"])
        append_row(summary, ["应报", "已报送", "已通过验收", "被退回", "未开始"])
        append_row(summary, [filing.expected, filing.filed, filing.accepted, filing.returned, filing.not_started])
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 12
    summary.column_dimensions["C"].width = 12

    columns = dashboard.quota_columns
    headers = ["学院", *[c.name for c in columns], "自评状态", "未完成整改", "逾期整改"]
    colleges = _sheet(workbook, "各学院指标", headers, [20, *[16 for _c in columns], 14, 12, 12])
    append_row(colleges, ["目标", *[c.target for c in columns], "", "", ""])
    for row in dashboard.college_rows:
        append_row(colleges, [row.name, *[f"{cell.value}（{cell.status_label}）" for cell in row.cells],
                              row.filing_label, row.open_rectifications, row.overdue_rectifications])
        for index, cell in enumerate(row.cells, start=2):
            fill = FILLS.get(cell.status)
            if fill is not None:
                colleges.cell(colleges.max_row, index).fill = fill

    if dashboard.institution_quotas:
        school = _sheet(workbook, "全校指标", ["指标", "目标", "当前值", "状态"], [40, 14, 14, 12])
        for quota in dashboard.institution_quotas:
            append_row(school, [quota.name, quota.target, quota.value, quota.status_label])
            fill = FILLS.get(quota.status)
            if fill is not None:
                school.cell(school.max_row, 4).fill = fill

    headers, widths = ["类别", "编号", "事项", "责任单位", "时限", "情况", "所属计划"], [12, 8, 50, 20, 12, 12, 30]
    _due_rows(_sheet(workbook, "逾期事项", headers, widths), dashboard.overdue)
    _due_rows(_sheet(workbook, f"{dashboard.upcoming_days}天内到期", headers, widths), dashboard.upcoming)

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
