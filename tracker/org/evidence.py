"""Storing evidence files (佐证材料): one way for every record they support."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from tracker.org.models import EvidenceFile
from tracker.org.uploads import check_evidence_file


def store_evidence(files: Sequence[UploadedFile], actor: AbstractBaseUser, **owner) -> list[EvidenceFile]:
    """Save each checked upload under a generated name as evidence of `owner` (e.g. `update=…`, `activity=…`,
    `entry=…`, `rectification=…`), recorded as uploaded by `actor`. Callers check the files first."""
    stored = []
    for upload in files:
        evidence = EvidenceFile(original_name=upload.name, size=upload.size, kind=check_evidence_file(upload),
                                uploaded_by=actor, **owner)
        evidence._history_user = actor
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored
