"""The planner: pure diff of the desired container against a GTM workspace's entities."""

from trackings.planner.normalize import normalized, same_entity
from trackings.planner.plan import (
    PlannedChange,
    WorkspacePlan,
    managed_key,
    marker_of,
    owner_of,
    plan_workspace,
)

__all__ = [
    "PlannedChange",
    "WorkspacePlan",
    "managed_key",
    "marker_of",
    "normalized",
    "owner_of",
    "plan_workspace",
    "same_entity",
]
