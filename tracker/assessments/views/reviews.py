"""The review of a whole university (片区评议): its file of five dated steps, the reviewers' opinions, and the
school's self-assessment in the linked round, read-only.

Staff, leaders and administrators read the reviews of the institutions they see; a zone reviewer reads only
the review file he was given and writes opinions (the middleware refuses him every other page). Each opinion
enters the rectification list at once, owned by the school committee.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker import access
from tracker.assessments.forms.rectifications import ReviewForm, ReviewOpinionForm, ReviewStepForm
from tracker.assessments.models.assessments import Assessment, Review, ReviewStep
from tracker.assessments.models.standards import Standard
from tracker.assessments.services.assessments import (
    assessment_totals,
    review_create,
    review_opinion_add,
    review_step_record,
)
from tracker.org.forms import add_errors
from tracker.org.history import changes_in
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.versions import StaleEditError, refused_as_stale

# The roles that have any business with reviews; everyone else is refused the list.
REVIEW_READERS = (Profile.Role.ADMIN, Profile.Role.STAFF, Profile.Role.LEADER, Profile.Role.REVIEWER)


def _ordered_steps(steps) -> list[ReviewStep]:
    return sorted(steps, key=lambda step: step.number)


@dataclass
class ReviewRow:
    review: Review
    next_step: ReviewStep | None
    overdue: bool


def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if access.role_of(user) not in REVIEW_READERS:
        raise PermissionDenied
    today = timezone.localdate()
    reviews = (access.reviews_visible_to(user)
               .select_related("institution", "zone", "assessment_round")
               .prefetch_related("steps")
               .annotate(opinion_count=Count("opinions")))
    rows = []
    for review in reviews:
        steps = _ordered_steps(review.steps.all())
        next_step = next((step for step in steps if step.done_on is None), None)
        rows.append(ReviewRow(review, next_step, any(step.is_overdue_on(today) for step in steps)))
    context = {
        "rows": rows,
        "several_institutions": len({row.review.institution_id for row in rows}) > 1,
        "can_create": bool(_staff_institutions(user)),
    }
    return render(request, "tracker/reviews/review_list.html", context)


# --- Opening a review --------------------------------------------------------------------------


def _staff_institutions(user) -> list[Institution]:
    return [institution for institution in access.institutions_visible_to(user)
            if access.is_staff_of(user, institution.pk)]


def _review_form(user, institutions: list[Institution], data=None) -> ReviewForm:
    # Zones stand above institutions (they have none), so every zone is on offer.
    zones = OrgUnit.objects.filter(kind=OrgUnit.Kind.ZONE).order_by("order", "name")
    rounds = (access.rounds_visible_to(user)
              .filter(institution__in=institutions, standard__level=Standard.Level.SCHOOL)
              .select_related("institution").order_by("institution__code", "-due_on"))
    return ReviewForm(data, institutions=institutions, zones=zones, rounds=rounds)


@require_http_methods(["GET", "POST"])
def review_create_view(request: HttpRequest) -> HttpResponse:
    institutions = _staff_institutions(request.user)
    if not institutions:
        raise PermissionDenied
    if request.method == "GET":
        return render(request, "tracker/reviews/review_form.html", {"form": _review_form(request.user, institutions)})
    form = _review_form(request.user, institutions, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = review_create(
                actor=request.user, institution=form.institution_chosen(), name=data["name"], zone=data["zone"],
                assessment_round=data["assessment_round"], planned=form.planned(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The review “%(name)s” was opened.") % {"name": review.name})
            return redirect(review)
    return render(request, "tracker/reviews/review_form.html", {"form": form}, status=400)


# --- The review file ---------------------------------------------------------------------------


@dataclass
class StepRow:
    step: ReviewStep
    overdue: bool
    form: ReviewStepForm | None
    stale_changes: list | None = None


def _school_assessment(review: Review, user) -> Assessment | None:
    """The school committee's self-assessment in the review's round: part of the review file, so whoever may
    read the review reads it (a reviewer sees no assessment through assessments_visible_to) — once it is filed:
    a draft is the school's own business until submitted."""
    if review.assessment_round_id is None:
        return None
    assessments = Assessment.objects.filter(round_id=review.assessment_round_id,
                                            unit__kind=OrgUnit.Kind.SCHOOL_COMMITTEE)
    if not access.is_staff_of(user, review.institution_id):
        assessments = assessments.filter(status__in=access.FILED_STATUSES)
    return (assessments
            .select_related("unit", "round__standard").order_by("unit__order", "pk").first())


