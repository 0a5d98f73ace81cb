"""Fuzzing: whatever arrives in a form, the portal answers with a page (a refusal at worst), never a server error.

hypothesis drives the forms that take the most free input: task updates, the roster import, assessment items
(the unit's part and the review) and rectifications (moving an entry on, and entering one), with arbitrary text
(NUL, right-to-left marks, very long), numbers (huge, negative, NaN), dates (any string) and files (random bytes
under accepted and refused names). Each test builds its records once; each example only posts. The test client
re-raises an exception a view lets through, so a server error fails the example with its traceback; status
codes are checked besides (< 500).
"""

from __future__ import annotations

import io
import os
import string
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tracker.assessments.models.assessments import Assessment, Rectification
from tracker.plans.models import Task

from .conftest import client_for
from .factories import (
    HEADERS,
    PDF_BYTES,
    AssessmentRoundFactory,
    RectificationFactory,
    person_row,
    start_assessment,
)

pytestmark = pytest.mark.django_db


def fuzz(examples: int):
    """hypothesis settings for a view fuzzed with the test's own records (built once per test function)."""
    return settings(
        max_examples=examples, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# --- What people (or scripts) may type ---------------------------------------------------------------------------

# Surrogates cannot be encoded as UTF-8, so no browser can send them.
characters = st.characters(blacklist_categories=("Cs",))
SPECIAL_TEXT = [
    "", " ", "\x00", "a\x00b", "\u202eexe.fdp", "\u200f\u05e9\u05dc\u05d5\u05dd", "مرحبا", "\ufeff", "\u200b",
    "<script>alert(1)</script>", "{{ request }}", "{% debug %}", "%(name)s", "' OR 1=1 --", "\r\n\r\n", "\t",
    "😀" * 50, "中" * 5001, "x" * 20_000, "\\", "NULL", "None",
]
text = st.one_of(st.text(characters, max_size=300), st.sampled_from(SPECIAL_TEXT))
SPECIAL_NUMBERS = [
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e309", "-1e309", "1e-400", "0x10", "1_000",
    "١٢", "１０", "10.000000000000000001", "-0", "0.005", "99999999999999999999999999999999", "-1", "  5  ", "5,5",
    "1e3", "3.14159", "", "\x00", "½",
]
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(SPECIAL_NUMBERS),
    text,
)
SPECIAL_DATES = [
    "2021-10-01", "2021-02-30", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "-1-01-01", "2021/10/01",
    "２０２１-１０-０１", "2021-10-01T12:00", "01/10/2021", "2021-13-01", "1e10", "", "\x00", "today",
]
dates = st.one_of(st.dates().map(str), st.sampled_from(SPECIAL_DATES), text)
ACCEPTED_NAMES = ["纪要.pdf", "a.PDF", "报告.docx", "表.xlsx", "照片.jpg", "照片.jpeg", "图.png", "旧.doc", "旧.xls"]
REFUSED_NAMES = ["a.exe", "a.pdf.exe", "a.html", "a.svg", "a", ".pdf", "a.", "a.xlsm", "a.zip", "../../etc/passwd",
                 "\u202egpj.exe", "a" * 300 + ".pdf", "空 格 .pdf", "a;b.pdf", "a%00.pdf"]
file_names = st.one_of(st.sampled_from(ACCEPTED_NAMES + REFUSED_NAMES),
                       st.text(string.ascii_letters + string.digits + "._-中文 ", min_size=1, max_size=60),
                       st.builds(lambda stem, suffix: stem + suffix, st.text(characters, max_size=60),
                                 st.sampled_from(["", ".pdf", ".xlsx", ".jpg", ".exe"])),
                       ).filter(lambda name: os.path.basename(name) not in ("", ".", ".."))  # no file to send
file_bodies = st.one_of(
    st.binary(max_size=4096),
    st.binary(max_size=512).map(lambda tail: PDF_BYTES + tail),
    st.binary(max_size=512).map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail),
    st.binary(max_size=512).map(lambda tail: b"\xff\xd8\xff" + tail),
    st.binary(max_size=512).map(lambda tail: b"PK\x03\x04" + tail),
    st.binary(max_size=512).map(lambda tail: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + tail),
)
uploads = st.builds(lambda name, body: SimpleUploadedFile(name, body), file_names, file_bodies)


KEEP, OMIT = object(), object()


