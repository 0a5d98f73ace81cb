"""Quota pages: every quota with its live value and status; per college, with the records behind each number."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import changes_for
from tracker.org.models import OrgUnit
from tracker.quotas import metrics
from tracker.quotas.forms import QuotaEntryForm
from tracker.quotas.models import Quota, QuotaEntry
from tracker.quotas.services import quota_entry_create as create_entry
from tracker.quotas.services import quota_takes_values_by_hand


def records_url(reading: metrics.Reading | None) -> str | None:
    """The list holding the records a number counts (roster, platforms, ledger, menus), if that page exists."""
    if reading is None or reading.records is None:
        return None
    name, params = reading.records
    try:
        url = reverse(name)
    except NoReverseMatch:
        # Another area's list not installed (yet): show the number without a link rather than fail.
        return None
    return f"{url}?{urlencode(params)}" if params else url


def _quotas_for_page(user) -> list[Quota]:
    """The quotas the user may read, with plan and institution joined, in plan order."""
    return list(access.quotas_visible_to(user).select_related("plan", "institution").order_by(
        "institution__code", "order", "id"
    ))


def quota_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    quotas = _quotas_for_page(request.user)
    colleges = metrics.colleges_by_institution({quota.institution_id for quota in quotas})
    results = metrics.evaluate(quotas, colleges, today)
    # One table per institution (an administrator sees several), each row with the link to its records.
    groups = [
        (institution, [(result, records_url(result.reading)) for result in items], len(colleges[institution.pk]))
        for institution, items in groupby(results, key=lambda result: result.quota.institution)
    ]
    return render(request, "tracker/quotas/quota_list.html", {"groups": groups, "today": today})


@dataclass
class Row:
    """One college's line on a per-college quota's page."""

    unit: OrgUnit
    reading: metrics.Reading
    status: metrics.QuotaStatus
    records_url: str | None
    latest_entry: QuotaEntry | None


def _entry_units(user, quota: Quota, colleges: list[OrgUnit]) -> list[OrgUnit]:
    """The colleges this user may enter a value for (a secretary: her own; staff: all)."""
    return [college for college in colleges if access.can_enter_quota_value(user, quota, college)]


def _may_enter(user, quota: Quota, units: list[OrgUnit]) -> bool:
    if not quota_takes_values_by_hand(quota):
        return False
    if quota.scope == Quota.Scope.EACH_COLLEGE:
        return bool(units)
    return access.can_enter_quota_value(user, quota, None)


def _detail_page(request: HttpRequest, quota: Quota, *, form: QuotaEntryForm | None = None,
                 status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    colleges = metrics.colleges_by_institution([quota.institution_id]).get(quota.institution_id, [])
    (result,) = metrics.evaluate([quota], {quota.institution_id: colleges}, today)
    manual = quota_takes_values_by_hand(quota)
    entries = []
    if manual:
        entries = list(
            QuotaEntry.objects.filter(quota=quota).select_related("unit", "entered_by", "evidence")
            .order_by("-entered_at", "-id")
        )
    latest: dict[int | None, QuotaEntry] = {}
    for entry in entries:
        latest.setdefault(entry.unit_id, entry)
    rows = [
        Row(row.unit, row.reading, row.status, records_url(row.reading), latest.get(row.unit.pk))
        for row in result.rows
    ]
    units = _entry_units(request.user, quota, colleges) if manual else []
    if form is None and _may_enter(request.user, quota, units):
        form = QuotaEntryForm(quota=quota, units=units)
    context = {
        "quota": quota,
        "result": result,
        "rows": rows,
        "records_url": records_url(result.reading),
        "latest_entry": latest.get(None),
        "entries": entries,
        "manual": manual,
        "form": form,
        "today": today,
        "history": changes_for(quota),
    }
    return render(request, "tracker/quotas/quota_detail.html", context, status=status)


def quota_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quota = access.get_quota_for_user(request.user, pk)
    return _detail_page(request, quota)


@require_POST
def quota_entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    quota = access.get_quota_for_user(request.user, pk)
    if not quota_takes_values_by_hand(quota):
        messages.error(request, _("This quota is computed from the portal's records; it takes no value by hand."))
        return _detail_page(request, quota, status=400)
    colleges = metrics.colleges_by_institution([quota.institution_id]).get(quota.institution_id, [])
    units = _entry_units(request.user, quota, colleges)
    if not _may_enter(request.user, quota, units):
        raise PermissionDenied
    form = QuotaEntryForm(request.POST, request.FILES, quota=quota, units=units)
    if not form.is_valid():
        return _detail_page(request, quota, form=form, status=400)
    data = form.cleaned_data
    try:
        entry = create_entry(
            actor=request.user, quota=quota, unit=data.get("unit"), value=data["value"], note=data["note"],
            evidence=data["evidence"],
        )
    except ValidationError as error:
        add_errors(form, error)
        return _detail_page(request, quota, form=form, status=400)
    where = entry.unit.label if entry.unit else quota.institution.name
    messages.success(request, _("The value for %(where)s was saved.") % {"where": where})
    return redirect(quota)
