"""Writes of the kernel: the role a person holds (and the admin access that goes with it)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction

from tracker.org.models import Institution, OrgUnit, Profile

STAFF_GROUP = "committee staff"


STAFF_MODELS = (
    "plan", "phase", "stage", "task", "taskparty", "taskupdate", "evidencefile", "orgunit", "speciality",
    "volunteer", "team", "teammembership", "workplatform", "activity", "resourceitem", "needitem", "menumatch",
    "quota", "standard", "standardgroup", "standarditem", "assessmentround", "review",
)


READ_ONLY_FOR_STAFF = (
    "view_institution", "view_profile", "view_quotaentry", "view_rosterimport", "view_assessment",
    "view_assessmententry", "view_assessmenttransition", "view_filingreminder", "view_rectification",
    "view_reviewstep", "view_reviewopinion", "view_reminderclaim",
    "view_delivery", "view_exportjob",  # issue 18, the task queue: what was sent, the export jobs
)


def ensure_staff_group() -> Group:
    """The Django group whose permissions let committee staff use the admin for the plan and its units."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    editable = Permission.objects.filter(content_type__app_label="tracker", content_type__model__in=STAFF_MODELS)
    readable = Permission.objects.filter(content_type__app_label="tracker", codename__in=READ_ONLY_FOR_STAFF)
    group.permissions.set(editable.exclude(content_type__model="institution") | readable)
    return group


@transaction.atomic
def profile_assign_role(
    *, user: AbstractBaseUser, role: str, institution: Institution | None, unit: OrgUnit | None = None,
) -> Profile:
    """Give a user a role bound to an institution (and a unit for secretaries and liaisons)."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    profile.role = role
    profile.institution = institution
    profile.unit = unit
    profile.full_clean()
    profile.save()
    user.is_staff = role in (Profile.Role.ADMIN, Profile.Role.STAFF)
    user.is_superuser = role == Profile.Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    staff_group = ensure_staff_group()
    if role == Profile.Role.STAFF:
        user.groups.add(staff_group)
    else:
        user.groups.remove(staff_group)
    return profile

