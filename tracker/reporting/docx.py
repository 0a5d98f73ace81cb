"""The annual report (年度工作汇报) and the review file (申报材料) as Word documents, with python-docx.

Both are built from the plain data of `tracker.reporting.data` (a fixed number of queries) and run no query
themselves. A4 portrait, tables in the built-in bordered "Table Grid" style with the header row repeated on
every page, page numbers in the footer (PAGE / NUMPAGES fields, which Word and LibreOffice fill in). Headings
and body text name a Chinese font for East Asian text, so the documents read the same in Word and LibreOffice.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Sequence

from docx import Document as new_document
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table

from tracker.org.models import Institution
from tracker.plans.models import chinese_numeral
from tracker.reporting.data import (
    DASH,
    AnnualReport,
    PlanTable,
    QuotaLine,
    ReviewFile,
    annual_report_data,
    review_file_data,
)

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
HEADER_FILL = "D9D9D9"
SPAN_FILL = "F2F2F2"
TEXT_WIDTH_MM = 160  # A4 (210 mm) less 25 mm margins each side


def _date(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def _long_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- Document set-up --------------------------------------------------------------------------------


def _fonts(style, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = LATIN_FONT
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _field(paragraph, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) the reading program fills in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _document(title: str, subtitle: str) -> Document:
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    styles = document.styles
    _fonts(styles["Normal"], BODY_FONT, 11)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    styles["Normal"].paragraph_format.line_spacing = 1.3
    _fonts(styles["Title"], HEADING_FONT, 20, bold=True)
    _fonts(styles["Heading 1"], HEADING_FONT, 15, bold=True)
    _fonts(styles["Heading 2"], HEADING_FONT, 13, bold=True)
    _fonts(styles["Heading 3"], HEADING_FONT, 11.5, bold=True)
    # The default template underlines the title with a blue rule; a Chinese official document has none.
    title_border = styles["Title"].element.pPr.find(qn("w:pBdr")) if styles["Title"].element.pPr is not None else None
    if title_border is not None:
        styles["Title"].element.pPr.remove(title_border)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页，共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")

    heading = document.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph = document.add_paragraph(subtitle)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Tables -------------------------------------------------------------------------------------------


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _set(cell, text: str, *, bold: bool = False, centre: bool = False, size: float = 10) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.15
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(str(text))
    run.font.size = Pt(size)
    run.bold = bold


_T, _SPACE = qn("w:t"), qn("xml:space")
_SPECIAL = re.compile(r"[\t\r\n]")


def _keep_together(row) -> None:
    """A row is not split across two pages (a task's text stays in one piece)."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


class _Grid:
    """A bordered table with a shaded header row repeated on every page; widths in millimetres.

    Rows are many (a review file holds thousands: the evidence index, the task tables) and python-docx builds
    each cell's paragraph, run and properties through its element API, about 0.7 ms a cell. So the first row of
    each kind (bold, size) is built that way and kept as a prototype; every later row is a copy of its XML with
    the texts put in (`CT_R.text`, python-docx's own text setter: tabs and line breaks as Word writes them).
    The document is the same, made about fifty times faster.
    """

    def __init__(self, document: Document, headers: Sequence[str], widths_mm: Sequence[float],
                 centred: Sequence[int] = ()):
        self.widths = [Mm(width) for width in widths_mm]
        self.centred = set(centred)
        self.prototypes: dict[tuple[bool, float], object] = {}
        self.table: Table = document.add_table(rows=1, cols=len(headers))
        self.table.style = document.styles["Table Grid"]
        self.table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.table.autofit = False
        for column, width in zip(self.table.columns, self.widths, strict=True):
            column.width = width
        header = self.table.rows[0]
        _keep_together(header)
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(repeat)
        for cell, text, width in zip(header.cells, headers, self.widths, strict=True):
            cell.width = width
            _set(cell, text, bold=True, centre=True)
            _shade(cell, HEADER_FILL)

    def row(self, values: Sequence[object], *, bold: bool = False, size: float = 10) -> None:
        texts = ["" if value is None else str(value) for value in values]
        prototype = self.prototypes.get((bold, size))
        if prototype is None:
            self._built_row(texts, bold=bold, size=size)
            prototype = copy.deepcopy(self.table._tbl.tr_lst[-1])
            for run in prototype.iter(qn("w:r")):
                run.text = "_"  # one <w:t>, whose text each copy replaces
            self.prototypes[(bold, size)] = prototype
            return
        tr = copy.deepcopy(prototype)
        runs = list(tr.iter(qn("w:r")))
        if len(runs) != len(texts):
            raise ValueError(f"{len(texts)} values for a table of {len(runs)} columns")
        for run, text in zip(runs, texts, strict=True):
            if not text or _SPECIAL.search(text):
                run.text = text  # python-docx's setter: no <w:t> for "", <w:tab/> and <w:br/> for tabs and breaks
                continue
            t = run.find(_T)
            t.text = text
            if text != text.strip():
                t.set(_SPACE, "preserve")
        self.table._tbl.append(tr)

    def _built_row(self, texts: Sequence[str], *, bold: bool, size: float) -> None:
        """A row through python-docx's API, cell by cell."""
        row = self.table.add_row()
        _keep_together(row)
        cells = row.cells
        for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            cell.width = self.widths[index]
            _set(cell, text, bold=bold, centre=index in self.centred, size=size)

    def span(self, text: str) -> None:
        """A row across the whole table: a phase or a group heading inside the table."""
        row = self.table.add_row()
        _keep_together(row)
        cells = row.cells
        merged = cells[0].merge(cells[-1])
        _set(merged, text, bold=True)
        merged.paragraphs[0].paragraph_format.keep_with_next = True  # a heading row stays with its first row
        _shade(merged, SPAN_FILL)


def _note(document: Document, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph.runs[0].italic = True


# --- Shared sections ----------------------------------------------------------------------------------


def _quota_table(document: Document, quotas: Sequence[QuotaLine], *, with_source: bool = False) -> None:
    if not quotas:
        _note(document, "尚未设定指标。")
        return
    if with_source:
        table = _Grid(document, ["序号", "指标", "依据", "目标", "当前值", "状态"], [12, 38, 46, 22, 26, 16],
                      centred=(0, 5))
    else:
        table = _Grid(document, ["序号", "指标", "目标", "当前值", "状态"], [12, 54, 32, 40, 22], centred=(0, 4))
    for index, line in enumerate(quotas, start=1):
        values = [index, line.name, *([line.source] if with_source else []), line.target, line.value, line.status]
        table.row(values)


def _college_quota_table(document: Document, review: ReviewFile) -> None:
    quotas = review.college_quotas
    colleges = review.colleges
    if not quotas or not colleges:
        return
    document.add_paragraph("各二级关工委逐项情况（当前值 · 状态）：")
    first = 30
    width = (TEXT_WIDTH_MM - first) / len(quotas)
    table = _Grid(document, ["学院", *[line.name for line in quotas]], [first, *[width] * len(quotas)])
    for index, college in enumerate(colleges):
        cells = []
        for line in quotas:
            cell = line.colleges[index] if index < len(line.colleges) else None
            if cell is None:
                cells.append(DASH)
                continue
            status = cell.status if cell.status != cell.value else ""  # 暂无数据 once, not twice
            cells.append("\n".join(filter(None, [cell.value, cell.fraction, status])))
        table.row([college, *cells], size=9)


def _task_table(document: Document, plan: PlanTable) -> None:
    table = _Grid(document, ["序号", "内容", "状态", "进度", "完成日期", "牵头单位"], [12, 68, 20, 13, 23, 24],
                  centred=(0, 2, 3, 4))
    for phase in plan.phases:
        table.span(phase.heading)
        for stage in phase.stages:
            line = f"{stage.window}　{stage.goal}".strip()
            if line:  # a phase's own tasks (no stage in the document) have no stage line
                table.span(line)
            for task in stage.tasks:
                table.row([task.code, task.text, task.status, f"{task.progress}%", _date(task.done_on), task.lead])


# --- The annual report ---------------------------------------------------------------------------------


def annual_report(institution: Institution, year: int, today: dt.date) -> bytes:
    """年度工作汇报 of `institution` for `year`, drawn up as of the year's end (or `today` in the current year)."""
    return annual_report_document(annual_report_data(institution, year, today), today)


def annual_summary(report: AnnualReport) -> str:
    """The summary paragraph of figures."""
    f = report.figures
    return (
        f"截至{_long_date(report.as_of)}，学校实施方案共列任务{f.tasks_total}项，已完成{f.tasks_done}项"
        f"（其中本年度完成{f.tasks_done_in_year}项），逾期未完成{f.tasks_overdue}项；"
        f"{f.quotas_total}项指标中已达标{f.quotas_met}项；"
        f"本年度对标找差应报{f.assessments_expected}个单位，已提交{f.assessments_filed}个，"
        f"已通过验收{f.assessments_accepted}个；"
        f"本年度新增整改事项{f.rectifications_opened}项，完成{f.rectifications_closed}项，"
        f"尚未完成{f.rectifications_open}项。"
    )


def annual_report_document(report: AnnualReport, today: dt.date) -> bytes:
    document = _document(f"{report.institution}关工委{report.year}年度工作汇报",
                         f"（数据截至{_long_date(report.as_of)}，{_long_date(today)}由系统根据任务进展、工作台账、"
                         f"指标和评估记录生成）")
    sections = iter(chinese_numeral(n) for n in range(1, 11))

    document.add_heading(f"{next(sections)}、总体情况", level=1)
    document.add_paragraph(annual_summary(report))

    document.add_heading(f"{next(sections)}、任务推进情况", level=1)
    show_plan = report.plan_count > 1
    for index, phase in enumerate(report.phases, start=1):
        document.add_heading(f"（{chinese_numeral(index)}）{phase.heading}", level=2)
        if show_plan:
            document.add_paragraph(f"所属方案：{phase.plan}")
        if not phase.tasks:
            _note(document, "本年度本阶段无完成或报告进展的任务。")
            continue
        table = _Grid(document, ["序号", "任务", "状态", "完成日期", "最新进展"], [12, 46, 22, 23, 57],
                      centred=(0, 2, 3))
        for task in phase.tasks:
            table.row([task.code, task.title, task.status, _date(task.done_on), task.latest])

    document.add_heading(f"{next(sections)}、指标完成情况", level=1)
    met = sum(1 for line in report.quotas if line.met)
    document.add_paragraph(f"共{len(report.quotas)}项指标，截至{_long_date(report.as_of)}已达标{met}项。")
    _quota_table(document, report.quotas)

    document.add_heading(f"{next(sections)}、工作台账", level=1)
    total = report.activity_total
    document.add_paragraph(f"本年度工作台账共记录活动{total.entries}次，参与老同志{total.retirees}人次，"
                           f"受益青年师生{total.youth}人次。各单位情况如下：")
    table = _Grid(document, ["单位", "活动次数", "参与老同志人次", "受益青年师生人次"], [64, 28, 34, 34],
                  centred=(1, 2, 3))
    for line in report.activities:
        table.row([line.unit, line.entries, line.retirees, line.youth])
    table.row([total.unit, total.entries, total.retirees, total.youth], bold=True)

    document.add_heading(f"{next(sections)}、对标找差与整改", level=1)
    if report.rounds:
        table = _Grid(document, ["评估轮次", "应报单位", "已提交", "已通过验收"], [70, 30, 30, 30], centred=(1, 2, 3))
        for filing in report.rounds:
            table.row([filing.name, filing.expected, filing.filed, filing.accepted])
    else:
        _note(document, "本年度没有截止的对标找差评估轮次。")
    f = report.figures
    document.add_paragraph(f"本年度新增整改事项{f.rectifications_opened}项，完成{f.rectifications_closed}项；"
                           f"截至{_long_date(report.as_of)}尚未完成{f.rectifications_open}项。")
    table = _Grid(document, ["来源", "本年度新增", "本年度完成", "尚未完成"], [70, 30, 30, 30], centred=(1, 2, 3))
    for line in report.rectifications:
        table.row([line.source, line.opened, line.closed, line.open])
    return _save(document)


# --- The review file -----------------------------------------------------------------------------------


def review_file(institution: Institution, today: dt.date) -> bytes:
    """申报材料 of `institution` for the zone review: plan and progress, quotas, self-assessment scores, the
    rectification list and an index of evidence files, as of `today`."""
    return review_file_document(review_file_data(institution, today))


def review_file_document(review: ReviewFile) -> bytes:
    document = _document(f"{review.institution}关工委优质化建设申报材料",
                         f"（{_long_date(review.today)}由系统生成）")

    document.add_heading("一、实施方案与推进情况", level=1)
    if not review.plans:
        _note(document, "尚未录入实施方案。")
    for plan in review.plans:
        document.add_heading(plan.title, level=2)
        tasks = plan.tasks
        document.add_paragraph(
            "　".join(filter(None, [plan.document_number, f"{plan.issued_on.year}年{plan.issued_on.month}月"
                                    f"{plan.issued_on.day}日印发"]))
            + f"。共{len(tasks)}项任务，已完成{plan.done}项，逾期{plan.overdue}项。"
        )
        if tasks:
            _task_table(document, plan)

    document.add_heading("二、指标完成情况", level=1)
    met = sum(1 for line in review.quotas if line.met)
    document.add_paragraph(f"共{len(review.quotas)}项指标，已达标{met}项。指标当前值由系统根据花名册、工作平台、"
                           f"工作台账和“双菜单”实时计算；无法由数据计算的，取填报的最新值并附佐证材料。")
    _quota_table(document, review.quotas, with_source=True)
    _college_quota_table(document, review)

    document.add_heading("三、对标自评得分", level=1)
    if not review.rounds:
        _note(document, "尚未开展对标自评。")
    for index, scores in enumerate(review.rounds, start=1):
        document.add_heading(f"（{chinese_numeral(index)}）{scores.name}", level=2)
        document.add_paragraph(f"标准：{scores.standard}（{scores.level}）；填报截止：{_date(scores.due_on)}。")
        table = _Grid(document, ["单位", "状态", "自评总分", "考评总分", "满分"], [60, 30, 24, 24, 22],
                      centred=(1, 2, 3, 4))
        for unit in scores.units:
            table.row([unit.unit, unit.status, unit.self_total, unit.review_total, unit.full])
        for block in scores.item_tables:
            document.add_heading(f"{block.unit}逐项得分", level=3)
            table = _Grid(document, ["序号", "内容", "分值", "自评分", "考评分"], [12, 98, 16, 17, 17],
                          centred=(0, 2, 3, 4))
            group = None
            for item in block.items:
                if item.group != group:
                    group = item.group
                    table.span(group)
                table.row([item.number, item.text, item.points, item.self_score, item.review_score])
            table.row(["", "合计（满分不含加分项）", block.full, block.self_total, block.review_total], bold=True)

    document.add_heading("四、整改清单", level=1)
    open_count = sum(1 for row in review.rectifications if not row.closed)
    overdue = sum(1 for row in review.rectifications if row.overdue)
    document.add_paragraph(f"共{len(review.rectifications)}项，尚未完成{open_count}项，其中逾期{overdue}项。")
    if review.rectifications:
        table = _Grid(document, ["序号", "问题", "来源", "责任单位", "整改时限", "状态", "逾期"],
                      [12, 50, 22, 24, 23, 16, 13], centred=(0, 4, 5, 6))
        for index, row in enumerate(review.rectifications, start=1):
            table.row([index, row.problem, row.source, row.unit, _date(row.deadline), row.status,
                         "是" if row.overdue else "否"])

    document.add_heading("五、佐证材料索引", level=1)
    document.add_paragraph(f"共{len(review.evidence)}份佐证材料，原件可在系统中按记录查阅下载。")
    if review.evidence:
        table = _Grid(document, ["序号", "文件名", "类别", "所属记录", "上传时间", "大小"],
                      [12, 40, 18, 44, 28, 18], centred=(0, 2, 5))
        for index, row in enumerate(review.evidence, start=1):
            table.row([index, row.name, row.category, row.record, f"{row.uploaded_at:%Y-%m-%d %H:%M}",
                       row.size_label])
    return _save(document)

