"""Scoring one chunk's inputs with the pure functions, and writing the results in bulk.

Part of the nightly scoring service (relationships/services/scoring.py): `score_rows` applies the pure
functions of relationships/scoring.py to each account's aggregates (they stay the one definition of
every measure, band and CLV) and writes COPY text; `write_scores` upserts it into the daily snapshot
keyed by (account, date); `raise_alerts` inserts the owners' alerts once per episode.
"""

import datetime
import io
from dataclasses import dataclass
from itertools import chain

import numpy as np
from django.conf import settings
from django.db import connection

from relationships import scoring
from relationships import scoring_vectorised as vectorised
from relationships.models import STALE_AFTER_DAYS, AccountScore, ScoreAlert, ScoringSettings
from relationships.services.scoring_inputs import Inputs

CURVE_YEARS_IF_INFINITE = 10


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


def _column(rows: dict, ids: np.ndarray, width: int) -> np.ndarray:
    """The (accounts × width) float array of a keyed statement's rows, NaN for accounts without one."""
    out = np.full((len(ids), width), np.nan)
    if rows:
        keys = np.fromiter(rows.keys(), dtype=np.int64, count=len(rows))
        at = np.searchsorted(ids, keys)
        out[at] = np.array(list(rows.values()), dtype=np.float64).reshape(len(rows), width)
    return out


def _copy_text(columns: list, template: str, years: int) -> str:
    """The COPY text of the rows, with every number written by one C-level "%.4f" per value.

    Four decimals are plenty for scores and money, and shorter text is faster for COPY to parse. NaN is
    written "nan" and then becomes NULL (in an array) or \\N (a field); a missing CLV's curve is empty.
    """
    rows = list(zip(*[c.tolist() if isinstance(c, np.ndarray) else c for c in columns], strict=True))
    text = (template * len(rows)) % tuple(chain.from_iterable(rows))
    text = text.replace("\t{" + ",".join(["nan"] * years) + "}\n", "\t{}\n")
    return text.replace("\tnan", "\t\\N").replace("nan", "NULL")


def score_rows(inputs: Inputs, config: Config, rates: dict) -> tuple[io.StringIO, list[tuple], int]:
    """The COPY text of the chunk's scores, and the alerts to raise.

    Every number comes from the vectorised pure functions (relationships/scoring_vectorised.py, equal to
    the scalar ones in relationships/scoring.py), applied once to the whole chunk; this function only
    lines the aggregates up by account and writes text.
    """
    v, n = vectorised, len(inputs.accounts)
    if not n:
        return io.StringIO(""), [], 0
    accounts = np.array(inputs.accounts, dtype=np.int64).reshape(n, 3)
    ids = accounts[:, 0]
    i = _column(inputs.interactions, ids, 7)
    has_interactions = ~np.isnan(i[:, 0])
    i[:, [0, 1, 3, 4, 5, 6]] = np.nan_to_num(i[:, [0, 1, 3, 4, 5, 6]])  # NO_INTERACTIONS
    weight_sum, value_sum, days_since, recent, prior, recent_trouble, escalations = i.T
    people = _column(inputs.stakeholders, ids, 4)
    plan = _column(inputs.plans, ids, 3)
    revenue, margin, months, prior_revenue, prior_months = _column(inputs.revenue, ids, 5).T
    months, prior_months = np.nan_to_num(months), np.nan_to_num(prior_months)  # NO_REVENUE
    followups = np.nan_to_num(_column(inputs.open_followups, ids, 1)[:, 0])
    # A stakeholder row has people >= 1 and a plan row its counts: NaN in them only means "no row".
    scores = np.column_stack([
        v.mix_scores(weight_sum, value_sum),
        v.recency_scores(days_since, config.recency_zero_days),
        v.trend_scores(recent, prior),
        np.where(np.isnan(people[:, 0]), np.nan,
                 v.stakeholder_scores(people[:, 1], people[:, 3], np.nan_to_num(people[:, 0]), people[:, 2])),
        v.plan_scores(plan[:, 1], plan[:, 2], plan[:, 0], STALE_AFTER_DAYS),
        v.commercial_scores(v.annualized(revenue, months), v.annualized(prior_revenue, prior_months)),
        v.escalation_scores(escalations + followups, has_interactions),
    ])  # fmt: skip
    score, band, coverage, contributions = v.health(
        scores,
        config.weights,
        green_from=config.green_from,
        amber_from=config.amber_from,
        min_coverage=config.min_coverage,
    )
    trouble = v.in_trouble(recent, recent_trouble, share=config.trouble_share)
    then = _column(inputs.month_ago, ids, 1)[:, 0]
    trend = [round(x, 2) for x in (score - then).tolist()]  # round() as the scalar path; NaN stays NaN

    retention = v.retention_from_health(score, config.r_min, config.r_max)
    source = np.where(np.isnan(retention), "default", "health").astype(object)
    segment_rates = np.array([rates.get(str(s)) or np.nan for s in accounts[:, 1].tolist()])
    use_segment = np.isnan(retention) & ~np.isnan(segment_rates)
    source[use_segment] = "segment"
    retention = np.where(
        np.isnan(retention), np.where(use_segment, segment_rates, config.default_retention), retention
    )
    retention = np.array([round(x, 4) for x in retention.tolist()])  # as stored: CLV follows from it
    annual = v.annualized(margin, months, minimum_months=1)
    years = config.horizon or CURVE_YEARS_IF_INFINITE
    curve = v.clv_curves(annual, retention, config.discount, years)
    value = curve[:, -1] if config.horizon else v.clv_infinite(annual, retention, config.discount)

    measures = len(scoring.MEASURES)
    array = "{" + ",".join(["%.4f"] * measures) + "}"
    template = (
        f"%d\t%.4f\t%s\t%.4f\t%.4f\t{array}\t{array}\t%s\t%.4f\t%s\t%.4f\t%.4f\t"
        "{" + ",".join(["%.4f"] * years) + "}\n"
    )
    columns = [ids, score, v.BANDS[band], trend, coverage, *scores.T, *contributions.T,
               np.where(trouble, "t", "f"), retention, source, annual, value, *curve.T]  # fmt: skip
    text = _copy_text(columns, template, years)
    return io.StringIO(text), _alerts(inputs, accounts, band, trouble), n


def _alerts(inputs: Inputs, accounts: np.ndarray, band: np.ndarray, trouble: np.ndarray) -> list[tuple]:
    previous = inputs.previous  # account id → (band, in_trouble, health)
    rank = {b: r for r, b in enumerate(vectorised.BANDS.tolist())}
    before = [previous.get(a) or (None, False, None) for a in accounts[:, 0].tolist()]
    previous_rank = np.array([rank.get(b, 0) for b, _t, _h in before])
    previous_trouble = np.array([bool(t) for _b, t, _h in before])
    dropped = vectorised.band_dropped(previous_rank, band)
    alerts = []
    for k in np.flatnonzero(dropped | (trouble & ~previous_trouble)).tolist():
        account_id, owner_id = int(accounts[k, 0]), int(accounts[k, 2])
        if dropped[k]:
            current = vectorised.BANDS[band[k]]
            message = f"Health dropped from {before[k][0]} to {current}."
            alerts.append((account_id, owner_id, "band_drop", message))
        if trouble[k] and not previous_trouble[k]:
            alerts.append(
                (account_id, owner_id, "trouble", "Most recent interactions are firefighting or escalation.")
            )
    return alerts


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
