"""The accounts of a university: the list, one form for person, role and unit, the one-time link to set a
password, deactivate and reactivate; and the page behind that link (youthwork/urls.py's `password_set`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import account_changes
from tracker.org.models import Institution, OrgUnit
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.forms import AccountForm
from tracker.setup.services import accounts as services
from tracker.setup.views.common import frame, institution_of, link_page, require_setup, with_institution


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        messages.info(request, _("There is no university yet: add one first."))
        return redirect("tracker:setup")
    accounts = (access.accounts_visible_to(request.user).filter(profile__institution=institution)
                .select_related("profile__unit").order_by("-is_active", "profile__role", "first_name", "username"))
    context = {**frame(request, institution), "accounts": list(accounts)}
    return render(request, "tracker/setup/account_list.html", context)


def _account_units(institution: Institution, account=None):
    """The units an account may be bound to: those in service, and the one it is bound to now."""
    units = OrgUnit.objects.filter(institution=institution).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
    current = account.profile.unit_id if account is not None else None
    in_service = units.in_service()
    if current:
        in_service = in_service | units.filter(pk=current)
    # In the organisation's order: the Party committee, the school committee, the colleges, the member units.
    rank = Case(*(When(kind=kind, then=Value(n)) for n, kind in enumerate(setup_xlsx.UNIT_KINDS)), default=Value(9))
    return in_service.alias(rank=rank).order_by("rank", "order", "name")


def _account_form_page(request: HttpRequest, form: AccountForm, institution: Institution, account=None, *,
                       status: int = 200) -> HttpResponse:
    context = {**frame(request, institution), "form": form, "account": account,
               "history": account_changes(account) if account is not None else [],
               "is_self": account is not None and account.pk == request.user.pk}
    return render(request, "tracker/setup/account_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        raise Http404
    units = _account_units(institution)
    if request.method == "GET":
        return _account_form_page(request, AccountForm(units=units), institution)
    form = AccountForm(request.POST, units=units)
    if form.is_valid():
        try:
            account = services.account_create(actor=request.user, institution=institution, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The account of %(name)s was added.") % {"name": account.get_full_name()})
            return link_page(request, [account], institution=institution, title=_("The new account's link"))
    return _account_form_page(request, form, institution, status=400)


def _account(request: HttpRequest, pk: int):
    require_setup(request)
    return access.get_account_for_user(request.user, pk)


@require_http_methods(["GET", "POST"])
def account_update(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    institution = account.profile.institution
    units = _account_units(institution, account)
    if request.method == "GET":
        return _account_form_page(request, AccountForm(units=units, account=account), institution, account)
    form = AccountForm(request.POST, units=units, account=account)
    if form.is_valid():
        try:
            account = services.account_update(actor=request.user, account=account, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The account of %(name)s was saved.") % {"name": account.get_full_name()})
            return redirect(with_institution("tracker:setup-account-list", institution))
    return _account_form_page(request, form, institution, account, status=400)


@require_POST
def account_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new one-time link to set the password, shown to hand over and e-mailed where there is an address."""
    account = _account(request, pk)
    institution = account.profile.institution
    try:
        return link_page(request, [account], institution=institution, title=_("Link to set a password"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        form = AccountForm(units=_account_units(institution, account), account=account)
        return _account_form_page(request, form, institution, account, status=400)


def _set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    account = _account(request, pk)
    institution = account.profile.institution
    try:
        services.account_set_active(actor=request.user, account=account, active=active)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        form = AccountForm(units=_account_units(institution, account), account=account)
        return _account_form_page(request, form, institution, account, status=400)
    name = account.get_full_name() or account.get_username()
    messages.success(request, (_("%(name)s can sign in again.") if active
                               else _("%(name)s can no longer sign in.")) % {"name": name})
    return redirect(with_institution("tracker:setup-account-list", institution))


@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, False)


@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, True)


# --- Setting a password from a one-time link ---------------------------------------------------------


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Django's page behind a password-reset link (token checked, the password validators), in the portal's look;
    the link works once. Open to the signed-out (see youthwork/urls.py)."""

    template_name = "tracker/setup/password_set.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with your user name and the new password."))
        return response
