"""An evidence file's content through the API, under the rule of the page's download (`access.get_evidence_for_user`:
whoever may see the record the file supports; another institution's file, or one the reader may not see, is a 404).

A task update's or a ledger entry's `evidence` lists each file with its `download` address, so a program that
uploaded evidence (POST tasks/{id}/updates/, POST ledger/) reads it back the same way.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from tracker import access
from tracker.api.listing import Endpoint
from tracker.api.serializers import writes
from tracker.org.models import EvidenceFile


class EvidenceDownload(Endpoint):
    """The file as uploaded, under its original name (`Content-Disposition: attachment`), never rendered inline."""

    queryset = EvidenceFile.objects.none()

    @extend_schema(
        operation_id="evidence_download",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="文件内容。"),
            401: OpenApiResponse(writes.ErrorSerializer, description="未登录，或令牌无效、已过期、已撤销。"),
            403: OpenApiResponse(writes.ErrorSerializer, description="评议专家只能读取评议材料。"),
            404: OpenApiResponse(writes.ErrorSerializer, description="文件不存在，或其所属记录不能查看。"),
            429: OpenApiResponse(writes.ErrorSerializer, description="请求过于频繁。"),
        },
    )
    def get(self, request, *args, **kwargs) -> FileResponse:
        evidence = access.get_evidence_for_user(request.user, self.kwargs["pk"])
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404("evidence file missing from storage") from missing
        response = FileResponse(handle, as_attachment=True, filename=evidence.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        # A file is never changed once uploaded: If-Modified-Since answers 304 (a stream carries no ETag).
        response["Last-Modified"] = http_date(evidence.uploaded_at.timestamp())
        return response
