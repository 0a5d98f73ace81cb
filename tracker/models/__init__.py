"""The tracker's models, one module per concept."""

from .org import Institution, OrgUnit, Profile
from .plans import EvidenceFile, Phase, Plan, Stage, Task, TaskParty, TaskUpdate

__all__ = [
    "EvidenceFile",
    "Institution",
    "OrgUnit",
    "Phase",
    "Plan",
    "Profile",
    "Stage",
    "Task",
    "TaskParty",
    "TaskUpdate",
]