def near(valid: dict, **fuzzers) -> st.SearchStrategy[dict]:
    """A POST body near a valid one: each field mostly as in `valid`, sometimes left out, sometimes fuzzed (one
    value or several). Starting from a valid form lets the examples pass the form and reach the services' rules.

    A value in `valid` may be a function of the test's records, called when the example posts (see `resolve`).
    """
    def field(name: str) -> st.SearchStrategy:
        options = [st.just(KEEP), st.just(KEEP), st.just(OMIT)]
        if name in fuzzers:
            options += [fuzzers[name], fuzzers[name], st.lists(fuzzers[name], min_size=2, max_size=3)]
        return st.one_of(*options)

    def build(drawn: dict) -> dict:
        body = {}
        for name, value in drawn.items():
            if value is OMIT or (value is KEEP and name not in valid):
                continue
            body[name] = valid[name] if value is KEEP else value
        return body

    return st.fixed_dictionaries({name: field(name) for name in {*valid, *fuzzers}}).map(build)


def resolve(body: dict, record=None) -> dict:
    """The example's body with its late values filled in: the record's current version, fresh files."""
    resolved = {}
    for name, value in body.items():
        if value == CURRENT:
            record.refresh_from_db()
            value = record.version
        elif callable(value):
            value = value()
        resolved[name] = value
    return resolved


def answered(response, statuses: Counter) -> None:
    statuses[response.status_code] += 1
    assert response.status_code < 500, response.status_code


CURRENT = "CURRENT"  # the version the record is at when the example posts
versions = st.one_of(st.just(CURRENT), numbers)


# --- Task updates --------------------------------------------------------------------------------------------------

TASK_UPDATE = {"version": CURRENT, "date": "2021-10-01", "status": "in_progress", "progress": "40", "note": "开班"}


def test_task_update_form_never_fails(world, staff, secretary, liaison):
    people = {"staff": staff, "secretary": secretary, "liaison": liaison}
    statuses: Counter = Counter()

    @fuzz(150)
    @example(who="staff", which="school_task", body=TASK_UPDATE)
    @given(who=st.sampled_from(list(people)), which=st.sampled_from(["school_task", "college_task", "unit_task"]),
           body=near(TASK_UPDATE, version=versions, date=dates,
                     status=st.one_of(st.sampled_from(Task.Status.values), text), progress=numbers, note=text,
                     files=st.lists(uploads, max_size=3)))
    def post(who, which, body):
        task = getattr(world, which)
        answered(client_for(people[who]).post(reverse("tracker:task-update-create", args=[task.pk]),
                                              resolve(body, task)), statuses)

    post()
    assert statuses[302], statuses  # the valid form is saved: the examples near it reach the service's rules


# --- The roster import -----------------------------------------------------------------------------------------------

cell_values = st.one_of(st.none(), text, st.integers(min_value=-(10**18), max_value=10**18),
                        st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.dates(), st.datetimes())


