"""Scoring one chunk's inputs with the pure functions, and writing the results in bulk.

Part of the nightly scoring service (relationships/services/scoring.py): `score_rows` applies the pure
functions of relationships/scoring.py to each account's aggregates (they stay the one definition of
every measure, band and CLV) and writes COPY text; `write_scores` upserts it into the daily snapshot
keyed by (account, date); `raise_alerts` inserts the owners' alerts once per episode.
"""

import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from relationships import scoring
from relationships.models import STALE_AFTER_DAYS, AccountScore, ScoreAlert, ScoringSettings
from relationships.services.scoring_inputs import Inputs

CURVE_YEARS_IF_INFINITE = 10
NO_INTERACTIONS = (0.0, 0.0, None, 0, 0, 0, 0)
NO_REVENUE = (None, None, 0, None, 0)


def scoring_settings() -> ScoringSettings:
    return ScoringSettings.objects.get_or_create(pk=1)[0]


@dataclass(frozen=True)
class Config:
    weights: tuple[float, ...]
    green_from: float
    amber_from: float
    min_coverage: float
    half_life_days: float
    recency_zero_days: float
    r_min: float
    r_max: float
    default_retention: float
    trouble_share: float
    discount: float
    horizon: int

    @classmethod
    def current(cls) -> "Config":
        s = scoring_settings()
        return cls(
            weights=s.weights(),
            green_from=s.green_from,
            amber_from=s.amber_from,
            min_coverage=s.min_coverage,
            half_life_days=s.half_life_days,
            recency_zero_days=s.recency_zero_days,
            r_min=s.retention_at_health_0,
            r_max=s.retention_at_health_100,
            default_retention=s.default_retention,
            trouble_share=s.trouble_share,
            discount=settings.CLV_DISCOUNT_RATE,
            horizon=settings.CLV_HORIZON_YEARS,
        )


def _clv(annual: float | None, retention: float, config: Config) -> tuple[float | None, tuple[float, ...]]:
    if annual is None:
        return None, ()
    curve = scoring.clv_curve(annual, retention, config.discount, config.horizon or CURVE_YEARS_IF_INFINITE)
    return (curve[-1] if config.horizon else scoring.clv(annual, retention, config.discount, None)), curve


# Four decimals are plenty for scores and money, and shorter text is faster for COPY to parse
# ("%.4f" % value is the quickest way Python has to write one; this runs 2 million times a night).
def _num(value: float | None) -> str:
    return "\\N" if value is None else "%.4f" % value  # noqa: UP031


def _array(values) -> str:
    return "{" + ",".join(["NULL" if v is None else "%.4f" % v for v in values]) + "}"  # noqa: UP031


