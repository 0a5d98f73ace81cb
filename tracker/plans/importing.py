"""The 推进表 import: check an uploaded file row by row, preview the plan it describes, create it on confirmation.

The file's format and its checks are xlsx_import.py's. The checked plan goes to the confirmation in a signed value
(org.checked, as the set-up workbook does): nothing is written before confirmation, a changed value is refused, and
the confirmation checks the units again in its transaction (one retired or gone since is a refusal). Every
confirmation creates a new plan, with the title and issue date the confirm form holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.checked import checked_sign, checked_unsign
from tracker.org.models import Institution, OrgUnit
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, WorkArea
from tracker.plans.xlsx_import import PlanRowError, PlanSheet, read_plan

IMPORT_SALT = "tracker.plans.import"


def _check_institution(actor: AbstractBaseUser, institution: Institution) -> None:
    if not access.can_create_plan(actor, institution.pk):
        raise PermissionDenied("actor may not create plans for this institution")


def _units(institution: Institution) -> list[OrgUnit]:
    """The units a party may name: the institution's own, and the zones and the province above it."""
    return list(OrgUnit.objects.filter(Q(institution=institution) | Q(institution__isnull=True)).order_by("id"))


@dataclass
class PlanPreview:
    """What an upload would create, or every error by row and column."""

    file_name: str
    plan: PlanSheet = field(default_factory=PlanSheet)
    errors: list[PlanRowError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def file_errors(self) -> list[PlanRowError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[PlanRowError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.row_errors})


def plan_import_check(*, actor: AbstractBaseUser, institution: Institution, upload: UploadedFile) -> PlanPreview:
    """Read an uploaded 推进表 and check every row against the institution's units; nothing is stored."""
    _check_institution(actor, institution)
    plan, errors = read_plan(upload, _units(institution))
    return PlanPreview(file_name=upload.name or "", plan=PlanSheet() if errors else plan, errors=errors)


def plan_import_sign(*, actor: AbstractBaseUser, institution: Institution, preview: PlanPreview) -> str:
    """The checked plan as a signed value for the confirm form (org.checked)."""
    payload = {"institution": institution.pk, "file": preview.file_name, "plan": preview.plan.to_json()}
    return checked_sign(payload, actor=actor, salt=IMPORT_SALT)


def plan_import_unsign(*, actor: AbstractBaseUser, token: str) -> dict[str, Any]:
    """What a signed value carries; a ValidationError if it was changed, is too old or is someone else's."""
    return checked_unsign(token, actor=actor, salt=IMPORT_SALT)


def _saved(record, actor: AbstractBaseUser, **clean) -> None:
    record.full_clean(**clean)
    record._history_user = actor
    record.save()


@transaction.atomic
def plan_import_apply(*, actor: AbstractBaseUser, institution: Institution, payload: Mapping[str, Any], title: str,
                      issued_on: dt.date | None) -> Plan:
    """Create the plan of a confirmed preview, its phases, stages, work areas, tasks and parties: all or nothing."""
    _check_institution(actor, institution)
    if payload.get("institution") != institution.pk:
        raise ValidationError(_("This preview was made for another institution. Upload the file again."))
    sheet = PlanSheet.from_json(payload["plan"])
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = [_("Give the plan its title.")]
    if issued_on is None:
        errors["issued_on"] = [_("Give the date the plan was issued.")]
    if errors:
        raise ValidationError(errors)
    wanted = {party.unit for task in sheet.tasks for party in task.parties if party.unit is not None}
    usable = set(OrgUnit.objects.in_service().filter(Q(institution=institution) | Q(institution__isnull=True),
                                                     pk__in=wanted).values_list("pk", flat=True))
    if wanted - usable:
        raise ValidationError(_("A unit named in the file was retired or removed after the check, so nothing was "
                                "imported. Upload the file again to see a fresh check."))
    plan = Plan(institution=institution, title=title[:200], attachment_title=sheet.attachment_title,
                document_number=sheet.document_number, issued_on=issued_on, start_date=sheet.start,
                end_date=sheet.end, numbering_restarts_each_phase=sheet.numbering_restarts_each_phase)
    _saved(plan, actor)
    areas = {}
    for order, name in enumerate(sheet.work_areas, start=1):
        areas[name] = area = WorkArea(plan=plan, order=order, name=name)
        _saved(area, actor)
    parties = []
    for phase_line in sheet.phases:
        phase = Phase(plan=plan, order=phase_line.order, name=phase_line.name, start_date=phase_line.start,
                      end_date=phase_line.end)
        _saved(phase, actor)
        for stage_line in phase_line.stages:
            stage = Stage(phase=phase, order=stage_line.order, goal=stage_line.goal, start_date=stage_line.start,
                          end_date=stage_line.end)
            _saved(stage, actor)
            for order, line in enumerate(stage_line.tasks, start=1):
                task = Task(stage=stage, order=order, number=line.number, title=line.title, text=line.text,
                            work_area=areas.get(line.work_area), milestone=line.milestone,
                            start_date=line.start, due_date=line.due)
                _saved(task, actor)
                for party in line.parties:
                    parties.append(TaskParty(task=task, role=party.role, kind=party.kind, unit_id=party.unit))
    for party in parties:  # kind and unit as the check found them; the units checked again above, in one query
        party._history_user = actor
        party.save()
    return plan
