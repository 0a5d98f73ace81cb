from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Quality-construction tracker")

    def ready(self) -> None:
        from tracker.org import ids

        ids.register()  # before any URLconf is read: every id in a URL is an <id:…>
