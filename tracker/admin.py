"""Admin for every model, scoped so that committee staff see and change only their own institution's records.

Who uses it. Administrators keep the whole site. Committee staff use it, scoped, for what the portal has no page for
yet (units, the plan's phases and tasks, quotas): once the portal's own set-up pages exist (the issue "Any
university sets up its own plan, units and people in the portal"), staff lose the admin site and it becomes the
administrators' alone.

The rules every admin page keeps, whatever the model (`ScopedAdmin`, tested in tests/test_admin_security.py):
- an object outside the user's institution is a 404 on every URL: change, delete, history, and a history version;
- ids that are not ids (too long for the database, not digits) are a 404, never a 500;
- a history page and a history version are read-only for everyone: a POST to a version is refused (403);
- every drop-down offers only the user's institution's records, and a save that would leave the object outside
  the user's institution is refused and rolled back (the admin's change view runs in one transaction);
- no one below an administrator gives or edits the administrator role, or sees an administrator's profile.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tracker import access
from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.org.forms import DateField, ModelChoiceField, ModelMultipleChoiceField
from tracker.org.models import EvidenceFile, Institution, OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.outbox.models import Delivery  # issue 18, the task queue
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from tracker.quotas.models import Quota, QuotaEntry
from tracker.reporting.models import ExportJob, ReminderClaim
from tracker.roster.models import RosterImport, Speciality, Team, TeamMembership, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

# For each model a foreign key may point to: the path from that model to its institution.
INSTITUTION_PATHS = {
    Institution: "pk",
    OrgUnit: "institution",
    Plan: "institution",
    Phase: "plan__institution",
    Stage: "phase__plan__institution",
    Task: "stage__phase__plan__institution",
    TaskUpdate: "task__stage__phase__plan__institution",
    Speciality: "institution",
    Volunteer: "institution",
    Team: "institution",
    WorkPlatform: "institution",
    Activity: "unit__institution",
    ResourceItem: "volunteer__institution",
    NeedItem: "unit__institution",
    Quota: "institution",
}
# The largest id the database can hold (a signed 64-bit integer): a longer one is a 404, not an OverflowError.
MAX_ID = 2**63 - 1


def is_id(value: str) -> bool:
    """Whether an id from a URL can be an id of ours at all."""
    return value.isdigit() and int(value) <= MAX_ID


def scoped_choices(request: HttpRequest, model: type, queryset: QuerySet) -> QuerySet:
    """Limit a drop-down to the records of the user's institution (zones and the province stay selectable)."""
    if access.is_admin(request.user):
        return queryset
    if model is get_user_model():
        return queryset.filter(access.users_below_admin_in(access.institutions_visible_to(request.user)))
    if model not in INSTITUTION_PATHS:
        return queryset
    visible = access.institutions_visible_to(request.user)
    condition = Q(**{f"{INSTITUTION_PATHS[model]}__in": visible})
    if model is OrgUnit:
        condition |= Q(institution__isnull=True)
    return queryset.filter(condition)


