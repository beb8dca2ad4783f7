from relationships.dashboards.models import InteractionMonthlyMix
from relationships.interactions.models import FollowUpAction, Interaction
from relationships.plans.models import (
    STALE_AFTER_DAYS,
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.scoring.models import (
    AccountScore,
    AccountScoreDetail,
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
    "AccountScoreDetail",
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
