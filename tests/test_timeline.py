"""The plan timeline (tracker/timeline.py): server-drawn SVG that is well-formed, escaped, and where it says it is."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import translation

from tracker.org.jsondata import dataclass_from_json, to_json
from tracker.plans.models import Plan, Task
from tracker.plans.timeline import (
    TimelinePhase,
    TimelinePlan,
    TimelineStage,
    TimelineTask,
    fit,
    layout,
    render_timeline,
    text_width,
    timeline_from_plan,
)

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def task(code: str, due: dt.date, status: str = "not_started", *, overdue: bool = False, title: str = "",
         url: str | None = None) -> TimelineTask:
    return TimelineTask(code=code, title=title or f"任务{code}", status=status, overdue=overdue, start=None,
                        due=due, url=f"/tasks/{code}/" if url is None else url)


def small_plan(*tasks_of_first_stage: TimelineTask) -> TimelinePlan:
    """Two phases over 2021–2022; the first stage (2021.3—9) holds the given tasks."""
    return TimelinePlan(title="测试计划", phases=[
        TimelinePhase(name="一、学习推进年", start=D(2021, 1, 1), end=D(2021, 12, 31), stages=[
            TimelineStage(label="2021.3—9", goal="深入学习", start=D(2021, 3, 1), end=D(2021, 9, 30),
                          tasks=list(tasks_of_first_stage)),
            TimelineStage(label="2021.10—12", goal="", start=D(2021, 10, 1), end=D(2021, 12, 31),
                          tasks=[task("9", D(2021, 12, 31))]),
        ]),
        TimelinePhase(name="二、合格评审年", start=D(2022, 1, 1), end=D(2022, 6, 30), stages=[
            TimelineStage(label="2022.1—6", goal="接受评审", start=D(2022, 1, 1), end=D(2022, 6, 30)),
        ]),
    ])


def parse(svg: str) -> ET.Element:
    """The markup as XML: fails the test if it is not well-formed."""
    return ET.fromstring(svg)


def attr(element: ET.Element, name: str) -> float:
    return float(element.get(name))


def axis(root: ET.Element) -> tuple[float, float]:
    """The axis line's ends: x of the span's first day and of the day after its last."""
    line = root.find(f"{SVG}g[@class='plan-timeline__axis']/{SVG}line")
    return attr(line, "x1"), attr(line, "x2")


def expected_x(root: ET.Element, first: dt.date, after: dt.date, day: dt.date) -> float:
    """x of `day` worked out from the axis ends, independently of the module's own scale."""
    x0, x1 = axis(root)
    return x0 + (day - first).days / (after - first).days * (x1 - x0)


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def marks(root: ET.Element) -> list[dict]:
    """Every task mark: its link, status classes, tooltip, position and paint."""
    found = []
    for element in root.iter():
        if "plan-timeline__task" not in classes(element):
            continue
        shape = element.find(f"{SVG}g")
        x, y = map(float, re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", shape.get("transform")).groups())
        path = shape.find(f"{SVG}path")
        found.append({
            "element": element, "href": element.get("href"), "classes": classes(element),
            "tooltip": element.find(f"{SVG}title").text, "code": shape.find(f"{SVG}text").text,
            "x": x, "y": y, "fill": path.get("fill"), "stroke": path.get("stroke"), "d": path.get("d"),
        })
    return found


def stage_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "plan-timeline__stage" in classes(g)]


def bar(group: ET.Element) -> tuple[float, float]:
    rect = group.find(f"{SVG}rect")
    return attr(rect, "x"), attr(rect, "x") + attr(rect, "width")


# --- Geometry -----------------------------------------------------------------------------------------------


