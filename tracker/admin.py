"""Admin for every model, usable by committee staff: each sees only their own institution's records."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import access, services
from .models import (
    Activity,
    EvidenceFile,
    Institution,
    MenuMatch,
    NeedItem,
    OrgUnit,
    Phase,
    Plan,
    Profile,
    Quota,
    QuotaEntry,
    ResourceItem,
    RosterImport,
    Speciality,
    Stage,
    Task,
    TaskParty,
    TaskUpdate,
    Team,
    TeamMembership,
    Volunteer,
    WorkPlatform,
)

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


def scoped_choices(request: HttpRequest, model: type, queryset: QuerySet) -> QuerySet:
    """Limit a drop-down to the records of the user's institution (zones and the province stay selectable)."""
    if access.is_admin(request.user) or model not in INSTITUTION_PATHS:
        return queryset
    visible = access.institutions_visible_to(request.user)
    condition = Q(**{f"{INSTITUTION_PATHS[model]}__in": visible})
    if model is OrgUnit:
        condition |= Q(institution__isnull=True)
    return queryset.filter(condition)


class ScopedChoicesMixin:
    """Every foreign-key drop-down on the form offers only the user's own institution's records."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(request, db_field.related_model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(request, db_field.related_model, field.queryset)
        return field


class InstitutionScopedAdmin(ScopedChoicesMixin, SimpleHistoryAdmin):
    """Limits the change list, every object page and every drop-down to the user's institution.

    A model with a `version` field gets it raised on every admin save, so that edit forms loaded
    elsewhere before the change are refused rather than overwriting it.
    """

    institution_path: str = "institution"

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if access.is_admin(request.user):
            return queryset
        return queryset.filter(**{f"{self.institution_path}__in": access.institutions_visible_to(request.user)})


class ReadOnlyLogAdmin(InstitutionScopedAdmin):
    """The progress log and its evidence are written only through the task page, and never rewritten."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code"]
    search_fields = ["name", "short_name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return access.institutions_visible_to(request.user)


@admin.register(OrgUnit)
class OrgUnitAdmin(InstitutionScopedAdmin):
    list_display = ["name", "kind", "institution", "parent", "order"]
    list_filter = ["kind", "institution"]
    search_fields = ["name", "short_name"]
    list_select_related = ["institution", "parent"]


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

    def save_model(self, request: HttpRequest, obj: Profile, form, change: bool) -> None:
        # The service also sets the admin flag and group that go with the role.
        services.profile_assign_role(user=obj.user, role=obj.role, institution=obj.institution, unit=obj.unit)


@admin.register(Speciality)
class SpecialityAdmin(InstitutionScopedAdmin):
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
class RosterImportAdmin(ReadOnlyLogAdmin):
    list_display = ["file_name", "institution", "unit", "created_by", "created_at", "applied_at"]


# standards
from .models import Standard, StandardGroup, StandardItem  # noqa: E402  (appended section; keeps the top list stable)

INSTITUTION_PATHS[Standard] = "institution"  # a group's standard is chosen among the user's institution's


def standard_in_use(standard_id: int | None) -> bool:
    """A standard some self-assessment round scores against: its items are frozen (import a new version instead)."""
    from .models import AssessmentRound

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
from .models import (  # noqa: E402
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

INSTITUTION_PATHS[AssessmentRound] = "institution"


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(InstitutionScopedAdmin):
    list_display = ["name", "standard", "due_on", "report_max_chars", "institution"]
    list_select_related = ["standard", "institution"]
    readonly_fields = ["institution", "standard"]

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
class AssessmentTransitionAdmin(ReadOnlyLogAdmin):
    institution_path = "assessment__round__institution"
    list_display = ["assessment", "from_status", "to_status", "actor", "at"]


@admin.register(FilingReminder)
class FilingReminderAdmin(ReadOnlyLogAdmin):
    institution_path = "round__institution"
    list_display = ["round", "unit", "status_then", "sent_by", "sent_at"]


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
