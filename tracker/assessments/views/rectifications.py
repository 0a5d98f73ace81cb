"""The rectification list (整改清单): every gap, inspection opinion and zone review opinion, tracked to done and
verified (验收).

Staff and leaders read the whole list, a secretary or liaison the entries her unit owns. Entries move on through
services.assessments; a refused step is shown on the entry's page (400), a save against a newer version is
refused with the versions saved in between (409).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker import access
from tracker.assessments.forms.rectifications import (
    RectificationAdvanceForm,
    RectificationFilterForm,
    RectificationForm,
    RectificationReassignForm,
)
from tracker.assessments.models.assessments import Rectification
from tracker.assessments.services.assessments import (
    RECTIFICATION_STEPS,
    rectification_advance,
    rectification_create,
    rectification_reassign,
)
from tracker.org.forms import add_errors
from tracker.org.history import changes_for
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.versions import StaleEditError, refused_as_stale

RStatus = Rectification.Status
Source = Rectification.Source
BOUND_ROLES = (Profile.Role.SECRETARY, Profile.Role.LIAISON)


def _for_list(rectifications: QuerySet[Rectification]) -> QuerySet[Rectification]:
    """Entries with their owner unit, where they came from and their evidence count, in one query."""
    return (rectifications
            .select_related("unit", "institution", "entry__item", "entry__assessment__round", "opinion__review")
            .annotate(evidence_count=Count("evidence"))
            .order_by("deadline", "pk"))


def _status_counts(rectifications: QuerySet[Rectification], today) -> dict[str, int]:
    """How many entries are in each status, and how many are overdue, in one query."""
    open_ = ~Q(status__in=Rectification.CLOSED)
    return rectifications.aggregate(
        open=Count("pk", filter=Q(status=RStatus.OPEN)),
        in_progress=Count("pk", filter=Q(status=RStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=RStatus.DONE)),
        verified=Count("pk", filter=Q(status=RStatus.VERIFIED)),
        overdue=Count("pk", filter=open_ & Q(deadline__lt=today)),
        total=Count("pk"),
    )


@dataclass
class SourceLink:
    """Where an entry came from, in words, and a link to it when the reader may open it."""

    text: str
    url: str | None = None


def _source_links(user, entries: list[Rectification]) -> dict[int, SourceLink]:
    """One SourceLink per entry; at most two queries (which assessments and reviews the reader may open)."""
    assessment_ids = {entry.entry.assessment_id for entry in entries if entry.entry_id}
    review_ids = {entry.opinion.review_id for entry in entries if entry.opinion_id}
    open_assessments = set(access.assessments_visible_to(user).filter(pk__in=assessment_ids)
                           .values_list("pk", flat=True)) if assessment_ids else set()
    open_reviews = set(access.reviews_visible_to(user).filter(pk__in=review_ids)
                       .values_list("pk", flat=True)) if review_ids else set()
    links = {}
    for entry in entries:
        if entry.entry_id:
            item = entry.entry
            text = _("%(round)s, item %(number)s") % {"round": item.assessment.round.name, "number": item.item.number}
            url = item.get_absolute_url() if item.assessment_id in open_assessments else None
        elif entry.opinion_id:
            review = entry.opinion.review
            text, url = review.name, (review.get_absolute_url() if review.pk in open_reviews else None)
        else:
            text, url = "", None
        links[entry.pk] = SourceLink(text, url)
    return links


@dataclass
class ListRow:
    entry: Rectification
    source: SourceLink
    overdue: bool


def _filter_units(user) -> list[OrgUnit] | None:
    """Owner units to filter by, for readers who see several units; None for a secretary or liaison."""
    if access.role_of(user) in BOUND_ROLES:
        return None
    return list(access.units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
                .order_by("institution_id", "kind", "order", "name"))


def _staff_institutions(user) -> list[Institution]:
    """The institutions whose list the user may add opinions to."""
    return [institution for institution in access.institutions_visible_to(user)
            if access.can_enter_inspection_opinions(user, institution.pk)]


def rectification_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    visible = access.rectifications_visible_to(user)
    filters = RectificationFilterForm(request.GET or None, units=_filter_units(user))
    shown = visible
    if filters.is_valid():
        wanted = filters.cleaned_data
        if wanted["status"]:
            shown = shown.filter(status=wanted["status"])
        if wanted["source"]:
            shown = shown.filter(source=wanted["source"])
        if wanted.get("unit"):
            shown = shown.filter(unit_id=wanted["unit"])
        if wanted["overdue"]:
            shown = shown.exclude(status__in=Rectification.CLOSED).filter(deadline__lt=today)
    entries = list(_for_list(shown))
    sources = _source_links(user, entries)
    context = {
        "rows": [ListRow(entry, sources[entry.pk], entry.is_overdue_on(today)) for entry in entries],
        "counts": _status_counts(visible, today),
        "filters": filters,
        "is_filtered": bool(request.GET),
        "several_institutions": len({entry.institution_id for entry in entries}) > 1,
        "can_create": bool(_staff_institutions(user)),
        "today": today,
    }
    return render(request, "tracker/rectifications/rectification_list.html", context)


# --- Entering an opinion -----------------------------------------------------------------------


def _create_units(institutions: list[Institution]) -> QuerySet[OrgUnit]:
    """The units that may own an entry: the institution's own units, never a zone or the province."""
    return OrgUnit.objects.filter(institution__in=institutions).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)