def test_task_due_on_a_date_is_drawn_at_that_date_inside_its_stage_bar():
    due = D(2021, 6, 15)
    root = parse(render_timeline(small_plan(task("4", due)), D(2021, 5, 1)))
    # The span is whole months: 2021-01-01 up to (not including) 2022-07-01.
    (mark,) = [m for m in marks(root) if m["code"] == "4"]
    assert mark["x"] == pytest.approx(expected_x(root, D(2021, 1, 1), D(2022, 7, 1), due), abs=0.06)
    start, end = bar(stage_groups(root)[0])
    assert start < mark["x"] < end
    assert start == pytest.approx(expected_x(root, D(2021, 1, 1), D(2022, 7, 1), D(2021, 3, 1)), abs=0.06)
    assert end == pytest.approx(expected_x(root, D(2021, 1, 1), D(2022, 7, 1), D(2021, 10, 1)), abs=0.06)


def test_task_due_on_its_stage_end_is_still_inside_the_bar():
    root = parse(render_timeline(small_plan(task("4", D(2021, 9, 30))), D(2021, 5, 1)))
    (mark,) = [m for m in marks(root) if m["code"] == "4"]
    start, end = bar(stage_groups(root)[0])
    assert start < mark["x"] <= end


def test_today_line_is_drawn_at_today_and_labelled():
    today = D(2021, 11, 20)
    root = parse(render_timeline(small_plan(), today))
    group = root.find(f"{SVG}g[@class='plan-timeline__today']")
    line = group.find(f"{SVG}line")
    assert attr(line, "x1") == attr(line, "x2")
    assert attr(line, "x1") == pytest.approx(expected_x(root, D(2021, 1, 1), D(2022, 7, 1), today), abs=0.06)
    assert group.find(f"{SVG}text").text == "今天"
    assert "2021-11-20" in root.find(f"{SVG}desc").text
    assert root.find(f"{SVG}g[@class='plan-timeline__end']") is None


def test_today_after_the_end_marks_the_end_and_says_so():
    root = parse(render_timeline(small_plan(), D(2026, 11, 1)))
    assert root.find(f"{SVG}g[@class='plan-timeline__today']") is None
    end = root.find(f"{SVG}g[@class='plan-timeline__end']")
    x0, x1 = axis(root)
    assert attr(end.find(f"{SVG}line"), "x1") == pytest.approx(x1)  # the plan ends 2022-06-30, the span's last day
    assert "2026-11-01" in end.find(f"{SVG}text").text
    desc = root.find(f"{SVG}desc").text
    assert "2026-11-01" in desc and "2022-06-30" in desc


def test_today_before_the_start_draws_no_line_and_says_so():
    root = parse(render_timeline(small_plan(), D(2020, 5, 1)))
    assert root.find(f"{SVG}g[@class='plan-timeline__today']") is None
    assert root.find(f"{SVG}g[@class='plan-timeline__end']") is None
    desc = root.find(f"{SVG}desc").text
    assert "2020-05-01" in desc and "2021-01-01" in desc


def test_a_start_of_none_runs_from_the_plans_earliest_date():
    plan = small_plan()
    plan.phases[0].stages[0].start = None
    plan.phases[0].start = None
    plan.phases[1].start = D(2020, 11, 15)  # now the earliest date the plan names
    root = parse(render_timeline(plan, D(2021, 5, 1)))
    first, after = D(2020, 11, 1), D(2022, 7, 1)
    start, _end = bar(stage_groups(root)[0])
    assert start == pytest.approx(expected_x(root, first, after, D(2020, 11, 15)), abs=0.06)
    rect = stage_groups(root)[0].find(f"{SVG}rect")
    assert "plan-timeline__bar--open" in classes(rect) and rect.get("stroke-dasharray")


def test_tasks_due_the_same_day_are_stacked_not_overlapped():
    due = D(2021, 9, 30)
    root = parse(render_timeline(small_plan(*[task(str(n), due) for n in range(1, 7)]), D(2021, 5, 1)))
    drawn = [m for m in marks(root) if m["code"] in {"1", "2", "3", "4", "5", "6"}]
    assert len({m["x"] for m in drawn}) == 1
    ys = sorted(m["y"] for m in drawn)
    assert all(b - a >= 14 for a, b in zip(ys, ys[1:], strict=False))  # marks are 13 units tall
    # The next stage starts below the lowest mark.
    next_bar = stage_groups(root)[1].find(f"{SVG}rect")
    assert attr(next_bar, "y") > ys[-1] + 6.5


