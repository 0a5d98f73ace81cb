"""factory-boy factories for the roster and teams, and helpers that write roster workbooks for import tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import factory
from factory.django import DjangoModelFactory
from openpyxl import Workbook

from tracker.models import RosterImport, Speciality, Team, TeamMembership, Volunteer
from tracker.roster_xlsx import COLUMNS, SHEET_TITLE

from .factories import InstitutionFactory, OrgUnitFactory, UserFactory


class SpecialityFactory(DjangoModelFactory):
    class Meta:
        model = Speciality
        django_get_or_create = ("institution", "name")

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"特长{n}")


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer

    unit = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("unit.institution")
    staff_number = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Faker("name", locale="zh_CN")
    gender = Volunteer.Gender.MALE
    birth_year = 1952
    retired_year = 2012
    category = Volunteer.Category.TEACHER
    party_member = True
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    eligible = True
    participating = False
    backbone = False


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("institution", "name")

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"讲师团{n}")


class TeamMembershipFactory(DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    joined_on = dt.date(2020, 9, 1)


class RosterImportFactory(DjangoModelFactory):
    """A checked import waiting for confirmation; `rows` in the service's stored shape."""

    class Meta:
        model = RosterImport

    institution = factory.SubFactory(InstitutionFactory)
    created_by = factory.SubFactory(UserFactory)
    file_name = "花名册.xlsx"
    rows = factory.List([])


def stored_create_row(unit, staff_number: str = "M000001", name: str = "周明", row: int = 2) -> dict[str, Any]:
    """One row as roster_import_stage stores it: a new person on `unit`'s roster."""
    return {
        "row": row, "action": "create", "id": None, "version": None, "unit": unit.pk, "specialities": ["党建"],
        "fields": {
            "staff_number": staff_number, "name": name, "gender": "male", "birth_year": 1950, "retired_year": 2010,
            "former_post": "", "former_unit": "", "category": "teacher", "party_member": True, "phone": "",
            "layer": "", "eligible": True, "participating": True, "backbone": False, "active_from": None,
            "active_to": None,
        },
    }


HEADERS = [column.header for column in COLUMNS]


def person_row(staff_number: str, name: str, unit: str, **cells: Any) -> list[Any]:
    """A data row in the template's column order; `cells` by header, e.g. 骨干="是"."""
    values = {"工号": staff_number, "姓名": name, "所在单位": unit, "有条件": "是", "参与": "否", "骨干": "否"}
    values.update(cells)
    return [values.get(header) for header in HEADERS]


def workbook_bytes(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS, title: str = SHEET_TITLE) -> bytes:
    """An xlsx file (written by openpyxl) with a header row and `rows`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
