"""The personal API token pages on "我的账号": the list, making a token (its key shown once), revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tracker import access
from tracker.api.forms import ApiTokenForm
from tracker.api.services import api_token_create, api_token_revoke
from tracker.org.forms import add_errors


def _page(request: HttpRequest, form: ApiTokenForm, *, new_key: str | None = None, status: int = 200) -> HttpResponse:
    context = {
        "tokens": list(access.api_tokens_of(request.user)),
        "form": form,
        "new_key": new_key,
    }
    response = render(request, "tracker/account/api_tokens.html", context, status=status)
    if new_key:
        add_never_cache_headers(response)  # the key is on this page only: no copy kept by a browser or a proxy
        response["Cache-Control"] += ", no-store"
    return response


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """GET: one's tokens. POST: make one; the page then shows its key, this once (it is stored only as a hash)."""
    if request.method == "GET":
        return _page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(actor=request.user, name=form.cleaned_data["name"],
                                          expires_on=form.cleaned_data["expires_on"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The token “%(name)s” was made.") % {"name": token.name})
            return _page(request, ApiTokenForm(), new_key=key)
    return _page(request, form, status=400)


@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask to confirm. POST: revoke; the token answers nothing from then on."""
    token = access.get_api_token_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "tracker/account/api_token_revoke.html", {"token": token})
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked; programs using it are refused from now on.")
                     % {"name": token.name})
    return redirect("api_tokens")