def roster_workbook(headers: list, rows: list[list]) -> bytes:
    """An xlsx file with the given header row and rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    for row in [headers, *rows]:
        # The xlsx format holds no control characters (a file from Excel never has them) and 32,767 per cell.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000] if isinstance(value, str) else value
                      for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(n: int, cells: dict) -> list:
    """A valid row of the template (a new person of the first college) with some cells replaced."""
    row = person_row(f"F{n:05d}", "周明", "机电工程学院")
    for index, value in cells.items():
        row[index % len(row)] = value
    return row


header_rows = st.one_of(st.just(HEADERS), st.just(HEADERS), st.permutations(HEADERS).map(list),
                        st.lists(st.one_of(st.sampled_from(HEADERS), text), max_size=len(HEADERS) + 3))
people_rows = st.lists(
    st.builds(person, st.integers(0, 99_999), st.dictionaries(st.integers(0, 50), cell_values, max_size=2)),
    max_size=6, unique_by=lambda row: row[0],
)
any_rows = st.lists(st.one_of(people_rows.map(lambda rows: rows[0] if rows else []),
                              st.lists(cell_values, max_size=len(HEADERS) + 2)), max_size=6)
workbooks = st.one_of(st.builds(roster_workbook, st.just(HEADERS), people_rows),
                      st.builds(roster_workbook, header_rows, any_rows))
roster_files = st.one_of(
    st.builds(SimpleUploadedFile, st.one_of(st.just("花名册.xlsx"), file_names), workbooks),
    st.builds(SimpleUploadedFile, file_names, file_bodies),
)


def roster_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("花名册.xlsx", roster_workbook(HEADERS, [person(1, {}), person(2, {})]))


def test_roster_import_never_fails(world, staff, secretary):
    statuses: Counter = Counter()

    @fuzz(120)
    @example(who=secretary, body={"file": roster_file})
    @given(who=st.sampled_from([staff, secretary]), body=near({"file": roster_file}, institution=numbers,
                                                              file=roster_files))
    def post(who, body):
        answered(client_for(who).post(reverse("tracker:roster-import"), resolve(body)), statuses)

    post()
    assert statuses[200], statuses  # a good file is read and previewed, nothing wrong in it


# --- Assessment items ---------------------------------------------------------------------------------------------


@pytest.fixture
def assessments(world, secretary, other_secretary):
    """A draft of the first college (to fill in) and a submitted one of the other college (to review)."""
    assessment_round = AssessmentRoundFactory(institution=world.institution)
    draft = start_assessment(world.college, assessment_round, by=secretary)
    filed = start_assessment(world.other_college, assessment_round, by=other_secretary)
    filed.status = Assessment.Status.SUBMITTED
    filed.save()
    order = ("item__group__order", "item__order")
    return list(draft.entries.order_by(*order)), list(filed.entries.order_by(*order))


SELF_PART = {"version": CURRENT, "self_score": "", "gap": "制度未上墙", "measure": "", "owner": "", "deadline": ""}


def test_assessment_item_form_never_fails(assessments, secretary):
    statuses: Counter = Counter()

    @fuzz(120)
    @example(number=1, body=SELF_PART)
    @given(number=st.integers(min_value=0, max_value=4),
           body=near(SELF_PART, version=versions, self_score=numbers, gap=text, measure=text, owner=text,
                     deadline=dates, then=st.sampled_from(["next", ""]), files=st.lists(uploads, max_size=2)))
    def post(number, body):
        entry = assessments[0][number]
        url = reverse("tracker:assessment-item", args=[entry.assessment_id, entry.pk])
        answered(client_for(secretary).post(url, resolve(body, entry)), statuses)

    post()
    assert statuses[302], statuses  # the valid form is saved


REVIEW_PART = {"version": CURRENT, "review_score": "", "review_comment": "材料齐全"}


def test_assessment_item_review_form_never_fails(assessments, staff):
    statuses: Counter = Counter()

    @fuzz(80)
    @example(number=1, body=REVIEW_PART)
    @given(number=st.integers(min_value=0, max_value=4),
           body=near(REVIEW_PART, version=versions, review_score=numbers, review_comment=text,
                     then=st.sampled_from(["next", ""])))
    def post(number, body):
        entry = assessments[1][number]
        url = reverse("tracker:assessment-item-review", args=[entry.assessment_id, entry.pk])
        answered(client_for(staff).post(url, resolve(body, entry)), statuses)

    post()
    assert statuses[302], statuses  # the valid form is saved


# --- Rectifications -------------------------------------------------------------------------------------------------

ADVANCE = {"version": CURRENT, "status": "in_progress", "note": "已制定整改方案"}


def test_rectification_advance_never_fails(world, staff, secretary):
    entries = [RectificationFactory(unit=world.college) for _n in range(3)]
    statuses: Counter = Counter()

    @fuzz(120)
    @example(who=secretary, number=0, body=ADVANCE)
    @given(who=st.sampled_from([staff, secretary]), number=st.integers(min_value=0, max_value=2),
           body=near(ADVANCE, version=versions, status=st.one_of(st.sampled_from(Rectification.Status.values), text),
                     note=text, files=st.lists(uploads, max_size=2)))
    def post(who, number, body):
        entry = entries[number]
        answered(client_for(who).post(reverse("tracker:rectification-advance", args=[entry.pk]),
                                      resolve(body, entry)), statuses)

    post()
    assert statuses[302], statuses  # the valid form is saved


def test_rectification_create_never_fails(world, staff, other_staff):
    opinion = {"unit": world.college.pk, "source": "inspection", "problem": "台账不完整", "measure": "",
               "deadline": "2099-06-30"}
    units = st.one_of(st.sampled_from([world.member_unit.pk, world.committee.pk, world.other_college.pk]), numbers)
    statuses: Counter = Counter()

    @fuzz(100)
    @example(who=staff, body=opinion)
    @given(who=st.sampled_from([staff, other_staff]),
           body=near(opinion, unit=units, source=st.one_of(st.sampled_from(Rectification.Source.values), text),
                     problem=text, measure=text, deadline=dates))
    def post(who, body):
        answered(client_for(who).post(reverse("tracker:rectification-create"), body), statuses)

    post()
    assert statuses[302], statuses  # the valid form is saved
