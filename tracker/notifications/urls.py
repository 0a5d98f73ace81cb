"""My notifications (issue 15). Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<id:pk>/", views.notification_open, name="notification-open"),
    path("notifications/read/", views.notification_mark_read, name="notification-mark-read"),
    path("notifications/mail/", views.notification_mail_choice, name="notification-mail-choice"),
]