def test_axis_labels_quarters_on_a_short_plan_and_years_on_a_long_one():
    root = parse(render_timeline(small_plan(), D(2021, 5, 1)))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "plan-timeline__axis-label"]
    assert labels[:4] == ["2021年", "4月", "7月", "10月"] and "2022年" in labels

    long = small_plan(task("1", D(2060, 12, 31)))  # a due date far ahead stretches the axis to 40 years
    root = parse(render_timeline(long, D(2021, 5, 1)))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "plan-timeline__axis-label"]
    assert all(re.fullmatch(r"\d{4}年", t.text) for t in labels)
    assert "2021年" in [t.text for t in labels]
    lefts = [attr(t, "x") for t in labels]
    rights = [attr(t, "x") + text_width(t.text, 12) for t in labels]
    assert all(right < left for right, left in zip(rights, lefts[1:], strict=False))  # no two labels overlap
    ticks = [t for t in root.iter(f"{SVG}line") if "plan-timeline__tick" in classes(t)]
    assert len(ticks) == 2061 - 2021 + 1  # yearly ticks once months would crowd


# --- Status: colour, shape and words --------------------------------------------------------------------------


def test_each_status_has_its_own_colour_shape_and_words():
    root = parse(render_timeline(small_plan(
        task("1", D(2021, 4, 1), "done"),
        task("2", D(2021, 5, 1), "in_progress"),
        task("3", D(2021, 6, 1), "not_started"),
        task("4", D(2021, 3, 15), "in_progress", overdue=True),
        task("5", D(2021, 3, 20), "done", overdue=True),  # done is never drawn as overdue
    ), D(2021, 5, 10)))
    by_code = {m["code"]: m for m in marks(root)}
    assert by_code["1"]["classes"] >= {"plan-timeline__task--done"} and by_code["1"]["fill"] == "#1d6b33"
    assert by_code["2"]["classes"] >= {"plan-timeline__task--in_progress"} and by_code["2"]["fill"] == "#0b4f9c"
    assert by_code["3"]["classes"] >= {"plan-timeline__task--not_started"}
    assert by_code["3"]["fill"] == "#ffffff" and by_code["3"]["stroke"] == "#666666"
    assert by_code["4"]["classes"] >= {"plan-timeline__task--overdue"} and by_code["4"]["fill"] == "#b00020"
    assert by_code["5"]["classes"] >= {"plan-timeline__task--done"}
    # Without colour: four different shapes, and the tooltip names the state in words.
    assert len({by_code[code]["d"] for code in "1234"}) == 4
    assert by_code["1"]["tooltip"].startswith("1. 任务1") and "已完成" in by_code["1"]["tooltip"]
    assert "进行中" in by_code["2"]["tooltip"]
    assert "未开始" in by_code["3"]["tooltip"]
    assert "已逾期" in by_code["4"]["tooltip"] and "2021-03-15" in by_code["4"]["tooltip"]
    legend = [t.text for g in root.iter(f"{SVG}g") if "plan-timeline__legend" in classes(g)
              for t in g.iter(f"{SVG}text")]
    assert legend == ["已完成", "进行中", "未开始", "已逾期", "今天"]


def test_each_task_mark_links_to_its_task():
    root = parse(render_timeline(small_plan(task("4", D(2021, 6, 1), url="/plans/tasks/44/")), D(2021, 5, 1)))
    (mark,) = [m for m in marks(root) if m["code"] == "4"]
    assert mark["element"].tag == f"{SVG}a" and mark["href"] == "/plans/tasks/44/"


