"""The set-up pages. Included by tracker/urls.py under the `tracker:` names; the page behind a one-time password
link is youthwork/urls.py's (`password_set`), beside the other sign-in pages."""

from django.urls import path

from tracker.setup.views import accounts, institutions, units, webhooks, workbook

urlpatterns = [
    path("setup/", institutions.setup_home, name="setup"),
    path("setup/institutions/new/", institutions.institution_create, name="setup-institution-create"),
    path("setup/units/", units.unit_list, name="setup-unit-list"),
    path("setup/units/new/", units.unit_create, name="setup-unit-create"),
    path("setup/units/<id:pk>/edit/", units.unit_update, name="setup-unit-update"),
    path("setup/units/<id:pk>/move/", units.unit_move, name="setup-unit-move"),
    path("setup/units/<id:pk>/retire/", units.unit_retire, name="setup-unit-retire"),
    path("setup/units/<id:pk>/restore/", units.unit_restore, name="setup-unit-restore"),
    path("setup/accounts/", accounts.account_list, name="setup-account-list"),
    path("setup/accounts/new/", accounts.account_create, name="setup-account-create"),
    path("setup/accounts/<id:pk>/edit/", accounts.account_update, name="setup-account-update"),
    path("setup/accounts/<id:pk>/link/", accounts.account_link, name="setup-account-link"),
    path("setup/accounts/<id:pk>/deactivate/", accounts.account_deactivate, name="setup-account-deactivate"),
    path("setup/accounts/<id:pk>/reactivate/", accounts.account_reactivate, name="setup-account-reactivate"),
    path("setup/template.xlsx", workbook.setup_template, name="setup-template"),
    path("setup/import/", workbook.setup_import, name="setup-import"),
    path("setup/import/confirm/", workbook.setup_import_confirm, name="setup-import-confirm"),
    # (issue 15) group robots and the delivery log
    path("setup/robots/", webhooks.webhook_list, name="webhook-list"),
    path("setup/robots/new/", webhooks.webhook_create, name="webhook-create"),
    path("setup/robots/<id:pk>/edit/", webhooks.webhook_update, name="webhook-update"),
    path("setup/robots/<id:pk>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("setup/robots/<id:pk>/test/", webhooks.webhook_test, name="webhook-test"),
    path("setup/deliveries/", webhooks.delivery_log, name="delivery-log"),
]
