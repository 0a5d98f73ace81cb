"""Copy forward: a standard or a self-assessment round copied into a new cycle, and the links on their pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tracker import access
from tracker.assessments.forms.copying import RoundCopyForm, StandardCopyForm
from tracker.assessments.models.assessments import AssessmentRound
from tracker.assessments.models.standards import Standard
from tracker.assessments.services import copying as service
from tracker.org.copies import copy_links
from tracker.org.forms import add_errors


def standard_copy_links(request: HttpRequest, standard: Standard) -> dict:
    """The standard page's copy-forward context: its source, its copies and the copy button."""
    links = copy_links(standard, access.standards_visible_to(request.user))
    may_copy = access.can_import_standards(request.user)
    return {**links, "copy_url": reverse("tracker:standard-copy", args=[standard.pk]) if may_copy else ""}


def round_copy_links(request: HttpRequest, assessment_round: AssessmentRound) -> dict:
    """The round board's copy-forward context."""
    links = copy_links(assessment_round, access.rounds_visible_to(request.user))
    may_copy = access.can_manage_rounds(request.user, assessment_round.institution_id)
    return {**links, "copy_url": reverse("tracker:round-copy", args=[assessment_round.pk]) if may_copy else ""}


@require_http_methods(["GET", "POST"])
def standard_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form to copy the standard. POST: copy it (groups and items) and go to the copy."""
    user = request.user
    standard = access.get_standard_for_user(user, pk)
    if not access.can_import_standards(user):
        raise PermissionDenied
    form = StandardCopyForm(request.POST if request.method == "POST" else None, standard=standard,
                            institutions=service.standard_copy_institutions(user), may_share=access.is_admin(user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                copy = service.copy_standard(actor=user, standard=standard, name=form.cleaned_data["name"],
                                             institution=form.cleaned_data["institution"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The standard was copied into “%(name)s”.") % {"name": copy.name})
                return redirect(copy)
    context = {"source": standard, "form": form, "kind": "standard",
               "action": reverse("tracker:standard-copy", args=[standard.pk])}
    return render(request, "tracker/assessments/copy.html", context, status=status)


@require_http_methods(["GET", "POST"])
def round_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form to copy the round. POST: open the copy (no assessment in it yet) and go to its board."""
    user = request.user
    assessment_round = access.get_round_for_user(user, pk)
    if not access.can_manage_rounds(user, assessment_round.institution_id):
        raise PermissionDenied
    standards = service.round_standard_choices(user, assessment_round)
    form = RoundCopyForm(request.POST if request.method == "POST" else None, assessment_round=assessment_round,
                         standards=standards)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                copy = service.copy_round(actor=user, assessment_round=assessment_round, name=data["name"],
                                          due_on=data["due_on"], shift_months=form.shift_months(),
                                          standard=data["standard"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The round “%(name)s” was opened.") % {"name": copy.name})
                return redirect(copy)
    context = {"source": assessment_round, "form": form, "kind": "round",
               "action": reverse("tracker:round-copy", args=[assessment_round.pk])}
    return render(request, "tracker/assessments/copy.html", context, status=status)
