"""The API's reads. Each list starts from an `access.*_visible_to` queryset and each object is found with an
`access.get_*_for_user` function, so the API never shows more than the pages: another institution's object is a
404, a page a role may not open is a 403 here too."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from tracker import access
from tracker.api.listing import Endpoint
from tracker.api.serializers import figures, records
from tracker.assessments.models.assessments import Assessment, Rectification, Review
from tracker.assessments.services.assessments import assessment_totals
from tracker.assessments.views.reviews import REVIEW_READERS
from tracker.org.models import Institution, OrgUnit
from tracker.plans.models import Phase, Plan, Stage, Task, WorkArea
from tracker.quotas import metrics
from tracker.quotas.models import Quota
from tracker.reporting.dashboard import build_dashboard, from_json
from tracker.reporting.models import ReportSnapshot
from tracker.reporting.views.dashboard import EARLIEST
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, required=False, **kwargs)


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, **kwargs)


# --- Institutions and units ---------------------------------------------------------------------------------


class InstitutionList(Endpoint, ListAPIView):
    """The institutions one may read: one's own (an administrator: every one)."""

    serializer_class = records.InstitutionSerializer
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self) -> QuerySet[Institution]:
        return access.institutions_visible_to(self.request.user)


class InstitutionDetail(Endpoint, RetrieveAPIView):
    serializer_class = records.InstitutionSerializer
    queryset = Institution.objects.none()  # for the schema only: the object comes from access

    def get_object(self) -> Institution:
        return get_object_or_404(access.institutions_visible_to(self.request.user), pk=self.kwargs["pk"])


class UnitFilters(serializers.Serializer):
    institution = _id()
    kind = _choice(OrgUnit.Kind.choices)


class UnitList(Endpoint, ListAPIView):
    """The organisational units of one's institution: the Party committee, the school committee, the colleges and
    the member units."""

    serializer_class = records.UnitSerializer
    filters = UnitFilters
    ordering_fields = ["name", "order", "kind"]
    ordering = ["institution_id", "kind", "order", "name"]

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return access.units_visible_to(self.request.user)

    def filter_by(self, queryset, wanted):
        if wanted.get("institution"):
            queryset = queryset.filter(institution_id=wanted["institution"])
        if wanted.get("kind"):
            queryset = queryset.filter(kind=wanted["kind"])
        return queryset


class UnitDetail(Endpoint, RetrieveAPIView):
    serializer_class = records.UnitSerializer
    queryset = OrgUnit.objects.none()

    def get_object(self) -> OrgUnit:
        return get_object_or_404(access.units_visible_to(self.request.user), pk=self.kwargs["pk"])


# --- Plans and tasks ------------------------------------------------------------------------------------------


class PlanFilters(serializers.Serializer):
    institution = _id()


class PlanList(Endpoint, ListAPIView):
    """The plans (实施意见 / 推进表) of one's institution, with how many tasks are done."""

    serializer_class = records.PlanSerializer
    filters = PlanFilters
    ordering_fields = ["issued_on", "title"]
    ordering = ["institution__code", "-issued_on"]

    def get_queryset(self) -> QuerySet[Plan]:
        return access.plans_visible_to(self.request.user).with_progress()

    def filter_by(self, queryset, wanted):
        if wanted.get("institution"):
            queryset = queryset.filter(institution_id=wanted["institution"])
        return queryset


class PlanDetail(Endpoint, RetrieveAPIView):
    """A plan with its phases, their stages and each stage's tasks (status, progress, due date, version)."""

    serializer_class = records.PlanDetailSerializer
    queryset = Plan.objects.none()

    def get_object(self) -> Plan:
        plan = access.get_plan_for_user(self.request.user, self.kwargs["pk"])
        tasks = Task.objects.with_schedule().order_by("order", "id")
        stages = Stage.objects.order_by("order", "id").prefetch_related(Prefetch("tasks", queryset=tasks))
        phases = Phase.objects.order_by("order", "id").prefetch_related(Prefetch("stages", queryset=stages))
        prefetch_related_objects([plan], Prefetch("phases", queryset=phases),
                                 Prefetch("work_areas", queryset=WorkArea.objects.order_by("order", "id")))
        return plan