class ScopedChoicesMixin:
    """Every foreign-key drop-down on the form offers only the user's own institution's records; every date is
    checked to be plausible, as on the portal's forms."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if type(db_field) is models.DateField:
            kwargs.setdefault("form_class", DateField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelChoiceField)  # an id too long for the database is an invalid choice
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(request, db_field.related_model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(request, db_field.related_model, field.queryset)
        return field


def _is_relation(model, path: str) -> bool:
    """Whether `path` (“stage__phase__plan__institution”) ends at a related record."""
    from django.contrib.admin.utils import get_fields_from_path

    return get_fields_from_path(model, path)[-1].is_relation


class ScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Limits the change list, every object page and every drop-down to the user's institution.

    A model with a `version` field gets it raised on every admin save, so that edit forms loaded
    elsewhere before the change are refused rather than overwriting it.
    """

    institution_path: str = "institution"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if access.is_admin(request.user):
            return queryset
        return queryset.filter(**{f"{self.institution_path}__in": access.institutions_visible_to(request.user)})

    def get_list_filter(self, request: HttpRequest) -> list:
        """A filter on a related record (学校, 阶段 …) offers only the records the scoped list holds: Django's own
        offers every row of the related table, so staff of one university would read the others' names and ids."""
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and _is_relation(self.model, entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """The object within the user's scope, or None (Django answers 404 or sends back to the list)."""
        if from_field is None and not is_id(str(object_id)):
            return None
        return super().get_object(request, object_id, from_field)

    def in_scope(self, request: HttpRequest, obj) -> bool:
        """Whether the saved object is still one the user may see (administrators see everything)."""
        return access.is_admin(request.user) or self.get_queryset(request).filter(pk=obj.pk).exists()

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)
        if not self.in_scope(request, obj):
            raise PermissionDenied  # rolled back with the admin's transaction

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not self.in_scope(request, form.instance):
            raise PermissionDenied


class HistoryScopedAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin for a model that keeps history (django-simple-history): the history pages are scoped like
    every other page, and a history version is shown, never saved."""

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied  # a version is never saved back: it would bypass the services and the log
        if not is_id(str(version_id)) or self.get_object(request, unquote(object_id)) is None:
            raise Http404
        request.tracker_history_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if getattr(request, "tracker_history_version", False):
            return [field.name for field in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)


# The name the admin classes below have always used for the common case.
InstitutionScopedAdmin = HistoryScopedAdmin


class ReadOnlyMixin:
    """The progress log and its evidence are written only through the portal's pages, and never rewritten."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyLogAdmin(ReadOnlyMixin, HistoryScopedAdmin):
    """A read-only record that keeps history."""


class ReadOnlyRecordAdmin(ReadOnlyMixin, ScopedAdmin):
    """A read-only record that keeps no history (its admin history page is Django's own log of admin actions)."""


@admin.register(Institution)
class InstitutionAdmin(ScopedAdmin):
    institution_path = "pk"
    list_display = ["name", "short_name", "code"]
    search_fields = ["name", "short_name", "code"]


@admin.register(OrgUnit)
class OrgUnitAdmin(InstitutionScopedAdmin):
    list_display = ["name", "kind", "institution", "parent", "order"]
    list_filter = ["kind", "institution"]
    search_fields = ["name", "short_name"]
    list_select_related = ["institution", "parent"]
    readonly_fields = ["version"]


class PhaseInline(ScopedChoicesMixin, admin.TabularInline):
    model = Phase
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(InstitutionScopedAdmin):
    list_display = ["title", "institution", "document_number", "issued_on"]
    list_filter = ["institution"]
    search_fields = ["title", "document_number"]
    inlines = [PhaseInline]


class StageInline(ScopedChoicesMixin, admin.TabularInline):
    model = Stage
    extra = 0
    show_change_link = True


@admin.register(Phase)
class PhaseAdmin(InstitutionScopedAdmin):
    institution_path = "plan__institution"
    list_display = ["__str__", "plan", "start_date", "end_date"]
    list_filter = ["plan__institution"]
    search_fields = ["name"]
    inlines = [StageInline]


class TaskInline(ScopedChoicesMixin, admin.StackedInline):
    model = Task
    extra = 0
    show_change_link = True
    fields = ["order", "number", "title", "text", "start_date", "due_date"]


@admin.register(Stage)
class StageAdmin(InstitutionScopedAdmin):
    institution_path = "phase__plan__institution"
    list_display = ["__str__", "phase", "start_date", "end_date"]
    list_filter = ["phase__plan__institution"]
    search_fields = ["goal"]
    inlines = [TaskInline]


class TaskPartyInline(ScopedChoicesMixin, admin.TabularInline):
    model = TaskParty
    extra = 0


