"""What the API shows of the portal's records: the fields the pages show, to those who see the pages.

Serializers only shape; they never decide who may see what. The views hand them rows already narrowed by
tracker/access.py, and the context carries the reader (`request.user`) for the two per-field rules the pages also
keep: phone numbers (`access.can_see_phone`) and naming another unit's volunteers (`access.may_name_volunteer`).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker import access
from tracker.org.models import EvidenceFile, Institution, OrgUnit
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate, WorkArea
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform


def person_name(user) -> str:
    """How the pages name an account: the full name, else the user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class PersonField(serializers.Field):
    """An account as its name (never its e-mail or id)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return person_name(value)


extend_schema_field(OpenApiTypes.STR)(PersonField)


def label_of(model, field: str, **kwargs) -> serializers.CharField:
    """The Chinese label of a choice field (`status_label` beside `status`)."""
    return serializers.CharField(source=f"get_{field}_display", read_only=True, **kwargs)


class UnitRef(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class VolunteerRef(serializers.ModelSerializer):
    class Meta:
        model = Volunteer
        fields = ["id", "name", "unit_id"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = PersonField()
    download = serializers.SerializerMethodField(help_text="下载该文件的 API 地址（GET，同样需要令牌）。")

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "kind", "size", "uploaded_by", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, evidence: EvidenceFile) -> str:
        path = reverse("api:evidence-download", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- Institutions and units -------------------------------------------------------------------------


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "short_name", "code"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    kind_label = label_of(OrgUnit, "kind")

    class Meta:
        model = OrgUnit
        fields = ["id", "institution", "parent", "kind", "kind_label", "name", "short_name", "order", "retired_on"]
        read_only_fields = fields


# --- Plans, tasks and their updates -------------------------------------------------------------------


class TaskPartySerializer(serializers.ModelSerializer):
    role_label = label_of(TaskParty, "role")
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = TaskParty
        fields = ["role", "role_label", "kind", "unit", "unit_name"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    """A task of the plan, with when it is due (its own date, else the first known end of its stage, phase and plan;
    null when none is known) and who answers for it."""

    plan = serializers.IntegerField(source="stage.phase.plan_id", read_only=True)
    phase = serializers.IntegerField(source="stage.phase_id", read_only=True)
    code = serializers.CharField(read_only=True, help_text="任务编号，按文件的写法（如 15 或 二.3）。")
    work_area_name = serializers.CharField(source="work_area.name", read_only=True, default=None, allow_null=True,
                                           help_text="贯穿各阶段的工作板块（如 队伍建设）；未归入板块为 null。")
    start = serializers.DateField(read_only=True, allow_null=True,
                                  help_text="开始日期：任务自己的，否则阶段、时期、计划的；节点任务为其日期。")
    due = serializers.DateField(read_only=True, allow_null=True,
                                help_text="完成期限：任务自己的，否则阶段、时期、计划的截止日期；都未写明为 null。")
    overdue = serializers.SerializerMethodField()
    status_label = label_of(Task, "status")
    parties = TaskPartySerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ["id", "plan", "phase", "stage", "order", "number", "code", "title", "text", "work_area",
                  "work_area_name", "milestone", "start", "due", "status", "status_label", "progress", "done_on",
                  "overdue", "version", "parties"]
        read_only_fields = fields
        extra_kwargs = {"milestone": {"help_text": "true：单一日期的节点事件（如 收到通知、举办培训），日期为 due。"}}

    def get_overdue(self, task: Task) -> bool:
        return task.is_overdue_on(timezone.localdate())


class TaskBriefSerializer(TaskSerializer):
    class Meta(TaskSerializer.Meta):
        fields = ["id", "order", "number", "code", "title", "work_area", "milestone", "start", "due", "status",
                  "status_label", "progress", "overdue", "version"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    window = serializers.CharField(read_only=True, help_text="时间段，按文件的写法（如 2021.7-12）；未写明为空。")
    tasks = TaskBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "order", "goal", "start_date", "end_date", "window", "version", "tasks"]
        read_only_fields = fields


class PhaseSerializer(serializers.ModelSerializer):
    window = serializers.CharField(read_only=True)
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "order", "name", "description", "start_date", "end_date", "window", "version", "stages"]
        read_only_fields = fields


class WorkAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkArea
        fields = ["id", "order", "name"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its overall window (either end may be unknown: null) and how many of its tasks are done."""

    window = serializers.CharField(read_only=True, help_text="计划的总时间段，按文件的写法；未写明为空。")
    task_total = serializers.IntegerField(read_only=True)
    task_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "institution", "title", "attachment_title", "document_number", "issued_on", "start_date",
                  "end_date", "window", "numbering_restarts_each_phase", "copied_from", "version", "task_total",
                  "task_done"]
        read_only_fields = fields
        extra_kwargs = {
            "copied_from": {"help_text": "由哪一份（上一周期的）计划复制而来；非复制或原计划已删除为 null。"},
        }