class TaskFilters(serializers.Serializer):
    OVERDUE = "overdue"

    plan = _id()
    phase = _id()
    stage = _id()
    status = _choice([*Task.Status.choices, (OVERDUE, "已逾期")], help_text="任务状态；overdue 为已逾期未完成。")
    unit = _id(help_text="负责单位（牵头或配合）的 id：列出该单位须承担的任务。")
    work_area = _id(help_text="工作板块的 id（计划的 work_areas）：列出归入该板块的任务。")


class TaskList(Endpoint, ListAPIView):
    """Tasks of the plans one may read, filtered as on the plan page: phase, work area, status (overdue too), unit.
    Ordered by `due_on`, a task with no known due date comes last."""

    serializer_class = records.TaskSerializer
    filters = TaskFilters
    ordering_fields = ["due_on", "status", "progress", "number"]
    ordering = ["stage__phase__plan_id", "stage__phase__order", "stage__order", "order"]

    def get_queryset(self) -> QuerySet[Task]:
        return access.tasks_visible_to(self.request.user).with_schedule().select_related("work_area")

    def filter_by(self, queryset, wanted):
        if wanted.get("work_area"):
            queryset = queryset.filter(work_area_id=wanted["work_area"])
        if wanted.get("plan"):
            queryset = queryset.filter(stage__phase__plan_id=wanted["plan"])
        if wanted.get("phase"):
            queryset = queryset.filter(stage__phase_id=wanted["phase"])
        if wanted.get("stage"):
            queryset = queryset.filter(stage_id=wanted["stage"])
        if wanted.get("status") == TaskFilters.OVERDUE:
            queryset = queryset.overdue_on(timezone.localdate())
        elif wanted.get("status"):
            queryset = queryset.filter(status=wanted["status"])
        if wanted.get("unit"):
            unit = access.units_visible_to(self.request.user).filter(pk=wanted["unit"]).first()
            queryset = queryset.for_unit(unit) if unit is not None else queryset.none()
        return queryset


class TaskDetail(Endpoint, RetrieveAPIView):
    serializer_class = records.TaskSerializer
    queryset = Task.objects.none()

    def get_object(self) -> Task:
        return access.get_task_for_user(self.request.user, self.kwargs["pk"])


# --- Quotas -----------------------------------------------------------------------------------------------------


class QuotaFilters(serializers.Serializer):
    institution = _id()
    plan = _id()
    scope = _choice(Quota.Scope.choices)


def _evaluated(quotas: list[Quota]) -> list[metrics.QuotaResult]:
    """Each quota's value computed from live data today (per college where it is set per college)."""
    colleges = metrics.colleges_by_institution({quota.institution_id for quota in quotas})
    return metrics.evaluate(quotas, colleges, timezone.localdate())


class QuotaList(Endpoint, ListAPIView):
    """The quotas (指标) with their values computed from live data, per college where they are set per college."""

    serializer_class = figures.QuotaSerializer
    filters = QuotaFilters
    ordering_fields = ["order", "name", "deadline"]
    ordering = ["institution__code", "order"]

    def get_queryset(self) -> QuerySet[Quota]:
        return access.quotas_visible_to(self.request.user).select_related("plan", "institution")

    def filter_by(self, queryset, wanted):
        for name in ("institution", "plan", "scope"):
            if wanted.get(name):
                queryset = queryset.filter(**{f"{name}_id" if name != "scope" else name: wanted[name]})
        return queryset

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(_evaluated(list(page)), many=True).data)


class QuotaDetail(Endpoint, RetrieveAPIView):
    serializer_class = figures.QuotaSerializer
    queryset = Quota.objects.none()

    def get_object(self) -> metrics.QuotaResult:
        (result,) = _evaluated([access.get_quota_for_user(self.request.user, self.kwargs["pk"])])
        return result


# --- The roster -------------------------------------------------------------------------------------------------


class VolunteerFilters(serializers.Serializer):
    ELIGIBLE, PARTICIPATING, BACKBONE, NOT_ELIGIBLE = "eligible", "participating", "backbone", "not_eligible"

    q = serializers.CharField(required=False, max_length=50, help_text="姓名（包含）或工号（完全一致）。")
    unit = _id()
    layer = _choice(Volunteer.Layer.choices)
    status = _choice([(ELIGIBLE, "有条件"), (PARTICIPATING, "参与"), (BACKBONE, "骨干"), (NOT_ELIGIBLE, "无条件")])


