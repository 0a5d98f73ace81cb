"""The portal's URLs: each package's own, under one `tracker:` namespace (so every URL name stays `tracker:<thing>`)."""

from tracker.assessments import urls as assessments
from tracker.notifications import urls as notifications
from tracker.plans import urls as plans
from tracker.portal import urls as portal
from tracker.quotas import urls as quotas
from tracker.reporting import urls as reporting
from tracker.roster import urls as roster
from tracker.setup import urls as setup
from tracker.work import urls as work

app_name = "tracker"

urlpatterns = [
    *portal.urlpatterns,
    *plans.urlpatterns,
    *roster.urlpatterns,
    *work.urlpatterns,
    *quotas.urlpatterns,
    *assessments.urlpatterns,
    *reporting.urlpatterns,
    *setup.urlpatterns,
    *notifications.urlpatterns,  # issue 15
]