def score_rows(inputs: Inputs, config: Config, rates: dict) -> tuple[io.StringIO, list[tuple], int]:
    """The COPY text of the chunk's scores, and the alerts to raise.

    Every number comes from the pure functions; this loop only looks the aggregates up and writes text
    (it runs for every account every night, so it binds what it calls to locals once).
    """
    s = scoring
    lines, alerts = [], []
    interactions, stakeholders, plans = inputs.interactions, inputs.stakeholders, inputs.plans
    revenues, followups, month_ago, previous = (
        inputs.revenue,
        inputs.open_followups,
        inputs.month_ago,
        inputs.previous,
    )
    weights, zero_days, trouble_share = config.weights, config.recency_zero_days, config.trouble_share
    bands = {
        "green_from": config.green_from,
        "amber_from": config.amber_from,
        "min_coverage": config.min_coverage,
    }
    for account_id, segment_id, owner_id in inputs.accounts:
        i = interactions.get(account_id)
        weight_sum, value_sum, days_since, recent, prior, recent_trouble, escalations = i or NO_INTERACTIONS
        people = stakeholders.get(account_id)
        plan = plans.get(account_id)
        revenue, margin, months, prior_revenue, prior_months = revenues.get(account_id) or NO_REVENUE
        scores = (
            s.mix_score(weight_sum or 0.0, value_sum or 0.0),
            s.recency_score(days_since, zero_days),
            s.trend_score(recent, prior),
            s.stakeholder_score(people[1], people[3], people[0], people[2]) if people else None,
            s.plan_score(plan[1], plan[2], plan[0], STALE_AFTER_DAYS) if plan else None,
            s.commercial_score(s.annualized(revenue, months), s.annualized(prior_revenue, prior_months)),
            s.escalation_score(escalations + followups.get(account_id, 0), i is not None),
        )
        result = s.health(scores, weights, **bands)
        trouble = s.in_trouble(recent, recent_trouble, share=trouble_share)
        then = month_ago.get(account_id)
        trend = None if result.score is None or then is None else round(result.score - then, 2)

        retention, source = s.retention_from_health(result.score, config.r_min, config.r_max), "health"
        if retention is None:
            segment_rate = rates.get(str(segment_id))
            retention, source = (
                (segment_rate, "segment") if segment_rate else (config.default_retention, "default")
            )
        retention = round(retention, 4)  # as stored, so the stored CLV follows from the stored retention
        annual = s.annualized(margin, months, minimum_months=1)
        value, curve = _clv(annual, retention, config)

        lines.append(
            f"{account_id}\t{_num(result.score)}\t{result.band}\t{_num(trend)}\t{result.coverage:.4f}\t"
            f"{_array(scores)}\t{_array(result.contributions)}\t{'t' if trouble else 'f'}\t{retention:.4f}\t"
            f"{source}\t{_num(annual)}\t{_num(value)}\t{_array(curve)}\n"
        )
        previous_band, previous_trouble, _ = previous.get(account_id) or (None, False, None)
        if s.band_dropped(previous_band, result.band):
            alerts.append(
                (account_id, owner_id, "band_drop", f"Health dropped from {previous_band} to {result.band}.")
            )
        if trouble and not previous_trouble:
            alerts.append(
                (account_id, owner_id, "trouble", "Most recent interactions are firefighting or escalation.")
            )
    return io.StringIO("".join(lines)), alerts, len(inputs.accounts)


BATCH_DDL = """
CREATE TEMP TABLE scoring_batch (
    account_id bigint, health float8, band text, trend_30d float8, coverage float8,
    measure_scores float8[], contributions float8[], in_trouble boolean, retention float8,
    retention_source text, annual_margin float8, clv float8, clv_curve float8[]
) ON COMMIT DROP
"""
SCORE_COLUMNS = (
    "health", "band", "trend_30d", "coverage", "measure_scores", "contributions", "in_trouble",
    "retention", "retention_source", "annual_margin", "clv", "clv_curve",
)  # fmt: skip
# Unchanged rows are left alone, so a rerun the same day leaves them byte for byte as they were.
UPSERT_SQL = """
INSERT INTO {score} (account_id, scored_on, {columns}, computed_at)
SELECT account_id, %(day)s, {columns}, now() FROM scoring_batch
ON CONFLICT (account_id, scored_on) DO UPDATE SET {updates}, computed_at = EXCLUDED.computed_at
WHERE ({current}) IS DISTINCT FROM ({excluded})
"""


def write_scores(buffer: io.StringIO, day: datetime.date) -> None:
    table = AccountScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(BATCH_DDL)
        cursor.copy_expert("COPY scoring_batch FROM STDIN", buffer)
        cursor.execute(
            UPSERT_SQL.format(
                score=table,
                columns=", ".join(SCORE_COLUMNS),
                updates=", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_COLUMNS),
                current=", ".join(f"{table}.{c}" for c in SCORE_COLUMNS),
                excluded=", ".join(f"EXCLUDED.{c}" for c in SCORE_COLUMNS),
            ),
            {"day": day},
        )
        # ON COMMIT DROP is for the worker's own transaction; a caller's outer one may score again.
        cursor.execute("DROP TABLE scoring_batch")


def raise_alerts(alerts: list[tuple], day: datetime.date) -> None:
    """Once per (account, kind, episode): a rerun the same day finds them already there."""
    if not alerts:
        return
    accounts, users, kinds, messages = (list(column) for column in zip(*alerts, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ScoreAlert._meta.db_table}
                    (account_id, user_id, kind, episode_on, message, created_at)
                SELECT a, u, k, %s, m, now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS t(a, u, k, m)
                ON CONFLICT (account_id, kind, episode_on) DO NOTHING""",  # noqa: S608 - our table name
            [day, accounts, users, kinds, messages],
        )
