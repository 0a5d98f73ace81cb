"""Copy forward: a standard or a self-assessment round carried into the next cycle.

A standard's copy has the same groups and items (texts, rules, points, modes) under a new name; a round's copy has
the same report limit and the units it named that are still in service, a new name and deadline, against the same
standard or another of the same level (typically the standard's copy), and no assessment, score or evidence. Each
copy points at its source (`copied_from`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tracker import access
from tracker.assessments.models.assessments import AssessmentRound
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.assessments.services.assessments import tell_round_opened
from tracker.assessments.services.standards import standard_name_taken
from tracker.org.models import Institution, OrgUnit
from tracker.org.windows import shift_by_months

REASON = "copy forward"
Errors = dict[str, list[str]]


def standard_copy_institutions(actor: AbstractBaseUser):
    """Where the actor may put a copy of a standard: committee staff their own institution, administrators any."""
    return access.standard_import_institutions(actor)


@transaction.atomic
def copy_standard(*, actor: AbstractBaseUser, standard: Standard, name: str,
                  institution: Institution | None = None) -> Standard:
    """Copy `standard` (groups and items) under a new name into `institution`.

    Committee staff copy a standard they can read (their own institution's or a shared one) into their own
    institution; an administrator may also make a shared copy (`institution` None) of a shared standard.
    """
    if not access.can_import_standards(actor):
        raise PermissionDenied("only committee staff and administrators copy standards")
    if not access.standards_visible_to(actor).filter(pk=standard.pk).exists():
        raise PermissionDenied("actor may not read this standard")
    if institution is None and not access.is_admin(actor):
        raise PermissionDenied("only administrators make shared standards")
    if institution is not None and not standard_copy_institutions(actor).filter(pk=institution.pk).exists():
        raise PermissionDenied("actor may not add standards to this institution")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the new standard a name.")})
    if standard_name_taken(institution=institution, name=name):
        raise ValidationError({"name": _("A standard called “%(name)s” exists already; choose another name.")
                               % {"name": name}})
    copy = Standard(institution=institution, name=name, level=standard.level,
                    source_document=standard.source_document, copied_from=standard)
    copy.full_clean(validate_constraints=False)  # the name was checked above, with a clearer message
    copy._history_user = actor
    copy._change_reason = REASON
    copy.save()
    groups = list(StandardGroup.objects.filter(standard=standard).order_by("order"))
    items = list(StandardItem.objects.filter(group__standard=standard).order_by("group__order", "order", "id"))
    new_groups = {group.pk: StandardGroup(standard=copy, order=group.order, name=group.name) for group in groups}
    bulk_create_with_history(list(new_groups.values()), StandardGroup, default_user=actor,
                             default_change_reason=REASON)
    new_items = [StandardItem(group=new_groups[item.group_id], order=item.order, number=item.number, text=item.text,
                              rule=item.rule, points=item.points, mode=item.mode, deduction_step=item.deduction_step)
                 for item in items]
    bulk_create_with_history(new_items, StandardItem, default_user=actor, default_change_reason=REASON)
    return copy


def round_standard_choices(actor: AbstractBaseUser, assessment_round: AssessmentRound):
    """The standards a copy of the round may be assessed against: the round's own and the standards copied from it
    (the next cycle's), as far as the actor reads them and the round's institution may use them."""
    standard = assessment_round.standard
    return access.standards_visible_to(actor).filter(
        Q(pk=standard.pk) | Q(copied_from=standard),
        Q(institution__isnull=True) | Q(institution_id=assessment_round.institution_id),
        level=standard.level,
    ).select_related("institution").order_by("name", "id")


@transaction.atomic
def copy_round(*, actor: AbstractBaseUser, assessment_round: AssessmentRound, name: str,
               due_on: dt.date | None = None, shift_months: int | None = None,
               standard: Standard | None = None) -> AssessmentRound:
    """Open a new round like `assessment_round`: a new name, the deadline `due_on` or the old one moved by
    `shift_months`, against `standard` (None: the same), with the units it named that are still in service."""
    if not access.can_manage_rounds(actor, assessment_round.institution_id):
        raise PermissionDenied("only committee staff open assessment rounds")
    errors: Errors = {}
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the round a name, e.g. 2021年对标找差."))
    elif AssessmentRound.objects.filter(institution_id=assessment_round.institution_id, name=name).exists():
        errors.setdefault("name", []).append(_("A round called “%(name)s” exists already.") % {"name": name})
    if due_on is None and shift_months is None:
        errors.setdefault("due_on", []).append(_("Give the new filing deadline, or say by how much to move the "
                                                 "old one."))
    standard = standard or assessment_round.standard
    if standard.institution_id not in (None, assessment_round.institution_id):
        errors.setdefault("standard", []).append(_("This standard belongs to another institution."))
    elif not access.standards_visible_to(actor).filter(pk=standard.pk).exists():
        errors.setdefault("standard", []).append(_("This standard belongs to another institution."))
    elif standard.level != assessment_round.standard.level:
        errors.setdefault("standard", []).append(
            _("The copy files the same units as the round: choose a standard of the same level (%(level)s).")
            % {"level": assessment_round.standard.get_level_display()})
    if errors:
        raise ValidationError(errors)
    copy = AssessmentRound(institution_id=assessment_round.institution_id, standard=standard, name=name,
                           due_on=due_on or shift_by_months(assessment_round.due_on, shift_months),
                           report_max_chars=assessment_round.report_max_chars, copied_from=assessment_round)
    copy._history_user = actor
    copy._change_reason = REASON
    copy.save()
    units = list(OrgUnit.objects.in_service().filter(rounds_taking_part=assessment_round))
    if units:
        copy.units.set(units)
    tell_round_opened(copy, actor)  # issue 15: the units that file in it are told
    return copy
