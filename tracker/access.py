"""Who may see and change what: the one place the rules are written.

An object a user may not see is a 404; one they may see but not change is a 403 (the views raise it
when a `can_…` function says no). One condition per line, so a reviewer can read each rule.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import EvidenceFile, Institution, OrgUnit, Plan, Profile, Task

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
    """An evidence file is visible to whoever may see the task it supports."""
    return get_object_or_404(
        EvidenceFile.objects.filter(update__task__in=tasks_visible_to(user)), pk=pk,
    )


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