@require_http_methods(["GET", "POST"])
def rectification_create_view(request: HttpRequest) -> HttpResponse:
    institutions = _staff_institutions(request.user)
    if not institutions:
        raise PermissionDenied
    units = _create_units(institutions)
    if request.method == "GET":
        form = RectificationForm(units=units)
        return render(request, "tracker/rectifications/rectification_form.html", {"form": form})
    form = RectificationForm(request.POST, units=units)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = rectification_create(
                actor=request.user, institution=data["unit"].institution, unit=data["unit"], source=data["source"],
                problem=data["problem"], measure=data["measure"], deadline=data["deadline"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The entry was added to the rectification list."))
            return redirect(saved)
    return render(request, "tracker/rectifications/rectification_form.html", {"form": form}, status=400)


# --- One entry ---------------------------------------------------------------------------------


def _steps_offered(user, rectification: Rectification) -> tuple[str, ...]:
    """The next statuses the user may choose: "verified" only for those who may verify."""
    steps = RECTIFICATION_STEPS.get(rectification.status, ())
    if not access.can_verify_rectification(user, rectification):
        steps = tuple(step for step in steps if step != RStatus.VERIFIED)
    return steps


def _advance_form(user, rectification: Rectification, data=None, files=None) -> RectificationAdvanceForm:
    return RectificationAdvanceForm(data, files, rectification=rectification,
                                    steps=_steps_offered(user, rectification))


def _reassign_form(rectification: Rectification, data=None) -> RectificationReassignForm:
    units = _create_units([rectification.institution])
    return RectificationReassignForm(data, rectification=rectification, units=units)


def _detail_page(request: HttpRequest, rectification: Rectification, *,
                 advance_form: RectificationAdvanceForm | None = None,
                 reassign_form: RectificationReassignForm | None = None,
                 status: int = 200, stale_changes: list | None = None, stale_form: str = "") -> HttpResponse:
    user = request.user
    is_open = rectification.status != RStatus.VERIFIED
    if advance_form is None and is_open and access.can_work_on_rectification(user, rectification):
        advance_form = _advance_form(user, rectification)
    if reassign_form is None and is_open and access.can_verify_rectification(user, rectification):
        reassign_form = _reassign_form(rectification)
    source = _source_links(user, [rectification])[rectification.pk]
    context = {
        "rectification": rectification,
        "source": source,
        "overdue": rectification.is_overdue_on(timezone.localdate()),
        "evidence": list(rectification.evidence.select_related("uploaded_by")),
        "history": changes_for(rectification, scopes={OrgUnit: access.units_visible_to(user)}),
        "advance_form": advance_form,
        "reassign_form": reassign_form,
        "stale_changes": stale_changes,
        "stale_form": stale_form,
    }
    return render(request, "tracker/rectifications/rectification_detail.html", context, status=status)


def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, access.get_rectification_for_user(request.user, pk))


@require_POST
def rectification_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rectification = access.get_rectification_for_user(user, pk)
    if not access.can_work_on_rectification(user, rectification):
        raise PermissionDenied
    form = _advance_form(user, rectification, request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, rectification, advance_form=form, status=400)
    data = form.cleaned_data
    try:
        saved = rectification_advance(actor=user, rectification=rectification, loaded_version=data["version"],
                                      status=data["status"], note=data["note"], files=data["files"])
    except StaleEditError as stale:
        rectification = access.get_rectification_for_user(user, pk)
        form = refused_as_stale(request, stale, rectification, lambda bound: _advance_form(user, rectification, bound),
                                files_dropped=bool(data["files"]))
        return _detail_page(request, rectification, advance_form=form, status=409,
                            stale_changes=stale.changes, stale_form="advance")
    except ValidationError as error:
        add_errors(form, error)
        return _detail_page(request, rectification, advance_form=form, status=400)
    messages.success(request, _("The entry is now “%(status)s”.") % {"status": saved.get_status_display()})
    return redirect(saved)


@require_POST
def rectification_reassign_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rectification = access.get_rectification_for_user(user, pk)
    if not access.can_verify_rectification(user, rectification):
        raise PermissionDenied
    form = _reassign_form(rectification, request.POST)
    if not form.is_valid():
        return _detail_page(request, rectification, reassign_form=form, status=400)
    data = form.cleaned_data
    try:
        saved = rectification_reassign(actor=user, rectification=rectification, loaded_version=data["version"],
                                       unit=data["unit"], measure=data["measure"], deadline=data["deadline"])
    except StaleEditError as stale:
        rectification = access.get_rectification_for_user(user, pk)
        form = refused_as_stale(request, stale, rectification, lambda bound: _reassign_form(rectification, bound))
        return _detail_page(request, rectification, reassign_form=form, status=409,
                            stale_changes=stale.changes, stale_form="reassign")
    except ValidationError as error:
        add_errors(form, error)
        return _detail_page(request, rectification, reassign_form=form, status=400)
    messages.success(request, _("The entry's owner unit, measure and deadline were saved."))
    return redirect(saved)