# --- Safety ---------------------------------------------------------------------------------------------------


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & \'quoted\''
    plan = small_plan(task("1<b>", D(2021, 6, 1), title=evil, url='/tasks/1/?a=1&b="2"'))
    plan.title = evil
    plan.phases[0].name = evil
    plan.phases[0].stages[0].goal = evil
    plan.phases[0].stages[0].label = evil
    svg = render_timeline(plan, D(2021, 5, 1))
    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    (mark,) = [m for m in marks(root) if m["code"] == "1<b>"]
    assert mark["tooltip"].startswith("1<b>. " + evil)  # shown as text, exactly as typed
    assert mark["href"] == '/tasks/1/?a=1&b="2"'
    assert evil in root.find(f"{SVG}title").text


def test_links_only_to_site_paths_or_http():
    plan = small_plan(task("1", D(2021, 6, 1), url="javascript:alert(1)"),
                      task("2", D(2021, 6, 2), url="//evil.example/x"),
                      task("3", D(2021, 6, 3), url="https://portal.example/tasks/3/"))
    by_code = {m["code"]: m for m in marks(parse(render_timeline(plan, D(2021, 5, 1))))}
    assert by_code["1"]["element"].tag == f"{SVG}g" and by_code["1"]["href"] is None
    assert by_code["2"]["element"].tag == f"{SVG}g"
    assert by_code["3"]["href"] == "https://portal.example/tasks/3/"


def test_characters_xml_forbids_are_dropped():
    svg = render_timeline(small_plan(task("1", D(2021, 6, 1), title="举办\x0b培训\x00班")), D(2021, 5, 1))
    (mark,) = marks(parse(svg))[:1]
    assert mark["tooltip"].startswith("1. 举办培训班")


def test_well_formed_scalable_svg_without_scripts_styles_or_outside_resources():
    svg = render_timeline(small_plan(task("1", D(2021, 6, 1))), D(2021, 5, 1))
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 1200 {root.get('viewBox').split()[3]}" and root.get("width") == "100%"
    assert root.get("height") is None  # the height follows the width through the viewBox
    assert root.find(f"{SVG}title").get("id") == root.get("aria-labelledby")
    assert root.find(f"{SVG}desc").get("id") == root.get("aria-describedby")
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}image", f"{SVG}foreignObject", f"{SVG}use")
        href = element.get("href")
        assert href is None or href.startswith("/")
    sizes = [float(element.get("font-size")) for element in root.iter() if element.get("font-size")]
    assert min(sizes) >= 12


def ids(root: ET.Element) -> set[str]:
    return {element.get("id") for element in root.iter() if element.get("id")}


def test_two_plans_on_one_page_have_different_ids():
    other = small_plan()
    other.title = "另一个计划"
    first, second = parse(render_timeline(small_plan(), D(2021, 5, 1))), parse(render_timeline(other, D(2021, 5, 1)))
    assert ids(first) and not ids(first) & ids(second)
    assert ids(first) == ids(parse(render_timeline(small_plan(), D(2021, 8, 1))))  # stable for the same plan
    again = parse(render_timeline(small_plan(), D(2021, 5, 1), id_prefix="college-timeline"))
    assert ids(again) == {"college-timeline-title", "college-timeline-desc"}
    with pytest.raises(ValueError):
        render_timeline(small_plan(), D(2021, 5, 1), id_prefix='x" onload="alert(1)')


def test_without_links_it_is_one_image():
    root = parse(render_timeline(small_plan(task("1", D(2021, 6, 1))), D(2021, 5, 1), links=False))
    assert root.get("role") == "img"
    assert not list(root.iter(f"{SVG}a"))
    linked = parse(render_timeline(small_plan(task("1", D(2021, 6, 1))), D(2021, 5, 1)))
    assert linked.get("role") == "group"  # links inside role="img" would be hidden from screen readers


