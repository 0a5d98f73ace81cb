"""What the set-up pages share: who may open them, the institution a page is about, the frame around each
page, and the page of one-time links to set a password.

Every set-up page is a 403 for the roles that do not set up; another institution's unit or account is a 404. The
institution of a list or a new record is the `institution` of the query string or form (committee staff: their
own, by default).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tracker import access
from tracker.org.ids import as_id
from tracker.org.models import Institution
from tracker.setup.services import accounts as services


def require_setup(request: HttpRequest) -> None:
    """The set-up pages are committee staff's and the administrator's: a 403 for every other role."""
    if not access.can_set_up(request.user):
        raise PermissionDenied


def institution_of(request: HttpRequest) -> Institution | None:
    """The institution the page is about: `institution` of the form or query string (another one: 404), else the
    user's first (committee staff: their own); None when there is none yet (an administrator's empty portal)."""
    require_setup(request)
    raw = request.POST.get("institution") or request.GET.get("institution")
    if raw:
        pk = as_id(raw)
        if pk is None:
            raise Http404
        return access.get_setup_institution_for_user(request.user, pk)
    return access.setup_institutions(request.user).first()


def with_institution(name: str, institution: Institution, *args) -> str:
    return f"{reverse(name, args=args)}?institution={institution.pk}"


def frame(request: HttpRequest, institution: Institution | None) -> dict:
    """What every set-up page shows around its content: the institution, and the others an administrator keeps."""
    institutions = list(access.setup_institutions(request.user))
    return {"institution": institution, "institutions": institutions if len(institutions) > 1 else [],
            "can_create_institutions": access.can_create_institutions(request.user)}


def link_page(request: HttpRequest, accounts: list, *, institution: Institution, title: str,
               status: int = 200) -> HttpResponse:
    """The one-time links of `accounts`, to hand over; each also e-mailed where the account has an address."""
    rows = []
    for account in accounts:
        url = request.build_absolute_uri(services.password_link(actor=request.user, account=account))
        rows.append({"account": account, "url": url,
                     "mail": services.send_password_link(account=account, url=url, sender=request.user)})
    context = {**frame(request, institution), "rows": rows, "title": title, "days": services.link_valid_days()}
    return render(request, "tracker/setup/account_link.html", context, status=status)
