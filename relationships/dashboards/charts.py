"""Charts with their numbers: each is an SVG drawing plus the table and CSV behind it."""

from dataclasses import dataclass, field

from kam.lib import charts
from relationships.dashboards import selectors


@dataclass
class Chart:
    name: str
    title: str
    svg: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


def account_charts(account) -> dict:
    """Score history and CLV curve of one account (from the gateway): two queries."""
    history = selectors.score_history(account)
    curve = selectors.latest_curve(account)
    labels = [day.strftime("%d %b") for day, _h, _c in history]
    health = charts.line(
        f"score-history-{account.pk}",
        title=f"{account.name}: health over the last year",
        desc="Daily health score (0–100) from the nightly snapshots.",
        labels=labels,
        series=[charts.Series("Health", [h for _d, h, _c in history])],
        y_max=100,
    )
    clv = charts.bar(
        f"clv-curve-{account.pk}",
        title=f"{account.name}: cumulative lifetime value by year",
        desc="Discounted margin accumulated year by year.",
        labels=[f"Year {i}" for i in range(1, len(curve) + 1)],
        values=curve,
    )
    return {
        "score_history": Chart(
            "score_history",
            "Health over the last year",
            health,
            ["Date", "Health", "CLV"],
            [[d.isoformat(), h, c] for d, h, c in history],
        ),
        "clv_curve": Chart(
            "clv_curve",
            "CLV curve",
            clv,
            ["Year", "Cumulative CLV"],
            [[i, round(v)] for i, v in enumerate(curve, start=1)],
        ),
    }
