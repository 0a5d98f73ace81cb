"""Django's models module for the `tracker` app: it imports every domain package's models so that Django registers
them when the app loads (and re-exports them for the shell, migrations and tests).

Code inside tracker/ never imports from here: a package imports the models it uses from their own package
(`from tracker.plans.models import Task`). tests/test_architecture.py holds that.
"""

from tracker.api.models import ApiToken
from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.notifications.models import HomeVisit, MailChoice, Notification, Webhook  # issue 15
from tracker.org.models import ActivePeriod, EvidenceFile, Institution, OrgUnit, Profile
from tracker.outbox.models import Delivery  # issue 18, the task queue: outbound deliveries
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from tracker.quotas.models import Quota, QuotaEntry
from tracker.reporting.models import ExportJob, ReminderClaim, ReportSnapshot  # ExportJob: issue 18, the task queue
from tracker.roster.models import RosterImport, Speciality, Team, TeamMembership, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

__all__ = [
    "ActivePeriod", "Activity", "ApiToken", "Assessment", "AssessmentEntry", "AssessmentRound", "AssessmentTransition",
    "EvidenceFile", "FilingReminder", "Institution", "MenuMatch", "NeedItem", "OrgUnit", "Phase", "Plan", "Profile",
    "Quota", "QuotaEntry", "Rectification", "ReminderClaim", "ReportSnapshot", "ResourceItem", "Review",
    "ReviewOpinion", "ReviewStep", "RosterImport", "Speciality", "Stage", "Standard", "StandardGroup", "StandardItem",
    "Task", "TaskParty", "TaskUpdate", "Team", "TeamMembership", "Volunteer", "WorkPlatform",
    "Delivery", "ExportJob",  # issue 18, the task queue
    "HomeVisit", "MailChoice", "Notification", "Webhook",  # issue 15
]