def test_long_names_are_shortened_to_fit_and_kept_whole_in_the_tooltip():
    name = "组织评议，进一步整改，" * 4
    plan = small_plan()
    plan.phases[0].name = name
    root = parse(render_timeline(plan, D(2021, 5, 1)))
    phase = next(g for g in root.iter(f"{SVG}g") if "plan-timeline__phase" in classes(g))
    shown = phase.find(f"{SVG}text").text
    assert shown.endswith("…") and len(shown) < len(name)
    assert name in phase.find(f"{SVG}title").text
    assert fit("短", 100, 13) == "短" and fit("很长的名字", 13, 13) == ""


def test_an_empty_plan_draws_an_empty_timeline():
    root = parse(render_timeline(TimelinePlan(title="空计划", phases=[]), D(2021, 5, 1)))
    assert not marks(root) and root.find(f"{SVG}desc").text


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        task("1", D(2021, 6, 1), "cancelled")


def test_a_frozen_snapshot_draws_the_same_from_json():
    plan = small_plan(task("1", D(2021, 6, 1), "done"), task("2", D(2021, 7, 1), overdue=True))
    plan.phases[0].start = None
    frozen = json.loads(json.dumps(to_json(plan)))
    assert dataclass_from_json(TimelinePlan, frozen) == plan
    thawed = dataclass_from_json(TimelinePlan, frozen)
    assert render_timeline(thawed, D(2021, 8, 1)) == render_timeline(plan, D(2021, 8, 1))


# --- From the database ----------------------------------------------------------------------------------------


@pytest.fixture
def seeded(db) -> tuple[Plan, list[Task]]:
    call_command("seed_plans", verbosity=0)
    plan = Plan.objects.prefetch_related("phases__stages").get(institution__code="cumt")
    tasks = list(Task.objects.filter(stage__phase__plan=plan).with_schedule())
    return plan, tasks


def test_seed_plan_data_is_built_without_queries(seeded, django_assert_num_queries):
    plan, tasks = seeded
    with django_assert_num_queries(0):
        data = timeline_from_plan(plan, tasks, D(2021, 3, 15))
    assert [phase.name for phase in data.phases] == ["一、学习推进年", "二、合格评审年", "三、合格认定年"]
    assert sum(len(phase.stages) for phase in data.phases) == 7
    stage = data.phases[1].stages[0]
    assert (stage.label, stage.goal, stage.start, stage.end) == (
        "2021.7—12", "校院协同，齐抓共管，推进落实", D(2021, 7, 1), D(2021, 12, 31))
    by_code = {t.code: t for t in data.tasks}
    assert by_code["15"].due == D(2021, 12, 31) and by_code["15"].url == tasks[14].get_absolute_url()
    assert by_code["1"].overdue and not by_code["15"].overdue  # stage 1 ended 2019-07-31


def test_seed_plan_draws_every_task_inside_its_stage(seeded):
    plan, tasks = seeded
    today = D(2021, 3, 15)
    svg = render_timeline(timeline_from_plan(plan, tasks, today), today)
    root = parse(svg)
    drawn = marks(root)
    assert len(drawn) == len(tasks) == 23
    assert {m["href"] for m in drawn} == {t.get_absolute_url() for t in tasks}
    overdue = {t.code for t in tasks if t.is_overdue_on(today)}
    assert {m["code"] for m in drawn if "plan-timeline__task--overdue" in m["classes"]} == overdue
    for group in stage_groups(root):
        start, end = bar(group)
        for mark in marks(group):
            assert start < mark["x"] <= end
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "plan-timeline__phase-name"] == [
        "一、学习推进年", "二、合格评审年", "三、合格认定年"]
    assert "23" in root.find(f"{SVG}desc").text
    assert root.find(f"{SVG}g[@class='plan-timeline__today']") is not None


def test_layout_exposes_the_scale_it_drew_with(seeded):
    plan, tasks = seeded
    drawing = layout(timeline_from_plan(plan, tasks, D(2021, 3, 15)), D(2021, 3, 15))
    assert drawing.scale.first == D(2019, 2, 1) and drawing.scale.last == D(2022, 12, 31)
    assert drawing.scale.x(drawing.scale.first) == drawing.scale.x0
