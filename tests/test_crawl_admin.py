"""The admin half of the crawl (tests/test_crawl.py): every admin page for every demo object as the accounts that
use the admin site, the large tables sampled as there. No page may answer 500. A module of its own so that the two
halves run side by side under pytest-xdist."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from . import test_crawl as crawl
from .conftest import client_for

accounts = crawl.accounts  # the same fixtures as the pages' half
snapshot = crawl.snapshot
ADMIN_SAMPLES = crawl.ADMIN_SAMPLES
_pks = crawl._pks

pytestmark = pytest.mark.django_db

ADMIN_ACCOUNTS = ["admin", "staff", "suda_staff"]


@pytest.mark.parametrize("model", sorted(admin.site._registry, key=lambda model: model._meta.label),
                         ids=lambda model: model._meta.label)
def test_every_admin_page_for_every_demo_object(accounts, snapshot, model):
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pks = [args[0] for args in _pks(model, *ADMIN_SAMPLES.get(model, ()))()]
    for account in ADMIN_ACCOUNTS:
        client = client_for(accounts[account])
        # Committee staff see the administrator's pages narrowed to their institution: their first object stands
        # for the rest (苏州大学's staff still ask for every object, mostly 中国矿业大学's, each a 404).
        shown = pks
        if account == "staff":
            request = RequestFactory().get("/")
            request.user = accounts["staff"]
            own = admin.site._registry[model].get_queryset(request).order_by("pk")
            shown = list(own.values_list("pk", flat=True)[:1])
        for url in [reverse(f"{info}_changelist"), reverse(f"{info}_add")] + [
            reverse(f"{info}_{kind}", args=[pk]) for pk in shown for kind in ("change", "history")
        ]:
            status = client.get(url).status_code
            assert status < 500, f"{url} as {account}: {status}"