def _assessment_part(assessment: Assessment | None) -> dict:
    if assessment is None:
        return {"assessment": None, "groups": [], "totals": None}
    entries = list(assessment.entries.select_related("item__group").prefetch_related("evidence"))
    groups, totals = assessment_totals(entries)
    return {"assessment": assessment, "groups": groups, "totals": totals}


def _review_page(request: HttpRequest, review: Review, *, step_form: ReviewStepForm | None = None,
                 opinion_form: ReviewOpinionForm | None = None, status: int = 200,
                 stale_changes: list | None = None) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    may_record = access.can_record_review_steps(user, review)
    rows = []
    for step in _ordered_steps(review.steps.all()):
        form = None
        if may_record:
            form = step_form if step_form is not None and step_form.step.pk == step.pk else ReviewStepForm(step=step)
        stale = stale_changes if step_form is not None and step_form.step.pk == step.pk else None
        rows.append(StepRow(step, step.is_overdue_on(today), form, stale))
    opinions = list(review.opinions.select_related("author", "rectification__unit")
                    .order_by("occurred_on", "created_at", "id"))  # in the order they were given
    # Links to the entries only for those who may open them (not the reviewer).
    open_entries = set(access.rectifications_visible_to(user).filter(opinion__review=review)
                       .values_list("pk", flat=True))
    may_write = access.can_write_opinion(user, review)
    if opinion_form is None and may_write:
        opinion_form = ReviewOpinionForm()
    context = {
        "review": review,
        "steps": rows,
        "step_form_open": step_form.step.pk if step_form is not None else None,
        "opinions": opinions,
        "open_entries": open_entries,
        "opinion_form": opinion_form if may_write else None,
        "today": today,
        "history": changes_in(ReviewStep.history.filter(review_id=review.pk),
                              subject=lambda record: record.get_kind_display()),
        **_assessment_part(_school_assessment(review, request.user)),
    }
    return render(request, "tracker/reviews/review_detail.html", context, status=status)


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, access.get_review_for_user(request.user, pk))


def _get_step(review: Review, step_pk: int) -> ReviewStep:
    return get_object_or_404(review.steps.all(), pk=step_pk)


@require_POST
def review_step_view(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    user = request.user
    review = access.get_review_for_user(user, pk)
    if not access.can_record_review_steps(user, review):
        raise PermissionDenied
    step = _get_step(review, step_pk)
    form = ReviewStepForm(request.POST, step=step)
    if not form.is_valid():
        return _review_page(request, review, step_form=form, status=400)
    data = form.cleaned_data
    try:
        saved = review_step_record(actor=user, step=step, loaded_version=data["version"],
                                   planned_on=data["planned_on"], done_on=data["done_on"], note=data["note"])
    except StaleEditError as stale:
        step = _get_step(review, step_pk)
        form = refused_as_stale(request, stale, step, lambda bound: ReviewStepForm(bound, step=step))
        return _review_page(request, review, step_form=form, status=409, stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        return _review_page(request, review, step_form=form, status=400)
    messages.success(request, _("The step “%(step)s” was saved.") % {"step": saved.get_kind_display()})
    return redirect(f"{review.get_absolute_url()}#step-{saved.pk}")


@require_POST
def review_opinion_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    review = access.get_review_for_user(user, pk)
    if not access.can_write_opinion(user, review):
        raise PermissionDenied
    form = ReviewOpinionForm(request.POST)
    if form.is_valid():
        try:
            review_opinion_add(actor=user, review=review, text=form.cleaned_data["text"],
                               occurred_on=form.cleaned_data["occurred_on"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your opinion was recorded; it is now an entry of the rectification list."))
            return redirect(f"{review.get_absolute_url()}#opinions")
    return _review_page(request, review, opinion_form=form, status=400)
