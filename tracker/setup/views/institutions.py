"""The set-up's start page, and the administrator's page that adds a university with its first committee-staff
account."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.models import OrgUnit
from tracker.setup.forms import InstitutionForm
from tracker.setup.services import accounts as services
from tracker.setup.views.common import frame, institution_of, link_page, require_setup


@require_GET
def setup_home(request: HttpRequest) -> HttpResponse:
    require_setup(request)
    institution = institution_of(request)
    context = frame(request, institution)
    if institution is not None:
        context.update(
            units=OrgUnit.objects.in_service().filter(institution=institution).count(),
            retired=OrgUnit.objects.filter(institution=institution, retired_on__isnull=False).count(),
            accounts=access.accounts_visible_to(request.user).filter(profile__institution=institution).count(),
        )
    return render(request, "tracker/setup/home.html", context)


@require_http_methods(["GET", "POST"])
def institution_create(request: HttpRequest) -> HttpResponse:
    if not access.can_create_institutions(request.user):
        raise PermissionDenied
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            institution, account = services.institution_create(
                actor=request.user, name=data["name"], short_name=data["short_name"], code=data["code"],
                staff=form.staff_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added, with the account of %(person)s.")
                             % {"name": institution.name, "person": account.get_full_name()})
            return link_page(request, [account], institution=institution, title=_("The new account's link"))
    status = 400 if form.errors else 200
    return render(request, "tracker/setup/institution_form.html", {"form": form}, status=status)
