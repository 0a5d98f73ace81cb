"""The tracker's models, one module per concept."""

from .assessments import (
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
from .menus import MenuMatch, NeedItem, ResourceItem
from .org import Institution, OrgUnit, Profile
from .people import RosterImport, Speciality, Team, TeamMembership, Volunteer
from .plans import EvidenceFile, Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from .quotas import Quota, QuotaEntry
from .snapshots import ReportSnapshot
from .standards import Standard, StandardGroup, StandardItem
from .work import Activity, WorkPlatform

__all__ = [
    "Assessment",
    "AssessmentEntry",
    "AssessmentRound",
    "AssessmentTransition",
    "FilingReminder",
    "Rectification",
    "Review",
    "ReviewOpinion",
    "ReviewStep",
    "Activity",
    "EvidenceFile",
    "Institution",
    "MenuMatch",
    "NeedItem",
    "OrgUnit",
    "Phase",
    "Plan",
    "Profile",
    "Quota",
    "QuotaEntry",
    "ReportSnapshot",
    "ResourceItem",
    "RosterImport",
    "Speciality",
    "Stage",
    "Standard",
    "StandardGroup",
    "StandardItem",
    "Task",
    "TaskParty",
    "TaskUpdate",
    "Team",
    "TeamMembership",
    "Volunteer",
    "WorkPlatform",
]
