"""The shape of what the API takes: a task's progress update and a ledger entry. As the portal's forms, they check
only the shape (types, lengths, ids the writer may name); every rule about what may be saved is the service's."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from tracker import access
from tracker.api.errors import UnknownFields
from tracker.api.serializers.records import person_name
from tracker.org.models import OrgUnit
from tracker.plans.models import Task
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform
from tracker.work.services.platforms import ActivityFields

FILES_HELP = "佐证材料：PDF、Word、Excel、JPG 或 PNG，以 multipart/form-data 上传，可重复 files 字段上传多个。"


def refuse_unknown_fields(serializer: serializers.Serializer, data) -> None:
    """A field the request names that the serializer does not take is refused (400 unknown_fields), so a misspelt
    field is never silently dropped."""
    unknown = sorted(set(data.keys()) - set(serializer.fields)) if hasattr(data, "keys") else []
    if unknown:
        raise UnknownFields({name: [_("This address takes no field of this name.")] for name in unknown})


class TaskUpdateWriteSerializer(serializers.Serializer):
    """A dated progress report on a task, as on the task's page. Status and progress only from those who steer
    the task (its lead unit's liaison, committee staff); others report with a note or evidence."""

    version = serializers.IntegerField(min_value=1, help_text="读取任务时它的 version；若其后有人更新过，返回 409。")
    date = serializers.DateField(required=False, help_text="进展的日期，默认今天；不能晚于今天。")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    status = serializers.ChoiceField(choices=Task.Status.choices, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, help_text=FILES_HELP)


class ActivityWriteSerializer(serializers.Serializer):
    """A ledger entry, as on the ledger's form. The ids offered are those the writer may see (another institution's
    is refused as not existing); the service then checks that she keeps the unit."""

    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    title = serializers.CharField(max_length=200)
    platform = serializers.PrimaryKeyRelatedField(queryset=WorkPlatform.objects.none(), required=False,
                                                  allow_null=True, default=None)
    retirees = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none(), many=True, required=False,
                                                  default=list, help_text="参与的离退休老同志（名册中的 id）。")
    retiree_count = serializers.IntegerField(min_value=0, required=False, default=0,
                                             help_text="参与的老同志总人数，不少于 retirees 列出的人数。")
    youth_count = serializers.IntegerField(min_value=0, required=False, default=0)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, help_text=FILES_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema's generator: no reader, nothing to offer
            return
        user = request.user
        self.fields["unit"].queryset = access.units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
        self.fields["platform"].queryset = access.platforms_visible_to(user)
        self.fields["retirees"].child_relation.queryset = access.volunteers_visible_to(user)

    def to_fields(self) -> ActivityFields:
        data = self.validated_data
        return ActivityFields(
            unit=data["unit"], date=data["date"], kind=data["kind"], title=data["title"], platform=data["platform"],
            retirees=tuple(data["retirees"]), retiree_count=data["retiree_count"], youth_count=data["youth_count"],
            notes=data["notes"],
        )


class ActivityUpdateSerializer(ActivityWriteSerializer):
    version = serializers.IntegerField(min_value=1, help_text="读取台账条目时它的 version；若其后有人改过，返回 409。")


# --- Refusals ----------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a sentence in Chinese for people, a stable code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="稳定的错误代码，见 docs/api.md。")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="400：每个字段的错误。")


class ChangeSerializer(serializers.Serializer):
    """A version someone else saved (a ledger entry's history record)."""

    version = serializers.IntegerField()
    changed_at = serializers.DateTimeField(source="history_date")
    changed_by = serializers.SerializerMethodField()

    def get_changed_by(self, record) -> str:
        return person_name(record.history_user)


class StaleSerializer(ErrorSerializer):
    """409: someone saved after the version sent. Read the record again, look at `changes`, then send again."""

    current_version = serializers.IntegerField()
    changes = serializers.ListField(child=serializers.DictField(), help_text="其间别人保存的内容。")
