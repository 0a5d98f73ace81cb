"""Who may see and change what: the one place the rules are written.

An object a user may not see is a 404; one they may see but not change is a 403 (the views raise it
when a `can_…` function says no). One condition per line, so a reviewer can read each rule.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from tracker.api.models import ApiToken
from tracker.assessments.models.assessments import Assessment, AssessmentEntry, AssessmentRound, Rectification, Review
from tracker.assessments.models.standards import Standard
from tracker.notifications.models import Notification, Webhook  # issue 15: the bell's number; robots
from tracker.org.models import EvidenceFile, Institution, OrgUnit, Profile
from tracker.plans.models import Plan, Task
from tracker.quotas.models import Quota
from tracker.reporting.models import ExportJob  # issue 18, the task queue: export jobs
from tracker.roster.models import Team, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

Role = Profile.Role
# An assessment that has left the unit's hands: what a review file may show.
FILED_STATUSES = ("submitted", "resubmitted", "accepted")
User = AbstractBaseUser | AnonymousUser


def profile_of(user: User) -> Profile | None:
    """The user's profile, cached on the user object for the request; None for anonymous or role-less users."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_tracker_profile"):
        # (issue 15) with the bell's number: the user's unread notifications, in the same query
        unread = (Notification.objects.filter(recipient_id=OuterRef("user_id"), read_at__isnull=True).order_by()
                  .values("recipient_id").annotate(count=Count("pk")).values("count"))
        user._tracker_profile = (Profile.objects.select_related("institution", "unit")
                                 .annotate(unread_notifications=Coalesce(Subquery(unread), 0))
                                 .filter(user=user).first())
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
    """Administrators see every institution; everyone else only their own.

    A reviewer reads only the review file of the institution he reviews (see `reviews_visible_to`),
    so for every other record he sees no institution at all.
    """
    if is_admin(user):
        return Institution.objects.all()
    profile = profile_of(user)
    if profile is None or profile.institution_id is None or profile.role == Role.REVIEWER:
        return Institution.objects.none()
    return Institution.objects.filter(pk=profile.institution_id)


def users_below_admin_in(institutions: QuerySet[Institution]) -> Q:
    """The accounts of these institutions that someone below the administrator may pick: never an administrator."""
    return Q(profile__institution__in=institutions) & ~Q(profile__role=Role.ADMIN) & Q(is_superuser=False)


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
        | Q(entry__assessment__in=assessments_visible_to(user))
        | Q(rectification__in=rectifications_visible_to(user))
        | Q(entry__assessment__round__reviews__in=reviews_visible_to(user),  # the review file's evidence:
            entry__assessment__unit__kind=OrgUnit.Kind.SCHOOL_COMMITTEE,   # the school's own assessment,
            entry__assessment__status__in=FILED_STATUSES)                  # once filed
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


def can_create_plan(user: User, institution_id: int) -> bool:
    """Enters a new plan for the institution: its committee staff, or the administrator."""
    return is_staff_of(user, institution_id)


def can_edit_plan(user: User, plan: Plan) -> bool:
    """Edits the plan, its phases, stages, work areas and tasks: its institution's committee staff, or the
    administrator (others read it; another institution's plan is a 404 before this is asked)."""
    return is_staff_of(user, plan.institution_id)


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


def may_name_volunteer(user: User, volunteer: Volunteer) -> bool:
    """Whether a page may name this volunteer to the user: the same rule as the roster (a secretary or liaison
    names only her own unit's people; others of the institution are counted, never named, also when they
    co-lead a platform). Uses the volunteer's unit id only: no query."""
    bound = _bound_unit_id(user)
    return bound is None or volunteer.unit_id == bound


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


# --- Self-assessments, rectifications and reviews ---------------------------------------------
# A college files its own self-assessment; committee staff file the school's, review every one and
# verify rectifications; leaders read everything; a reviewer reads only the review file he was given.


def is_staff_of(user: User, institution_id: int) -> bool:
    """Committee staff of that institution, or an administrator."""
    return can_keep_unit_records_of_institution(user, institution_id)