class VolunteerList(Endpoint, ListAPIView):
    """The roster one may see: a secretary or liaison her own unit's people. `phone` is null where the roster page
    shows no phone number (leaders; another unit's people)."""

    serializer_class = records.VolunteerSerializer
    filters = VolunteerFilters
    ordering_fields = ["name", "staff_number", "retired_year"]
    ordering = ["unit__order", "unit__name", "name"]

    def get_queryset(self) -> QuerySet[Volunteer]:
        return access.volunteers_visible_to(self.request.user).for_roster()

    def filter_by(self, queryset, wanted):
        if wanted.get("unit"):
            queryset = queryset.filter(unit_id=wanted["unit"])
        if wanted.get("layer"):
            queryset = queryset.filter(layer=wanted["layer"])
        status = wanted.get("status")
        if status == VolunteerFilters.NOT_ELIGIBLE:
            queryset = queryset.filter(eligible=False)
        elif status:
            queryset = queryset.filter(**{status: True})
        text = wanted.get("q", "").strip()
        if text:
            queryset = queryset.filter(Q(name__icontains=text) | Q(staff_number=text))
        return queryset


class VolunteerDetail(Endpoint, RetrieveAPIView):
    serializer_class = records.VolunteerSerializer
    queryset = Volunteer.objects.none()

    def get_object(self) -> Volunteer:
        volunteer = access.get_volunteer_for_user(self.request.user, self.kwargs["pk"])
        return Volunteer.objects.for_roster().get(pk=volunteer.pk)


# --- Platforms and the ledger -----------------------------------------------------------------------------------


class PlatformFilters(serializers.Serializer):
    institution = _id()
    level = _choice(WorkPlatform.Level.choices)
    owner = _id(help_text="所属单位的 id。")
    brand = _choice(WorkPlatform.Brand.choices)


class PlatformList(Endpoint, ListAPIView):
    """The work platforms (工作平台) of one's institution: level, owner, brand, the 三有三化 checklist."""

    serializer_class = records.PlatformSerializer
    filters = PlatformFilters
    ordering_fields = ["name", "level", "brand"]
    ordering = ["institution_id", "-level", "name"]

    def get_queryset(self) -> QuerySet[WorkPlatform]:
        return access.platforms_visible_to(self.request.user).for_list()

    def filter_by(self, queryset, wanted):
        for name in ("level", "brand"):
            if wanted.get(name):
                queryset = queryset.filter(**{name: wanted[name]})
        if wanted.get("owner"):
            queryset = queryset.filter(owner_id=wanted["owner"])
        if wanted.get("institution"):
            queryset = queryset.filter(institution_id=wanted["institution"])
        return queryset


class PlatformDetail(Endpoint, RetrieveAPIView):
    serializer_class = records.PlatformSerializer
    queryset = WorkPlatform.objects.none()

    def get_object(self) -> WorkPlatform:
        platform = access.get_platform_for_user(self.request.user, self.kwargs["pk"])
        return access.platforms_visible_to(self.request.user).for_list().get(pk=platform.pk)


class ActivityFilters(serializers.Serializer):
    unit = _id()
    platform = _id()
    kind = _choice(Activity.Kind.choices)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data: dict) -> dict:
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The end of the period cannot be before its start.")]})
        return data


def ledger_rows(user, entries: QuerySet[Activity]) -> QuerySet[Activity]:
    """Entries as the ledger shows them, each with `named_retirees`: only the people the reader may see."""
    return entries.for_ledger().prefetch_related(
        Prefetch("retirees", queryset=access.volunteers_visible_to(user).order_by("name", "id"),
                 to_attr="named_retirees"))


