"""Who may see and change what: the one place the rules are written.

An object a user may not see is a 404; one they may see but not change is a 403 (the views raise it
when a `can_…` function says no). One condition per line, so a reviewer can read each rule.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import (
    Activity,
    EvidenceFile,
    Institution,
    MenuMatch,
    NeedItem,
    OrgUnit,
    Plan,
    Profile,
    Quota,
    ResourceItem,
    Standard,
    Task,
    Team,
    Volunteer,
    WorkPlatform,
)

Role = Profile.Role
User = AbstractBaseUser | AnonymousUser


def profile_of(user: User) -> Profile | None:
    """The user's profile, cached on the user object for the request; None for anonymous or role-less users."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_tracker_profile"):
        user._tracker_profile = Profile.objects.select_related("institution", "unit").filter(user=user).first()
    return user._tracker_profile


def role_of(user: User) -> str | None:
    """The user's role; superusers are administrators whether or not they have a profile."""
    if user.is_authenticated and user.is_superuser:
        return Role.ADMIN
    profile = profile_of(user)
    return profile.role if profile else None


def is_admin(user: User) -> bool:
    return role_of(user) == Role.ADMIN


def institutions_visible_to(user: User) -> QuerySet[Institution]:
    """Administrators see every institution; everyone else only their own."""
    if is_admin(user):
        return Institution.objects.all()
    profile = profile_of(user)
    if profile is None or profile.institution_id is None:
        return Institution.objects.none()
    return Institution.objects.filter(pk=profile.institution_id)


def plans_visible_to(user: User) -> QuerySet[Plan]:
    """Every signed-in role reads the whole plan of its own institution."""
    return Plan.objects.filter(institution__in=institutions_visible_to(user))


def get_plan_for_user(user: User, pk: int) -> Plan:
    return get_object_or_404(plans_visible_to(user).with_progress(), pk=pk)


def tasks_visible_to(user: User) -> QuerySet[Task]:
    return Task.objects.filter(stage__phase__plan__institution__in=institutions_visible_to(user))


def get_task_for_user(user: User, pk: int) -> Task:
    return get_object_or_404(tasks_visible_to(user).with_schedule(), pk=pk)


def get_evidence_for_user(user: User, pk: int) -> EvidenceFile:
    """An evidence file is visible to whoever may see the record it supports (task, ledger entry, quota)."""
    visible = (
        Q(update__task__in=tasks_visible_to(user))
        | Q(activity__in=activities_visible_to(user))
        | Q(quota_entries__quota__in=quotas_visible_to(user))
    )
    return get_object_or_404(EvidenceFile.objects.filter(visible).distinct(), pk=pk)


def _answers_for(unit: OrgUnit, task: Task) -> bool:
    """Whether `unit` is among the task's parties, by name or by kind (uses the prefetched parties)."""
    for party in task.parties.all():
        if party.unit_id == unit.pk:
            return True
        if party.unit_id is None and party.kind == unit.kind:
            return True
    return False


def _leads_by_name(unit: OrgUnit, task: Task) -> bool:
    """Whether `unit` itself (not merely its kind) is named as the task's lead."""
    return any(party.role == party.Role.LEAD and party.unit_id == unit.pk for party in task.parties.all())


def can_report_on_task(user: User, task: Task) -> bool:
    """May add a dated update (note and evidence) to the task's log."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    profile = profile_of(user)
    if profile is None or profile.institution_id != task.plan.institution_id:
        return False
    if role == Role.STAFF:
        return True
    if role in (Role.SECRETARY, Role.LIAISON):
        return _answers_for(profile.unit, task)
    return False


def can_set_task_status(user: User, task: Task) -> bool:
    """May change the task's status and progress: staff, or the liaison of the unit that leads it."""
    if not can_report_on_task(user, task):
        return False
    role = role_of(user)
    if role in (Role.ADMIN, Role.STAFF):
        return True
    profile = profile_of(user)
    return role == Role.LIAISON and _leads_by_name(profile.unit, task)


def reporting_unit(user: User) -> OrgUnit | None:
    """The unit a user's updates are made on behalf of."""
    profile = profile_of(user)
    return profile.unit if profile else None


# --- People, platforms, ledger and menus ------------------------------------------------------
# A college secretary (or member-unit liaison) sees and keeps only her own unit's people and records;
# committee staff keep every unit's; leaders read everything but personal phone numbers.


def _bound_unit_id(user: User) -> int | None:
    """The unit a secretary or liaison is bound to; None for every other role."""
    profile = profile_of(user)
    if profile and profile.role in (Role.SECRETARY, Role.LIAISON):
        return profile.unit_id
    return None