def rounds_visible_to(user: User) -> QuerySet[AssessmentRound]:
    return AssessmentRound.objects.filter(institution__in=institutions_visible_to(user))


def get_round_for_user(user: User, pk: int) -> AssessmentRound:
    return get_object_or_404(rounds_visible_to(user).select_related("standard", "institution"), pk=pk)


def can_manage_rounds(user: User, institution_id: int) -> bool:
    """Open a round, see every unit's filing on the board and send reminders: committee staff."""
    return is_staff_of(user, institution_id)


def can_see_filing_board(user: User, assessment_round: AssessmentRound) -> bool:
    """Staff and leaders of the institution; a secretary sees her own college's assessment instead."""
    return role_of(user) in (Role.ADMIN, Role.STAFF, Role.LEADER)


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    """Staff and leaders read every unit's; a secretary her own college's; a liaison none (units do not file)."""
    assessments = Assessment.objects.filter(round__institution__in=institutions_visible_to(user))
    role = role_of(user)
    if role == Role.LIAISON:
        return assessments.none()
    return _own_unit_only(user, assessments)


def get_assessment_for_user(user: User, pk: int) -> Assessment:
    related = ("round__standard", "round__institution", "unit")
    return get_object_or_404(assessments_visible_to(user).select_related(*related), pk=pk)


def get_entry_for_user(user: User, assessment_pk: int, pk: int) -> AssessmentEntry:
    return get_object_or_404(
        AssessmentEntry.objects.filter(assessment__in=assessments_visible_to(user))
        .select_related("assessment__round__standard", "assessment__unit", "item__group"),
        assessment_id=assessment_pk, pk=pk,
    )


def _fills_in_for(user: User, assessment_round: AssessmentRound, unit: OrgUnit) -> bool:
    """A college files its own: only its secretary starts and fills it in. The school committee's own
    assessment is filled in by committee staff. (Staff review colleges' assessments; they do not write them.)"""
    if unit.institution_id != assessment_round.institution_id or unit.kind != assessment_round.unit_kind:
        return False
    if unit.kind == OrgUnit.Kind.SCHOOL_COMMITTEE:
        return is_staff_of(user, assessment_round.institution_id)
    profile = profile_of(user)
    return role_of(user) == Role.SECRETARY and profile.unit_id == unit.pk


def can_start_assessment(user: User, assessment_round: AssessmentRound, unit: OrgUnit) -> bool:
    """Whoever fills in the unit's assessment (`_fills_in_for`), in a round the unit takes part in: a round that
    names its units (a pilot, a first batch) is not filed by the others."""
    if not _fills_in_for(user, assessment_round, unit):
        return False
    return assessment_round.takes_part(unit)


def can_fill_assessment(user: User, assessment: Assessment) -> bool:
    """May write self-scores, gaps, measures and the report (whatever the status: the services check that).
    An assessment once started is its unit's to fill in: the round's named units are not read again."""
    return _fills_in_for(user, assessment.round, assessment.unit)


def can_review_assessment(user: User, assessment: Assessment) -> bool:
    """May enter review scores and comments, return or accept: committee staff of the institution."""
    return is_staff_of(user, assessment.round.institution_id)


def rectifications_visible_to(user: User) -> QuerySet[Rectification]:
    """Staff and leaders read the whole list; a secretary or liaison the entries her unit owns."""
    return _own_unit_only(user, Rectification.objects.filter(institution__in=institutions_visible_to(user)))


def get_rectification_for_user(user: User, pk: int) -> Rectification:
    related = ("unit", "institution", "entry__item", "entry__assessment__round", "opinion__review")
    return get_object_or_404(rectifications_visible_to(user).select_related(*related), pk=pk)


def can_work_on_rectification(user: User, rectification: Rectification) -> bool:
    """Move it on (open → in progress → done) and add evidence: staff, or the owner unit's own people."""
    if is_staff_of(user, rectification.institution_id):
        return True
    profile = profile_of(user)
    return role_of(user) in (Role.SECRETARY, Role.LIAISON) and profile.unit_id == rectification.unit_id


def can_verify_rectification(user: User, rectification: Rectification) -> bool:
    """Only committee staff verify (验收)."""
    return is_staff_of(user, rectification.institution_id)


