from relationships.models.dashboards import InteractionMonthlyMix
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
from relationships.models.scoring import (
    AccountScore,
    MonthlyRevenue,
    ScoreAlert,
    ScoringRun,
    ScoringRunChunk,
    ScoringSettings,
)

__all__ = [
    "STALE_AFTER_DAYS",
    "AccountPlan",
    "AccountScore",
    "FollowUpAction",
    "Interaction",
    "InteractionMonthlyMix",
    "Investment",
    "JointInitiative",
    "MonthlyRevenue",
    "PlanAction",
    "PlanObjective",
    "ScoreAlert",
    "ScoringRun",
    "ScoringRunChunk",
    "ScoringSettings",
    "SwotItem",
    "WhitespaceCell",
]
