from relationships.models.interactions import FollowUpAction, Interaction
from relationships.models.plans import (
    STALE_AFTER_DAYS,
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)

__all__ = [
    "STALE_AFTER_DAYS",
    "AccountPlan",
    "FollowUpAction",
    "Interaction",
    "Investment",
    "JointInitiative",
    "PlanAction",
    "PlanObjective",
    "SwotItem",
    "WhitespaceCell",
]