def can_enter_inspection_opinions(user: User, institution_id: int) -> bool:
    """The school's inspection opinions go onto the list through committee staff."""
    return is_staff_of(user, institution_id)


def reviews_visible_to(user: User) -> QuerySet[Review]:
    """Staff and leaders read their institution's reviews; a reviewer the reviews of the institution he reviews."""
    if is_admin(user):
        return Review.objects.all()
    profile = profile_of(user)
    if profile is None or profile.role not in (Role.STAFF, Role.LEADER, Role.REVIEWER):
        return Review.objects.none()
    return Review.objects.filter(institution_id=profile.institution_id)


def get_review_for_user(user: User, pk: int) -> Review:
    return get_object_or_404(reviews_visible_to(user).select_related("institution", "zone", "assessment_round"),
                             pk=pk)


def can_write_opinion(user: User, review: Review) -> bool:
    """Reviewers write opinions; committee staff may record those given on paper."""
    if is_staff_of(user, review.institution_id):
        return True
    profile = profile_of(user)
    return role_of(user) == Role.REVIEWER and profile.institution_id == review.institution_id


def can_record_review_steps(user: User, review: Review) -> bool:
    """Dates of the review's steps: committee staff."""
    return is_staff_of(user, review.institution_id)


# The pages a reviewer may open; every other page answers 403 (ReviewerScopeMiddleware).
REVIEWER_URL_NAMES = frozenset({
    "login", "logout", "set_language", "tracker:home", "tracker:review-list", "tracker:review-detail",
    "tracker:review-opinion-create", "tracker:evidence-download",  # downloads are access-checked per file
    "account", "password_change", "otp_verify", "otp_setup", "otp_remove", "cas_login",  # his own account
    "password_set",  # the one-time link to set his password (the link's token says whose)
    "api_tokens", "api_token_revoke",  # his own API tokens; through them, the API's review file only:
    "api:review-list", "api:review-detail", "api:schema", "api:docs",
    "api:evidence-download",  # as the page's download: access-checked per file
    # (issue 15) his own notifications
    "tracker:notification-list", "tracker:notification-open", "tracker:notification-mark-read",
    "tracker:notification-mail-choice",
    "healthz",  # (issue 18) the load balancer's check: shows no data, open to everyone
})


# --- The dashboard, reports and snapshots ----------------------------------------------------
# Leaders, committee staff and administrators see the whole institution; a college secretary sees her own
# college's page; liaisons and reviewers neither.


def can_see_dashboard(user: User) -> bool:
    return role_of(user) in (Role.ADMIN, Role.STAFF, Role.LEADER)


def dashboard_institutions(user: User) -> QuerySet[Institution]:
    """The institutions whose dashboard, reports and snapshots the user may open."""
    if not can_see_dashboard(user):
        return Institution.objects.none()
    return institutions_visible_to(user).order_by("code")


def get_college_for_dashboard(user: User, pk: int) -> OrgUnit:
    """A college page: the whole institution's for dashboard readers, her own college for a secretary; else 404."""
    colleges = OrgUnit.objects.filter(kind=OrgUnit.Kind.COLLEGE).select_related("institution")
    if can_see_dashboard(user):
        return get_object_or_404(colleges.filter(institution__in=institutions_visible_to(user)), pk=pk)
    if role_of(user) == Role.SECRETARY:
        return get_object_or_404(colleges, pk=pk, pk__in=[_bound_unit_id(user)])
    return get_object_or_404(colleges.none(), pk=pk)


def can_freeze_snapshot(user: User, institution_id: int) -> bool:
    """Committee staff freeze the figures they report; leaders read the snapshots."""
    return is_staff_of(user, institution_id)


def snapshots_visible_to(user: User):
    from tracker.reporting.models import ReportSnapshot

    return ReportSnapshot.objects.filter(institution__in=dashboard_institutions(user))


# --- Exports as jobs (issue 18, the task queue) --------------------------------------------------
# Whoever reads the dashboard (committee staff, leaders, administrators) exports the institution's whole file; the
# administrator also every university's at once. A job is its asker's own: its file holds what they may see (a
# leader's roster has no phone column), so another person's job is a 404, like another institution's.