class ActivityList(Endpoint, ListAPIView):
    """The ledger (工作台账): staff and leaders read every unit's, a secretary or liaison her own unit's."""

    serializer_class = records.ActivitySerializer
    filters = ActivityFilters
    ordering_fields = ["date", "title", "recorded_at"]
    ordering = ["-date", "-id"]

    def get_queryset(self) -> QuerySet[Activity]:
        return ledger_rows(self.request.user, access.activities_visible_to(self.request.user))

    def filter_by(self, queryset, wanted):
        for name in ("unit", "platform"):
            if wanted.get(name):
                queryset = queryset.filter(**{f"{name}_id": wanted[name]})
        if wanted.get("kind"):
            queryset = queryset.filter(kind=wanted["kind"])
        return queryset.between(wanted.get("date_from"), wanted.get("date_to"))


def ledger_entry(user, pk: int) -> Activity:
    entry = access.get_activity_for_user(user, pk)
    return ledger_rows(user, Activity.objects.filter(pk=entry.pk)).prefetch_related("evidence__uploaded_by").get()


# --- Self-assessments, rectifications, reviews ------------------------------------------------------------------


class AssessmentFilters(serializers.Serializer):
    round = _id()
    unit = _id()
    status = _choice(Assessment.Status.choices)


class AssessmentList(Endpoint, ListAPIView):
    """Self-assessments (自评): staff and leaders read every unit's, a secretary her own college's."""

    serializer_class = figures.AssessmentSerializer
    filters = AssessmentFilters
    ordering_fields = ["submitted_at", "status"]
    ordering = ["-round__due_on", "unit__order", "unit__name"]

    def get_queryset(self) -> QuerySet[Assessment]:
        return access.assessments_visible_to(self.request.user).select_related("round__standard", "unit")

    def filter_by(self, queryset, wanted):
        for name in ("round", "unit"):
            if wanted.get(name):
                queryset = queryset.filter(**{f"{name}_id": wanted[name]})
        if wanted.get("status"):
            queryset = queryset.filter(status=wanted["status"])
        return queryset


class AssessmentDetail(Endpoint, RetrieveAPIView):
    """A self-assessment with every item of its standard: self-score, gap, measure, review score and comment."""

    serializer_class = figures.AssessmentDetailSerializer
    queryset = Assessment.objects.none()

    def get_object(self) -> Assessment:
        assessment = access.get_assessment_for_user(self.request.user, self.kwargs["pk"])
        entries = list(assessment.entries.select_related("item__group", "reviewed_by").prefetch_related("evidence")
                       .order_by("item__group__order", "item__order", "id"))
        assessment.entry_rows = entries
        assessment.totals = assessment_totals(entries)[1]
        return assessment


class RectificationFilters(serializers.Serializer):
    status = _choice(Rectification.Status.choices)
    source = _choice(Rectification.Source.choices)
    unit = _id()
    overdue = serializers.BooleanField(required=False, help_text="true：只列已过期限、尚未完成的。")


class RectificationList(Endpoint, ListAPIView):
    """The rectification list (整改清单): staff and leaders the whole list, a secretary or liaison her unit's."""

    serializer_class = figures.RectificationSerializer
    filters = RectificationFilters
    ordering_fields = ["deadline", "status", "created_at"]
    ordering = ["deadline"]

    def get_queryset(self) -> QuerySet[Rectification]:
        return access.rectifications_visible_to(self.request.user).select_related("unit")

    def filter_by(self, queryset, wanted):
        for name in ("status", "source"):
            if wanted.get(name):
                queryset = queryset.filter(**{name: wanted[name]})
        if wanted.get("unit"):
            queryset = queryset.filter(unit_id=wanted["unit"])
        if wanted.get("overdue"):
            queryset = queryset.exclude(status__in=Rectification.CLOSED).filter(deadline__lt=timezone.localdate())
        return queryset


class RectificationDetail(Endpoint, RetrieveAPIView):
    serializer_class = figures.RectificationSerializer
    queryset = Rectification.objects.none()

    def get_object(self) -> Rectification:
        return access.get_rectification_for_user(self.request.user, self.kwargs["pk"])


def _review_reader(user) -> None:
    """The review pages are for staff, leaders and reviewers: a secretary or liaison is refused, as there."""
    if access.role_of(user) not in REVIEW_READERS:
        raise PermissionDenied


