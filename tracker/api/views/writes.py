"""The API's writes: a task's progress update (with evidence files) and a ledger entry (new, or changed at a version).

Each goes through the service the page uses (`plans.services.task_add_update`, `work.services.platforms
.activity_create` / `activity_update`), so the rules, the stale-version refusal and the history are the same. A
request the API refuses leaves nothing stored: the shape is checked before the service is called, and the service
checks everything (files included) before it saves, in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from tracker import access
from tracker.api.errors import forbidden, stale, too_large
from tracker.api.listing import Endpoint
from tracker.api.serializers import records, writes
from tracker.api.views.reads import ActivityList, ledger_entry
from tracker.org.uploads import check_evidence_file
from tracker.org.versions import StaleEditError
from tracker.plans.models import TaskUpdate
from tracker.plans.services import task_add_update
from tracker.work.models.platforms import Activity
from tracker.work.services.platforms import activity_create, activity_update

REFUSALS = {
    400: OpenApiResponse(writes.ErrorSerializer,
                         description="字段有误（errors 列出每个字段的问题）；未知字段；文件类型不符。"),
    401: OpenApiResponse(writes.ErrorSerializer, description="未登录，或令牌无效、已过期、已撤销。"),
    403: OpenApiResponse(writes.ErrorSerializer, description="无权执行（例如不是该任务的责任单位）。"),
    404: OpenApiResponse(writes.ErrorSerializer, description="对象不存在，或不属于本校。"),
    409: OpenApiResponse(writes.StaleSerializer, description="读取之后别人已保存：changes 为其间的改动。"),
    413: OpenApiResponse(writes.ErrorSerializer, description="文件超过大小上限。"),
    429: OpenApiResponse(writes.ErrorSerializer, description="请求过于频繁（Retry-After 头给出等待秒数）。"),
}


def _checked_shape(serializer) -> dict:
    writes.refuse_unknown_fields(serializer, serializer.initial_data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _refuse_too_large(files) -> None:
    """A file over the size limit is a 413 before anything else is looked at (other file checks are the service's,
    a 400 with the field's messages)."""
    for upload in files:
        try:
            check_evidence_file(upload)
        except ValidationError as error:
            if error.code == "size":
                raise too_large(error.messages[0]) from None


# --- A task's updates ---------------------------------------------------------------------------------------


class TaskUpdates(Endpoint, ListAPIView):
    """GET: the task's log of dated updates, newest first. POST: add an update (a note, evidence files, and, for those
    who steer the task, its status and progress), at the task's `version` as read."""

    serializer_class = records.TaskUpdateSerializer
    ordering_fields = ["date", "created_at"]
    ordering = ["-date", "-created_at"]

    def get_queryset(self):
        task = access.get_task_for_user(self.request.user, self.kwargs["pk"])
        return TaskUpdate.objects.filter(task=task).for_log().prefetch_related("evidence__uploaded_by")

    @extend_schema(request=writes.TaskUpdateWriteSerializer,
                   responses={201: records.TaskUpdateCreatedSerializer, **REFUSALS})
    def post(self, request, *args, **kwargs) -> Response:
        user = request.user
        task = access.get_task_for_user(user, self.kwargs["pk"])
        if not access.can_report_on_task(user, task):
            raise PermissionDenied
        shape = writes.TaskUpdateWriteSerializer(data=request.data, context=self.get_serializer_context())
        data = _checked_shape(shape)
        steering = "status" in data or "progress" in data
        if steering and not access.can_set_task_status(user, task):
            raise forbidden(_("You may report on this task, but not change its status or progress: "
                              "send a note or evidence only."))
        _refuse_too_large(data["files"])
        try:
            update = task_add_update(
                actor=user, task=task, loaded_version=data["version"], date=data.get("date") or timezone.localdate(),
                note=data["note"], status=data.get("status"), progress=data.get("progress"), files=data["files"],
            )
        except StaleEditError as refused:
            current = access.get_task_for_user(user, task.pk)
            raise stale(_("Someone else updated this task after the version you sent. Read it again, look at their "
                          "changes, then send your update again."), current.version,
                        records.TaskUpdateSerializer(refused.changes, many=True).data) from None
        update = TaskUpdate.objects.for_log().prefetch_related("evidence__uploaded_by").get(pk=update.pk)
        body = records.TaskUpdateCreatedSerializer(
            {"update": update, "task": access.get_task_for_user(user, task.pk)}, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


# --- The ledger ----------------------------------------------------------------------------------------------


def _changes_of(refused: StaleEditError) -> list:
    return writes.ChangeSerializer(refused.changes, many=True).data


class Ledger(ActivityList):
    """GET: the ledger, filtered as on its page. POST: record an entry for a unit one keeps, with evidence files."""

    @extend_schema(request=writes.ActivityWriteSerializer,
                   responses={201: records.ActivityDetailSerializer,
                              **{code: REFUSALS[code] for code in (400, 401, 403, 413, 429)}})
    def post(self, request, *args, **kwargs) -> Response:
        user = request.user
        if not access.units_editable_by(user).exists():
            raise PermissionDenied
        shape = writes.ActivityWriteSerializer(data=request.data, context=self.get_serializer_context())
        data = _checked_shape(shape)
        _refuse_too_large(data["files"])
        entry = activity_create(actor=user, fields=shape.to_fields(), files=data["files"])
        body = records.ActivityDetailSerializer(ledger_entry(user, entry.pk), context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


class LedgerEntry(Endpoint):
    """GET: one ledger entry with its evidence. PUT: change it (every field, as the form sends them) at the
    `version` read; more evidence files may come with it (those attached stay)."""

    serializer_class = records.ActivityDetailSerializer
    queryset = Activity.objects.none()

    def get(self, request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(ledger_entry(request.user, self.kwargs["pk"])).data)

    @extend_schema(request=writes.ActivityUpdateSerializer,
                   responses={200: records.ActivityDetailSerializer, **REFUSALS})
    def put(self, request, *args, **kwargs) -> Response:
        user = request.user
        entry = access.get_activity_for_user(user, self.kwargs["pk"])
        if not access.can_keep_unit_records(user, entry.unit):
            raise PermissionDenied
        shape = writes.ActivityUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data = _checked_shape(shape)
        _refuse_too_large(data["files"])
        try:
            activity_update(actor=user, activity=entry, loaded_version=data["version"], fields=shape.to_fields(),
                            files=data["files"])
        except StaleEditError as refused:
            current = access.get_activity_for_user(user, entry.pk)
            raise stale(_("Someone else changed this ledger entry after the version you sent. Read it again, look at "
                          "their changes, then send yours again."), current.version, _changes_of(refused)) from None
        return Response(self.get_serializer(ledger_entry(user, entry.pk)).data)
