"""Evidence downloads: only to those who may see the record the file supports."""

from django.http import FileResponse, Http404, HttpRequest

from tracker import access


def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = access.get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("evidence file missing from storage") from missing
    # as_attachment: never rendered inline by the browser; the original (often Chinese) name is kept.
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)