class ReviewList(Endpoint, ListAPIView):
    """Reviews of one's institution (片区评议, 合格认定 …) with their dated steps; a reviewer those he reviews."""

    serializer_class = figures.ReviewSerializer
    ordering_fields = ["name"]
    ordering = ["institution_id", "name"]

    def get_queryset(self) -> QuerySet[Review]:
        _review_reader(self.request.user)
        return access.reviews_visible_to(self.request.user).select_related("zone").prefetch_related("steps")


class ReviewDetail(Endpoint, RetrieveAPIView):
    """A review with its steps and the opinions written on it."""

    serializer_class = figures.ReviewDetailSerializer
    queryset = Review.objects.none()

    def get_object(self) -> Review:
        review = access.get_review_for_user(self.request.user, self.kwargs["pk"])
        review.opinion_rows = list(review.opinions.select_related("author").order_by("occurred_on", "created_at",
                                                                                     "id"))
        return review


# --- The dashboard and its snapshots ---------------------------------------------------------------------------


class DashboardQuery(serializers.Serializer):
    institution = _id(help_text="管理员可选学校；其他人只能是本校。")
    college = _id(help_text="学院页面：该学院的数字（二级关工委秘书只能是本学院）。")
    as_of = serializers.DateField(required=False, help_text="截至某一天的数字（不晚于今天）；默认今天的实时数据。")

    def validate_as_of(self, day):
        if day > timezone.localdate():
            raise serializers.ValidationError(_("Choose today or a day in the past."))
        if day < EARLIEST:
            raise serializers.ValidationError(_("The portal holds no records before %(year)s.")
                                              % {"year": EARLIEST.year})
        return day


class DashboardView(Endpoint):
    """The dashboard's figures, as on the page: the whole institution's (leaders, staff, administrators) or one
    college's (`college`; a secretary gets her own college's by default); today's, or as of a past day."""

    serializer_class = figures.DashboardSerializer

    @extend_schema(parameters=[DashboardQuery], responses=figures.DashboardSerializer)
    def get(self, request, *args, **kwargs) -> Response:
        query = DashboardQuery(data={key: value for key, value in request.query_params.items() if value != ""})
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        user = request.user
        college_pk = wanted.get("college")
        if college_pk is None and access.role_of(user) == access.Role.SECRETARY:
            college_pk = access.profile_of(user).unit_id  # her page is her college's, as the page's redirect says
        if college_pk is not None:
            college = access.get_college_for_dashboard(user, college_pk)
            institution, unit = college.institution, college
        else:
            if not access.can_see_dashboard(user):
                raise PermissionDenied
            institutions = access.dashboard_institutions(user)
            chosen = wanted.get("institution")
            institution = get_object_or_404(institutions, pk=chosen) if chosen else institutions.first()
            if institution is None:
                raise PermissionDenied
            unit = None
        dashboard = build_dashboard(institution, wanted.get("as_of"), unit=unit)
        return Response(self.get_serializer(dashboard).data)


def _dashboard_reader(user) -> None:
    if not access.can_see_dashboard(user):
        raise PermissionDenied


class SnapshotFilters(serializers.Serializer):
    institution = _id()


class SnapshotList(Endpoint, ListAPIView):
    """Reporting snapshots: the dashboard frozen under a name, as officially reported."""

    serializer_class = figures.SnapshotSerializer
    filters = SnapshotFilters
    ordering_fields = ["as_of", "created_at", "name"]
    ordering = ["institution_id", "-created_at"]

    def get_queryset(self) -> QuerySet[ReportSnapshot]:
        _dashboard_reader(self.request.user)
        return access.snapshots_visible_to(self.request.user).select_related("created_by")

    def filter_by(self, queryset, wanted):
        if wanted.get("institution"):
            queryset = queryset.filter(institution_id=wanted["institution"])
        return queryset


class SnapshotDetail(Endpoint, RetrieveAPIView):
    """A snapshot with every figure it froze, exactly as reported then."""

    serializer_class = figures.SnapshotDetailSerializer
    queryset = ReportSnapshot.objects.none()

    def get_object(self) -> ReportSnapshot:
        _dashboard_reader(self.request.user)
        snapshot = get_object_or_404(
            access.snapshots_visible_to(self.request.user).select_related("created_by"), pk=self.kwargs["pk"])
        snapshot.dashboard = from_json(snapshot.data)
        return snapshot
