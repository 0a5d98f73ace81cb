"""Writes on quotas: a value entered by hand, with its evidence, for a quota that no data can answer."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import EvidenceFile, OrgUnit
from tracker.org.uploads import check_evidence_file
from tracker.quotas.metrics import METRICS
from tracker.quotas.models import Quota, QuotaEntry


def quota_takes_values_by_hand(quota: Quota) -> bool:
    """Only a quota whose metric is entered by hand takes values: every other one is computed from data."""
    metric = METRICS.get(quota.metric)
    return metric is not None and metric.manual


@transaction.atomic
def quota_entry_create(
    *,
    actor: AbstractBaseUser,
    quota: Quota,
    unit: OrgUnit | None,
    value: Decimal,
    note: str,
    evidence: UploadedFile | None,
) -> QuotaEntry:
    """Record a value for a quota that no data can answer, with one evidence file and who entered it.

    A per-college quota takes a value for one college of its institution; a quota on the whole institution
    takes none. Who may: `access.can_enter_quota_value`.
    """
    errors: dict[str, list[str]] = {}
    if not quota_takes_values_by_hand(quota):
        raise ValidationError(_("This quota is computed from the portal's records; it takes no value by hand."))
    per_college = quota.scope == Quota.Scope.EACH_COLLEGE
    if per_college and unit is None:
        errors.setdefault("unit", []).append(_("Choose the college this value is for."))
    elif per_college and (unit.kind != OrgUnit.Kind.COLLEGE or unit.institution_id != quota.institution_id):
        errors.setdefault("unit", []).append(_("Choose a college of the quota's institution."))
    elif not per_college and unit is not None:
        errors.setdefault("unit", []).append(_("This quota is for the whole institution, not for one unit."))
    if errors:
        raise ValidationError(errors)
    if not access.can_enter_quota_value(actor, quota, unit):
        raise PermissionDenied("actor may not enter values for this quota and unit")

    if value is None:
        errors.setdefault("value", []).append(_("Enter the value."))
    elif value < 0:
        errors.setdefault("value", []).append(_("The value cannot be negative."))
    kind = None
    if evidence is None:
        errors.setdefault("evidence", []).append(_("Attach the evidence for this value."))
    else:
        try:
            kind = check_evidence_file(evidence)
        except ValidationError as error:
            errors.setdefault("evidence", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    # Check both rows before the file reaches storage, so a refused entry leaves no stray file behind.
    evidence_file = EvidenceFile(original_name=evidence.name, size=evidence.size, kind=kind, uploaded_by=actor)
    evidence_file.full_clean(exclude=["file"])
    entry = QuotaEntry(quota=quota, unit=unit, value=value, note=note.strip(), entered_by=actor)
    entry.full_clean(exclude=["evidence"])
    evidence_file._history_user = actor
    evidence_file.file.save(evidence.name, evidence, save=False)
    evidence_file.save()
    entry.evidence = evidence_file
    entry._history_user = actor
    entry.save()
    return entry