def can_export(user: User) -> bool:
    """May open the exports page and start the whole university's file."""
    return can_see_dashboard(user)


def export_institutions(user: User) -> QuerySet[Institution]:
    """The institutions whose whole file the user may export."""
    return dashboard_institutions(user)


def can_export_every_institution(user: User) -> bool:
    """Every university's files in one: the administrator (the province's, once zones come: issue 17)."""
    return is_admin(user)


def export_jobs_visible_to(user: User) -> QuerySet[ExportJob]:
    """The user's own jobs, of the institutions they may still export (every university's: the administrator)."""
    if not can_export(user):
        return ExportJob.objects.none()
    mine = ExportJob.objects.filter(requested_by_id=user.pk)
    if can_export_every_institution(user):
        return mine
    return mine.filter(institution__in=export_institutions(user))


def get_export_job_for_user(user: User, token) -> ExportJob:
    return get_object_or_404(export_jobs_visible_to(user).select_related("institution"), token=token)


# --- Set-up: institutions, units and accounts ---------------------------------------------------
# Committee staff set up their own institution's units and accounts; administrators any institution's, and they
# alone add institutions. No one makes, changes or sees an administrator's account here. Another institution's
# unit or account is a 404; the pages themselves are a 403 for every other role.


def can_set_up(user: User) -> bool:
    """May open the set-up pages (units, accounts, the set-up workbook)."""
    return role_of(user) in (Role.ADMIN, Role.STAFF)


def can_create_institutions(user: User) -> bool:
    """Adds a university and its first committee-staff account: the administrator."""
    return is_admin(user)


def setup_institutions(user: User) -> QuerySet[Institution]:
    """The institutions whose units and accounts the user sets up: administrators all, committee staff their own."""
    if not can_set_up(user):
        return Institution.objects.none()
    return institutions_visible_to(user).order_by("code")


def get_setup_institution_for_user(user: User, pk: int) -> Institution:
    return get_object_or_404(setup_institutions(user), pk=pk)


def setup_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The units of those institutions, retired ones included (zones and the province stand outside them)."""
    units = OrgUnit.objects.filter(institution__in=setup_institutions(user))
    return units.exclude(kind__in=OrgUnit.OUTSIDE_KINDS)


def get_setup_unit_for_user(user: User, pk: int) -> OrgUnit:
    return get_object_or_404(setup_units_visible_to(user).select_related("institution"), pk=pk)


def accounts_visible_to(user: User) -> QuerySet:
    """The accounts of those institutions, never an administrator's (`users_below_admin_in`)."""
    return get_user_model().objects.filter(users_below_admin_in(setup_institutions(user)))


def get_account_for_user(user: User, pk: int):
    related = ("profile__institution", "profile__unit")
    return get_object_or_404(accounts_visible_to(user).select_related(*related), pk=pk)


# (issue 15) Group robots (企业微信 / 钉钉) and the delivery log: set up like the units, by committee staff of the
# institution and the administrator; another institution's robot is a 404.


def can_manage_webhooks(user: User, institution_id: int) -> bool:
    """Adds, changes, removes and tests the institution's group robots, and reads its delivery log."""
    return can_set_up(user) and can_keep_unit_records_of_institution(user, institution_id)


def webhooks_visible_to(user: User) -> QuerySet[Webhook]:
    """The group robots of the institutions the user sets up."""
    return Webhook.objects.filter(institution__in=setup_institutions(user))


def get_webhook_for_user(user: User, pk: int) -> Webhook:
    return get_object_or_404(webhooks_visible_to(user).select_related("institution", "unit"), pk=pk)


# --- API tokens (tracker/api) ------------------------------------------------------------------
# A token acts as its owner through every rule above; only its owner lists, sees or revokes it (administrators
# neither: a key is personal).


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, revoked and expired ones included."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(owner_id=user.pk)


def get_api_token_for_user(user: User, pk: int) -> ApiToken:
    return get_object_or_404(api_tokens_of(user), pk=pk)
