"""Reads of the nightly scores: the account page's health and CLV panel (snapshots, never computed here)."""

import datetime

from django.utils import timezone

from relationships.models import AccountScore
from relationships.tests.scoring_reference import MEASURE_LABELS, MEASURES

TREND_DAYS = 30
BAND_STYLE = {"green": "success", "amber": "warning", "red": "danger", "insufficient": "secondary"}


def _measures(score: AccountScore) -> list[dict]:
    rows = []
    for name, value, contribution in zip(MEASURES, score.measure_scores, score.contributions, strict=True):
        rows.append(
            {"name": name, "label": MEASURE_LABELS[name], "score": value, "contribution": contribution}
        )
    # Biggest contributors first; measures without data last, so "why" reads from the top.
    return sorted(rows, key=lambda row: (row["score"] is None, -(row["contribution"] or 0)))


def health_panel(account) -> dict:
    """Context for templates/relationships/includes/account_health.html, as `health`.

    `account` must come from compliance/access.py (the account page's own gateway call). Two queries
    whatever the history: the last 30 days of snapshots.
    """
    since = timezone.localdate() - datetime.timedelta(days=TREND_DAYS)
    snapshots = list(
        AccountScore.objects.filter(account=account, scored_on__gte=since)
        .only("scored_on", "health", "band")
        .order_by("-scored_on")
    )
    if not snapshots:
        return {"score": None}
    latest = AccountScore.objects.get(pk=snapshots[0].pk)
    curve = [
        {"year": year, "value": value, "added": value - (latest.clv_curve[year - 2] if year > 1 else 0.0)}
        for year, value in enumerate(latest.clv_curve, start=1)
    ]
    return {
        "score": latest,
        "style": BAND_STYLE.get(latest.band, "secondary"),
        "measures": _measures(latest),
        "history": list(reversed(snapshots)),
        "curve": curve,
        "insufficient": latest.health is None,
    }
