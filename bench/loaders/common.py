"""Rows both web benchmarks load: segments, daily score snapshots with their runs, monthly revenue."""

from accounts.models import Account, Segment
from bench.tables import sql
from relationships.models import AccountScore, AccountScoreDetail, MonthlyRevenue, ScoringRun

TABLES = {
    "account": Account,
    "segment": Segment,
    "run": ScoringRun,
    "score": AccountScore,
    "detail": AccountScoreDetail,
    "revenue": MonthlyRevenue,
}

SEGMENTS = """
INSERT INTO {segment} ({segment.name}, {segment.description})
SELECT 'Bench ' || g, '' FROM generate_series(1, 10) g
"""

# One succeeded run a day and a snapshot per account and day, %(days)s days back; the newest first.
SCORE_HISTORY = [
    """
INSERT INTO {run} ({run.scored_on}, {run.trigger}, {run.status}, {run.started_at}, {run.chunks_total},
    {run.chunks_done}, {run.chunks_failed}, {run.accounts}, {run.segment_retention})
SELECT current_date - d, 'bench', 'succeeded', now(), 1, 1, 0, %(accounts)s, '{{}}'
FROM generate_series(0, %(days)s - 1) d
""",
    """
INSERT INTO {score} ({score.account}, {score.scored_on}, {score.health}, {score.band}, {score.trend_30d},
    {score.coverage}, {score.retention}, {score.retention_source}, {score.clv}, {score.clv_curve},
    {score.computed_at})
SELECT a.{account.id}, current_date - d, h,
    CASE WHEN h >= 70 THEN 'green' WHEN h >= 40 THEN 'amber' ELSE 'red' END,
    0, 1, 0.8, 'health', c * 3.5 * (1 + d / 1000.0), ARRAY[c, 2 * c, 3 * c, 3.5 * c], now()
FROM generate_series(0, %(days)s - 1) d, {account} a,
    LATERAL (SELECT (30 + (a.{account.id} * 37 + d) %% 60)::float8 AS h,
                    (1000 + a.{account.id} %% 997 * 50)::float8 AS c) x
ORDER BY d DESC, a.{account.id}
""",
    # The confidential detail of each snapshot, in its own table under row-level security.
    """
INSERT INTO {detail} ({detail.account}, {detail.scored_on}, {detail.measure_scores}, {detail.contributions},
    {detail.mostly_firefighting}, {detail.annual_margin})
SELECT s.{score.account}, s.{score.scored_on}, ARRAY[h,h,h,h,h,h,h]::float8[],
    ARRAY[h/7,h/7,h/7,h/7,h/7,h/7,h/7]::float8[], false, c
FROM {score} s,
    LATERAL (SELECT s.{score.health} AS h, (1000 + s.{score.account} %% 997 * 50)::float8 AS c) x
""",
]

# %(months)s months of revenue per account, before the current month.
REVENUE = """
INSERT INTO {revenue} ({revenue.account}, {revenue.month}, {revenue.revenue}, {revenue.margin},
    {revenue.updated_at})
SELECT a.{account.id}, (date_trunc('month', current_date) - make_interval(months => m))::date, 10000, 2500,
    now()
FROM {account} a, generate_series(1, %(months)s) m
"""


def segments_load(cursor) -> None:
    cursor.execute(sql(SEGMENTS, **TABLES))


def scores_and_revenue_load(cursor, *, accounts: int, days: int, months: int) -> None:
    params = {"accounts": accounts, "days": days, "months": months}
    for template in [*SCORE_HISTORY, REVENUE]:
        cursor.execute(sql(template, **TABLES), params)