@admin.register(Task)
class TaskAdmin(InstitutionScopedAdmin):
    institution_path = "stage__phase__plan__institution"
    list_display = ["number", "title", "stage", "status", "progress", "due_date", "done_on"]
    list_filter = ["status", "stage__phase__plan__institution", "stage__phase"]
    search_fields = ["number", "title", "text"]
    list_select_related = ["stage__phase__plan"]
    # Status and progress change only through a dated update on the task page, so each change has its log entry.
    readonly_fields = ["status", "progress", "done_on", "version"]
    inlines = [TaskPartyInline]


class EvidenceInline(ScopedChoicesMixin, admin.TabularInline):
    model = EvidenceFile
    extra = 0
    readonly_fields = ["original_name", "size", "kind", "uploaded_by", "uploaded_at"]
    fields = readonly_fields


@admin.register(TaskUpdate)
class TaskUpdateAdmin(ReadOnlyLogAdmin):
    institution_path = "task__stage__phase__plan__institution"
    list_display = ["task", "date", "author", "status", "progress"]
    list_filter = ["status", "task__stage__phase__plan__institution"]
    search_fields = ["note", "task__title"]
    list_select_related = ["task__stage__phase__plan", "author"]
    inlines = [EvidenceInline]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyLogAdmin):
    institution_path = "update__task__stage__phase__plan__institution"
    list_display = ["original_name", "kind", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name"]
    list_filter = ["kind"]


@admin.register(Profile)
class ProfileAdmin(InstitutionScopedAdmin):
    list_display = ["user", "role", "institution", "unit"]
    list_filter = ["role", "institution"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "institution", "unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if access.is_admin(request.user):
            return queryset
        return queryset.exclude(role=Profile.Role.ADMIN).exclude(user__is_superuser=True)

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not access.is_admin(request.user):
            field.choices = [choice for choice in field.choices if choice[0] != Profile.Role.ADMIN]
        return field

    def save_model(self, request: HttpRequest, obj: Profile, form, change: bool) -> None:
        if obj.role == Profile.Role.ADMIN and not access.is_admin(request.user):
            raise PermissionDenied  # the form offers no such choice; this holds even if a form ever does
        # The service also sets the admin flag and group that go with the role.
        profile = profile_assign_role(
            user=obj.user, role=obj.role, institution=obj.institution, unit=obj.unit,
        )
        obj.pk = profile.pk
        if not self.in_scope(request, profile):
            raise PermissionDenied


@admin.register(Speciality)
class SpecialityAdmin(ScopedAdmin):
    list_display = ["name", "institution"]
    search_fields = ["name"]


@admin.register(Volunteer)
class VolunteerAdmin(InstitutionScopedAdmin):
    list_display = ["name", "staff_number", "unit", "layer", "eligible", "participating", "backbone"]
    list_filter = ["layer", "eligible", "participating", "backbone", "category", "institution"]
    search_fields = ["name", "staff_number"]
    list_select_related = ["unit"]
    readonly_fields = ["version"]


class TeamMembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["volunteer"]


@admin.register(Team)
class TeamAdmin(InstitutionScopedAdmin):
    list_display = ["name", "institution", "order"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]


@admin.register(WorkPlatform)
class WorkPlatformAdmin(InstitutionScopedAdmin):
    list_display = ["name", "level", "owner", "host", "brand", "active_from", "active_to"]
    list_filter = ["level", "brand", "institution"]
    search_fields = ["name"]
    list_select_related = ["owner", "host"]
    readonly_fields = ["version"]
    filter_horizontal = ["volunteers"]


@admin.register(Activity)
class ActivityAdmin(InstitutionScopedAdmin):
    institution_path = "unit__institution"
    list_display = ["date", "title", "unit", "kind", "platform"]
    list_filter = ["kind", "unit__institution"]
    search_fields = ["title", "notes"]
    list_select_related = ["unit", "platform"]
    readonly_fields = ["version", "recorded_by"]
    raw_id_fields = ["retirees"]


@admin.register(ResourceItem)
class ResourceItemAdmin(InstitutionScopedAdmin):
    institution_path = "volunteer__institution"
    list_display = ["title", "volunteer", "active"]
    list_filter = ["active"]
    search_fields = ["title", "volunteer__name"]
    raw_id_fields = ["volunteer"]


@admin.register(NeedItem)
class NeedItemAdmin(InstitutionScopedAdmin):
    institution_path = "unit__institution"
    list_display = ["title", "unit", "audience", "active"]
    list_filter = ["audience", "active"]
    search_fields = ["title"]


@admin.register(MenuMatch)
class MenuMatchAdmin(InstitutionScopedAdmin):
    institution_path = "need__unit__institution"
    list_display = ["__str__", "status", "proposed_on", "delivered_on"]
    list_filter = ["status"]
    raw_id_fields = ["resource", "need"]
    readonly_fields = ["version"]


@admin.register(Quota)
class QuotaAdmin(InstitutionScopedAdmin):
    list_display = ["name", "metric", "comparator", "target", "scope", "deadline", "institution"]
    list_filter = ["scope", "institution"]
    search_fields = ["name", "source_document"]


@admin.register(QuotaEntry)
class QuotaEntryAdmin(ReadOnlyLogAdmin):
    institution_path = "quota__institution"
    list_display = ["quota", "unit", "value", "entered_by", "entered_at"]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyRecordAdmin):
    list_display = ["file_name", "institution", "unit", "created_by", "created_at", "applied_at"]


# standards

INSTITUTION_PATHS[Standard] = "institution"  # a group's standard is chosen among the user's institution's


def standard_in_use(standard_id: int | None) -> bool:
    """A standard some self-assessment round scores against: its items are frozen (import a new version instead)."""
    from tracker.assessments.models.assessments import AssessmentRound

    return standard_id is not None and AssessmentRound.objects.filter(standard_id=standard_id).exists()


class FrozenWhenUsedMixin:
    """Read-only once a round uses the standard: changed points or items would break scores already given."""

    def _standard_id(self, obj) -> int | None:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and standard_in_use(self._standard_id(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and standard_in_use(self._standard_id(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and standard_in_use(self._standard_id(obj)):
            return False
        if isinstance(self, admin.options.InlineModelAdmin):  # an inline is asked about its parent object
            return super().has_add_permission(request, obj)
        return super().has_add_permission(request)


class StandardGroupInline(FrozenWhenUsedMixin, ScopedChoicesMixin, admin.TabularInline):
    model = StandardGroup
    extra = 0
    show_change_link = True  # a group's items are edited on the group's page

    def _standard_id(self, obj) -> int | None:
        return obj.pk  # the parent standard


class StandardItemInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = StandardItem
    extra = 0
    fields = ["order", "number", "text", "rule", "points", "mode", "deduction_step"]

    def _standard_id(self, obj) -> int | None:
        return obj.standard_id  # the parent group


@admin.register(Standard)
class StandardAdmin(FrozenWhenUsedMixin, InstitutionScopedAdmin):
    """Shared standards (institution empty) are seen by administrators only; staff see their institution's."""

    list_display = ["name", "level", "institution", "source_document"]
    list_filter = ["level", "institution"]

    def _standard_id(self, obj) -> int | None:
        return obj.pk
    search_fields = ["name", "source_document"]
    list_select_related = ["institution"]
    inlines = [StandardGroupInline]

    def save_model(self, request: HttpRequest, obj: Standard, form, change: bool) -> None:
        # Only administrators keep shared standards: a staff member's standard belongs to her institution.
        if obj.institution_id is None and not access.is_admin(request.user):
            profile = access.profile_of(request.user)
            obj.institution = profile.institution if profile else None
        super().save_model(request, obj, form, change)


@admin.register(StandardGroup)
class StandardGroupAdmin(FrozenWhenUsedMixin, InstitutionScopedAdmin):
    institution_path = "standard__institution"
    list_display = ["name", "standard", "order"]

    def _standard_id(self, obj) -> int | None:
        return obj.standard_id
    list_select_related = ["standard"]
    inlines = [StandardItemInline]


# self-assessments, rectifications and reviews: written through the portal's pages (the workflow lives in the
# services), so the admin shows them read-only; a round's and a review's name and dates may be corrected here.

INSTITUTION_PATHS[AssessmentRound] = "institution"


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(InstitutionScopedAdmin):
    list_display = ["name", "standard", "due_on", "report_max_chars", "institution"]
    list_select_related = ["standard", "institution"]
    # The units taking part are chosen when the round is opened, where the service checks their institution and kind.
    readonly_fields = ["institution", "standard", "units"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # opened on the self-assessment page, which checks the standard belongs to the institution


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyLogAdmin):
    institution_path = "round__institution"
    list_display = ["unit", "round", "status", "submitted_at", "accepted_at"]
    list_filter = ["status"]
    list_select_related = ["unit", "round"]


@admin.register(AssessmentEntry)
class AssessmentEntryAdmin(ReadOnlyLogAdmin):
    institution_path = "assessment__round__institution"
    list_display = ["assessment", "item", "self_score", "review_score", "deadline"]
    list_select_related = ["assessment__unit", "assessment__round", "item"]


@admin.register(AssessmentTransition)
class AssessmentTransitionAdmin(ReadOnlyRecordAdmin):
    institution_path = "assessment__round__institution"
    list_display = ["assessment", "from_status", "to_status", "actor", "at"]


@admin.register(FilingReminder)
class FilingReminderAdmin(ReadOnlyRecordAdmin):
    institution_path = "round__institution"
    list_display = ["round", "unit", "status_then", "sent_by", "sent_at"]


@admin.register(ReminderClaim)
class ReminderClaimAdmin(ReadOnlyRecordAdmin):
    """The daily reminder mails sent (`manage.py send_reminders`), each claimed once a day: a record, never edited."""

    list_display = ["day", "institution", "kind", "unit", "recipients", "claimed_at"]
    list_filter = ["kind", "day"]
    list_select_related = ["institution", "unit"]


# --- issue 18, the task queue: what was sent, and the export jobs; records of the queue's work, never edited here --


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyRecordAdmin):
    """Every outbound mail and webhook (tracker/outbox): its key, how many attempts, the last error."""

    list_display = ["created_at", "channel", "subject", "status", "attempts", "sent_at", "institution"]
    list_filter = ["status", "channel"]
    search_fields = ["key", "subject", "recipients"]
    list_select_related = ["institution"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyRecordAdmin):
    """The long exports asked for; the file itself is downloaded only by its asker, from the job's page."""

    list_display = ["created_at", "kind", "institution", "requested_by", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    list_select_related = ["institution", "requested_by"]
    exclude = ["file"]  # shown as its stored name: never a link to the media storage
    readonly_fields = ["stored_file"]

    @admin.display(description=_("file"))
    def stored_file(self, obj: ExportJob) -> str:
        return obj.file.name or "—"


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyLogAdmin):
    list_display = ["problem", "unit", "source", "deadline", "status"]
    list_filter = ["status", "source"]
    list_select_related = ["unit"]


@admin.register(Review)
class ReviewAdmin(InstitutionScopedAdmin):
    list_display = ["name", "institution", "zone", "outcome"]
    readonly_fields = ["institution", "assessment_round"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # opened on the review page, which creates its five steps


@admin.register(ReviewStep)
class ReviewStepAdmin(ReadOnlyLogAdmin):
    institution_path = "review__institution"
    list_display = ["review", "kind", "planned_on", "done_on"]


@admin.register(ReviewOpinion)
class ReviewOpinionAdmin(ReadOnlyLogAdmin):
    institution_path = "review__institution"
    list_display = ["review", "author", "created_at"]
