"""Reads of the nightly scores and their settings: the account page's health and CLV panel (snapshots,
never computed here)."""

import datetime

from django.utils import timezone

from relationships.models import AccountScore, AccountScoreDetail, ScoringSettings
from relationships.scoring.compute import MEASURE_LABELS, MEASURES

TREND_DAYS = 30


def scoring_settings() -> ScoringSettings:
    """The one row of weights and thresholds (created with the defaults on first use)."""
    return ScoringSettings.objects.get_or_create(pk=1)[0]


def _measures(detail: AccountScoreDetail) -> list[dict]:
    rows = []
    for name, value, contribution in zip(MEASURES, detail.measure_scores, detail.contributions, strict=True):
        rows.append(
            {"name": name, "label": MEASURE_LABELS[name], "score": value, "contribution": contribution}
        )
    # Biggest contributors first; measures without data last, so "why" reads from the top.
    return sorted(rows, key=lambda row: (row["score"] is None, -(row["contribution"] or 0)))


def health_panel(account) -> dict:
    """Context for templates/relationships/includes/account_health.html, as `health`.

    `account` must come from compliance/access.py (the account page's own gateway call), so the viewer
    is an insider of it. The detail ("why", the margin behind the CLV) is read under row-level
    security: where the database does not show it, the panel shows the sanitized snapshot alone.
    Two queries whatever the history: the last 30 days of snapshots, and the latest one's detail.
    """
    since = timezone.localdate() - datetime.timedelta(days=TREND_DAYS)
    snapshots = list(
        AccountScore.objects.filter(account=account, scored_on__gte=since).order_by("-scored_on")
    )
    if not snapshots:
        return {"score": None}
    latest = snapshots[0]
    detail = AccountScoreDetail.objects.filter(account=account, scored_on=latest.scored_on).first()
    curve = [
        {"year": year, "value": value, "added": value - (latest.clv_curve[year - 2] if year > 1 else 0.0)}
        for year, value in enumerate(latest.clv_curve, start=1)
    ]
    return {
        "score": latest,
        "detail": detail,
        "measures": _measures(detail) if detail else [],
        "history": list(reversed(snapshots)),
        "curve": curve,
        "insufficient": latest.health is None,
    }