def _own_unit_only(user: User, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the rows of the unit a secretary or liaison is bound to; unchanged for other roles."""
    bound = _bound_unit_id(user)
    if bound is not None:
        return queryset.filter(unit_id=bound)
    return queryset


def units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """Units of the user's institution (administrators: all)."""
    return OrgUnit.objects.filter(institution__in=institutions_visible_to(user))


def units_editable_by(user: User) -> QuerySet[OrgUnit]:
    """Units whose roster, platforms, ledger and menus the user may keep."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.STAFF):
        return units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
    bound = _bound_unit_id(user)
    if bound is not None:
        return OrgUnit.objects.filter(pk=bound)
    return OrgUnit.objects.none()


def can_keep_unit_records(user: User, unit: OrgUnit) -> bool:
    """May add and change the roster, platforms, ledger and menus of `unit`."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    profile = profile_of(user)
    if profile is None or profile.institution_id != unit.institution_id:
        return False
    if role == Role.STAFF:
        return True
    return role in (Role.SECRETARY, Role.LIAISON) and profile.unit_id == unit.pk


def volunteers_visible_to(user: User) -> QuerySet[Volunteer]:
    """A secretary or liaison sees only her own unit's people."""
    return _own_unit_only(user, Volunteer.objects.filter(institution__in=institutions_visible_to(user)))


def get_volunteer_for_user(user: User, pk: int) -> Volunteer:
    return get_object_or_404(volunteers_visible_to(user).select_related("unit", "institution"), pk=pk)


def can_see_phone(user: User, volunteer: Volunteer) -> bool:
    """Phone numbers: the volunteer's own unit and committee staff only (not leaders)."""
    role = role_of(user)
    if role == Role.LEADER:
        return False
    return can_keep_unit_records(user, volunteer.unit)


def teams_visible_to(user: User) -> QuerySet[Team]:
    return Team.objects.filter(institution__in=institutions_visible_to(user))


def get_team_for_user(user: User, pk: int) -> Team:
    return get_object_or_404(teams_visible_to(user), pk=pk)


def platforms_visible_to(user: User) -> QuerySet[WorkPlatform]:
    """Platforms are the institution's shared work: every role of the institution reads them all."""
    return WorkPlatform.objects.filter(institution__in=institutions_visible_to(user))


def get_platform_for_user(user: User, pk: int) -> WorkPlatform:
    return get_object_or_404(platforms_visible_to(user).select_related("owner", "host", "volunteer_leader"), pk=pk)


def can_edit_platform(user: User, platform: WorkPlatform) -> bool:
    """Staff edit every platform; a secretary her college's; a liaison those his unit owns or hosts."""
    if can_keep_unit_records(user, platform.owner):
        return True
    return platform.host_id is not None and can_keep_unit_records(user, platform.host) and (
        role_of(user) == Role.LIAISON
    )


def activities_visible_to(user: User) -> QuerySet[Activity]:
    """The ledger: staff and leaders read every unit's; a secretary or liaison her own unit's."""
    return _own_unit_only(user, Activity.objects.filter(unit__institution__in=institutions_visible_to(user)))


def get_activity_for_user(user: User, pk: int) -> Activity:
    return get_object_or_404(activities_visible_to(user).select_related("unit", "platform", "recorded_by"), pk=pk)


def resources_visible_to(user: User) -> QuerySet[ResourceItem]:
    """Resource items follow the volunteer who offers them."""
    return ResourceItem.objects.filter(volunteer__in=volunteers_visible_to(user))


def needs_visible_to(user: User) -> QuerySet[NeedItem]:
    """Needs: a secretary or liaison sees only her own unit's."""
    return _own_unit_only(user, NeedItem.objects.filter(unit__institution__in=institutions_visible_to(user)))


def matches_visible_to(user: User) -> QuerySet[MenuMatch]:
    """A match is visible to whoever sees its need (the college that asked).

    Staff may pair a college's need with another college's volunteer; `volunteer_visible` tells the page
    whether this user may see who that volunteer is, since a secretary sees no other college's people.
    """
    visible_volunteer = volunteers_visible_to(user).filter(pk=OuterRef("resource__volunteer_id"))
    matches = MenuMatch.objects.filter(need__in=needs_visible_to(user))
    return matches.annotate(volunteer_visible=Exists(visible_volunteer))


def get_match_for_user(user: User, pk: int) -> MenuMatch:
    return get_object_or_404(matches_visible_to(user).select_related("resource__volunteer", "need__unit"), pk=pk)


def quotas_visible_to(user: User) -> QuerySet[Quota]:
    """Quotas and their computed values are aggregates: every role of the institution reads them."""
    return Quota.objects.filter(institution__in=institutions_visible_to(user))


def get_quota_for_user(user: User, pk: int) -> Quota:
    return get_object_or_404(quotas_visible_to(user).select_related("plan", "institution"), pk=pk)


def can_enter_quota_value(user: User, quota: Quota, unit: OrgUnit | None) -> bool:
    """Values by hand: staff for any scope; a secretary for her own college on a per-college quota."""
    role = role_of(user)
    if role not in (Role.ADMIN, Role.STAFF, Role.SECRETARY):
        return False
    if unit is None:
        return role in (Role.ADMIN, Role.STAFF) and can_keep_unit_records_of_institution(user, quota.institution_id)
    return unit.institution_id == quota.institution_id and can_keep_unit_records(user, unit)


def can_keep_unit_records_of_institution(user: User, institution_id: int) -> bool:
    if is_admin(user):
        return True
    profile = profile_of(user)
    return profile is not None and profile.role == Role.STAFF and profile.institution_id == institution_id


# --- Standards --------------------------------------------------------------------------------


def standards_visible_to(user: User) -> QuerySet[Standard]:
    """Every signed-in role reads the shared standards (institution empty) and its own institution's."""
    if not user.is_authenticated:
        return Standard.objects.none()
    return Standard.objects.filter(
        Q(institution__isnull=True) | Q(institution__in=institutions_visible_to(user))
    )


def get_standard_for_user(user: User, pk: int) -> Standard:
    """The standard if the user may read it, else 404."""
    return get_object_or_404(standards_visible_to(user).select_related("institution"), pk=pk)


def can_import_standards(user: User) -> bool:
    """Committee staff import standards for their institution; administrators for any, or shared ones."""
    return role_of(user) in (Role.ADMIN, Role.STAFF)


def standard_import_institutions(user: User) -> QuerySet[Institution]:
    """The institutions the user may import a standard into (administrators may also leave it empty: shared)."""
    if not can_import_standards(user):
        return Institution.objects.none()
    return institutions_visible_to(user).order_by("code")