class PlanDetailSerializer(PlanSerializer):
    """A plan with its work areas (a second grouping of its tasks, across phases) and its phases → stages → tasks."""

    work_areas = WorkAreaSerializer(many=True, read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "work_areas", "phases"]
        read_only_fields = fields


class TaskUpdateSerializer(serializers.ModelSerializer):
    author = PersonField()
    unit = UnitRef(read_only=True, allow_null=True)
    status_label = label_of(TaskUpdate, "status")
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = TaskUpdate
        fields = ["id", "task", "date", "created_at", "author", "unit", "note", "status", "status_label", "progress",
                  "task_version", "evidence"]
        read_only_fields = fields


class TaskUpdateCreatedSerializer(serializers.Serializer):
    update = TaskUpdateSerializer(read_only=True)
    task = TaskSerializer(read_only=True)


# --- The roster -----------------------------------------------------------------------------------------


class VolunteerSerializer(serializers.ModelSerializer):
    """A person on the roster. `phone` is null for a reader whose pages do not show it (leaders, another unit)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    phone = serializers.SerializerMethodField()
    specialities = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    gender_label = label_of(Volunteer, "gender")
    category_label = label_of(Volunteer, "category")
    layer_label = label_of(Volunteer, "layer")

    class Meta:
        model = Volunteer
        fields = ["id", "institution", "unit", "unit_name", "staff_number", "name", "gender", "gender_label",
                  "birth_year", "retired_year", "former_post", "former_unit", "category", "category_label",
                  "party_member", "phone", "layer", "layer_label", "eligible", "participating", "backbone",
                  "specialities", "active_from", "active_to", "version"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, volunteer: Volunteer) -> str | None:
        if access.can_see_phone(self.context["request"].user, volunteer):
            return volunteer.phone
        return None


# --- Platforms and the ledger ---------------------------------------------------------------------------


class PlatformSerializer(serializers.ModelSerializer):
    """A work platform. Its volunteer co-leader is named only to readers who may see that person (as on the page);
    `has_volunteer_leader` tells the others there is one."""

    owner = UnitRef(read_only=True)
    host = UnitRef(read_only=True, allow_null=True)
    volunteer_leader = serializers.SerializerMethodField()
    has_volunteer_leader = serializers.SerializerMethodField()
    level_label = label_of(WorkPlatform, "level")
    brand_label = label_of(WorkPlatform, "brand")
    volunteer_total = serializers.IntegerField(read_only=True, help_text="参与的志愿者人数（含不能列名的）。")

    class Meta:
        model = WorkPlatform
        fields = ["id", "institution", "name", "level", "level_label", "owner", "host", "serving_leader",
                  "volunteer_leader", "has_volunteer_leader", "description", "has_substance", "has_goals",
                  "has_plan", "institutionalised", "standardised", "branded", "brand", "brand_label",
                  "recognised_by", "recognised_on", "active_from", "active_to", "volunteer_total", "version"]
        read_only_fields = fields

    @extend_schema_field(VolunteerRef(allow_null=True))
    def get_volunteer_leader(self, platform: WorkPlatform) -> dict | None:
        leader = platform.volunteer_leader
        if leader is None or not access.may_name_volunteer(self.context["request"].user, leader):
            return None
        return VolunteerRef(leader).data

    def get_has_volunteer_leader(self, platform: WorkPlatform) -> bool:
        return platform.volunteer_leader_id is not None


class ActivitySerializer(serializers.ModelSerializer):
    """A ledger entry. `retirees` names only the people the reader may see; `retiree_count` counts everyone."""

    unit = UnitRef(read_only=True)
    platform = serializers.SerializerMethodField()
    kind_label = label_of(Activity, "kind")
    recorded_by = PersonField()
    retirees = VolunteerRef(source="named_retirees", many=True, read_only=True)
    evidence_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "unit", "platform", "date", "kind", "kind_label", "title", "retirees", "retiree_count",
                  "youth_count", "notes", "recorded_by", "recorded_at", "evidence_total", "version"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True,
                          "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_platform(self, activity: Activity) -> dict | None:
        platform = activity.platform
        return None if platform is None else {"id": platform.pk, "name": platform.name}


class ActivityDetailSerializer(ActivitySerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "evidence"]
        read_only_fields = fields
