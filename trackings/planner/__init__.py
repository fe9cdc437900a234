"""The planner: pure diff of the desired container against a GTM workspace's entities."""

from trackings.planner.normalize import normalized, same_entity
from trackings.planner.plan import PlannedChange, WorkspacePlan, marker_of, plan_workspace

__all__ = [
    "PlannedChange",
    "WorkspacePlan",
    "marker_of",
    "normalized",
    "plan_workspace",
    "same_entity",
]
