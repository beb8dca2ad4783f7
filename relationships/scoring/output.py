"""Scoring one chunk's inputs with the pure functions, and writing the results in bulk.

Part of the nightly scoring service (relationships/scoring/services.py): `score_chunk` lines each
statement's named columns up by account and applies the vectorised pure functions of
relationships/scoring/compute.py to the whole chunk at once; `write_scores` writes the sanitized
snapshot (AccountScore) and its confidential detail (AccountScoreDetail), both keyed by (account,
date), as binary COPY data (kam/lib/pgcopy.py).
"""

import datetime
import io
from dataclasses import dataclass

import numpy as np
import psycopg2
from django.conf import settings
from django.db import connection, transaction

from kam.lib.pgcopy import BinaryRows
from relationships.models import STALE_AFTER_DAYS, AccountScore, AccountScoreDetail
from relationships.scoring import compute
from relationships.scoring.inputs import Columns, Inputs, line_up
from relationships.scoring.models import BANDS_BY_RANK
from relationships.scoring.selectors import scoring_settings

CURVE_YEARS_IF_INFINITE = 10
SOURCES = ("health", "segment", "default")  # AccountScore.retention_source
BAND_NAMES = [BANDS_BY_RANK[rank].value for rank in range(len(BANDS_BY_RANK))]


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
    firefighting_share: float
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
            firefighting_share=s.firefighting_share,
            discount=settings.CLV_DISCOUNT_RATE,
            horizon=settings.CLV_HORIZON_YEARS,
        )


@dataclass(frozen=True)
class ChunkScores:
    """One chunk's results, one entry (or row) per account in id order; NaN is "no data"."""

    account_id: np.ndarray
    owner_id: np.ndarray
    measure_scores: np.ndarray  # accounts × compute.MEASURES
    health: np.ndarray
    band_rank: np.ndarray  # into BANDS_BY_RANK
    coverage: np.ndarray
    contributions: np.ndarray  # accounts × compute.MEASURES
    mostly_firefighting: np.ndarray
    trend_30d: np.ndarray
    retention: np.ndarray
    retention_source: np.ndarray  # into SOURCES
    annual_margin: np.ndarray
    clv: np.ndarray
    clv_curve: np.ndarray  # accounts × years; a row of NaN: no CLV

    def __len__(self) -> int:
        return len(self.account_id)


def _measure_scores(
    inputs: Inputs, ids: np.ndarray, revenue: Columns, config: Config
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(accounts × measures) scores, and the accounts' recent and recent firefighting interactions."""
    v = compute
    i = line_up(inputs.interactions, ids)
    has_interactions = ~np.isnan(i["weight_sum"])
    for name in ("weight_sum", "value_sum", "recent", "prior", "recent_firefighting", "escalations"):
        i[name] = np.nan_to_num(i[name])  # no interactions: zero of each (days_since stays NaN)
    people = line_up(inputs.stakeholders, ids)
    plan = line_up(inputs.plans, ids)
    followups = np.nan_to_num(line_up(inputs.open_followups, ids)["open_followups"])
    # A stakeholder row has people >= 1 and a plan row its counts: NaN in them only means "no row".
    scores = np.column_stack([
        v.mix_scores(i["weight_sum"], i["value_sum"]),
        v.recency_scores(i["days_since"], config.recency_zero_days),
        v.trend_scores(i["recent"], i["prior"]),
        np.where(np.isnan(people["people"]), np.nan, v.stakeholder_scores(
            people["key_people"], people["key_engaged"], np.nan_to_num(people["people"]), people["fresh"])),
        v.plan_scores(plan["due"], plan["overdue"], plan["days_since_review"], STALE_AFTER_DAYS),
        v.commercial_scores(
            v.annualized(revenue["revenue"], np.nan_to_num(revenue["months"])),
            v.annualized(revenue["prior_revenue"], np.nan_to_num(revenue["prior_months"])),
        ),
        v.escalation_scores(i["escalations"] + followups, has_interactions),
    ])  # fmt: skip
    return scores, i["recent"], i["recent_firefighting"]


def score_chunk(inputs: Inputs, config: Config, rates: dict) -> ChunkScores:
    """Every account's measures, health, band and CLV, from the vectorised pure functions applied once
    to the whole chunk; this function only lines the statements' columns up by account."""
    v = compute
    accounts = inputs.accounts
    ids = accounts["account_id"]
    revenue = line_up(inputs.revenue, ids)
    scores, recent, recent_firefighting = _measure_scores(inputs, ids, revenue, config)
    health, band, coverage, contributions = v.health(
        scores,
        config.weights,
        green_from=config.green_from,
        amber_from=config.amber_from,
        min_coverage=config.min_coverage,
    )
    firefighting = v.mostly_firefighting(recent, recent_firefighting, share=config.firefighting_share)
    trend = v.rounded(health - line_up(inputs.month_ago, ids)["month_ago_health"], 2)

    retention = v.retention_from_health(health, config.r_min, config.r_max)
    source = np.where(np.isnan(retention), SOURCES.index("default"), SOURCES.index("health"))
    segment_rates = _segment_rates(accounts["segment_id"], rates)
    use_segment = np.isnan(retention) & ~np.isnan(segment_rates)
    source[use_segment] = SOURCES.index("segment")
    retention = np.where(
        np.isnan(retention), np.where(use_segment, segment_rates, config.default_retention), retention
    )
    retention = v.rounded(retention, 4)  # as stored: CLV follows from it
    annual = v.annualized(revenue["margin"], np.nan_to_num(revenue["months"]), minimum_months=1)
    years = config.horizon or CURVE_YEARS_IF_INFINITE
    curve = v.clv_curves(annual, retention, config.discount, years)
    value = curve[:, -1] if config.horizon else v.clv_infinite(annual, retention, config.discount)
    return ChunkScores(
        account_id=ids,
        owner_id=accounts["owner_id"],
        measure_scores=scores,
        health=health,
        band_rank=band,
        coverage=coverage,
        contributions=contributions,
        mostly_firefighting=firefighting,
        trend_30d=trend,
        retention=retention,
        retention_source=source,
        annual_margin=annual,
        clv=value,
        clv_curve=curve,
    )


def _segment_rates(segment_ids: np.ndarray, rates: dict) -> np.ndarray:
    """Each account's segment retention rate (`rates` is keyed by segment id as text), NaN for none."""
    known = {int(segment): rate for segment, rate in rates.items() if rate}
    if not known:
        return np.full(len(segment_ids), np.nan)
    keys = np.array(sorted(known), dtype=np.int64)
    values = np.array([known[key] for key in keys.tolist()])
    at = np.minimum(np.searchsorted(keys, segment_ids), len(keys) - 1)
    return np.where(keys[at] == segment_ids, values[at], np.nan)


# The columns each COPY writes, in its order.
SNAPSHOT_COLUMNS = (
    "account_id", "scored_on", "health", "band", "trend_30d", "coverage", "retention", "retention_source",
    "clv", "clv_curve", "computed_at",
)  # fmt: skip
DETAIL_COLUMNS = (
    "account_id", "scored_on", "measure_scores", "contributions", "mostly_firefighting", "annual_margin",
)  # fmt: skip


def snapshot_copy(scores: ChunkScores, *, day: datetime.date, computed_at: datetime.datetime) -> bytes:
    """The chunk's AccountScore rows as binary COPY data, in SNAPSHOT_COLUMNS order."""
    rows = BinaryRows(len(scores), len(SNAPSHOT_COLUMNS))
    rows.int8(scores.account_id)
    rows.constant_date(day)
    rows.float8(scores.health)
    rows.text(scores.band_rank, BAND_NAMES)
    rows.float8(scores.trend_30d)
    rows.float8(scores.coverage)
    rows.float8(scores.retention)
    rows.text(scores.retention_source, SOURCES)
    rows.float8(scores.clv)
    rows.float8_array(scores.clv_curve, empty=np.isnan(scores.clv_curve).all(axis=1))  # no CLV: '{}'
    rows.constant_timestamptz(computed_at)
    return rows.getvalue()


def detail_copy(scores: ChunkScores, *, day: datetime.date) -> bytes:
    """The chunk's AccountScoreDetail rows as binary COPY data, in DETAIL_COLUMNS order."""
    rows = BinaryRows(len(scores), len(DETAIL_COLUMNS))
    rows.int8(scores.account_id)
    rows.constant_date(day)
    rows.float8_array(scores.measure_scores)
    rows.float8_array(scores.contributions)
    rows.boolean(scores.mostly_firefighting)
    rows.float8(scores.annual_margin)
    return rows.getvalue()


SNAPSHOT_BATCH = """
CREATE TEMP TABLE scoring_snapshot_batch (
    account_id bigint, scored_on date, health float8, band text, trend_30d float8, coverage float8,
    retention float8, retention_source text, clv float8, clv_curve float8[], computed_at timestamptz
) ON COMMIT DROP
"""
DETAIL_BATCH = """
CREATE TEMP TABLE scoring_detail_batch (
    account_id bigint, scored_on date, measure_scores float8[], contributions float8[],
    mostly_firefighting boolean, annual_margin float8
) ON COMMIT DROP
"""
# Unchanged rows are left alone, so a rerun the same day leaves them byte for byte as they were.
UPSERT_SQL = """
INSERT INTO {table} ({columns})
SELECT {columns} FROM {batch}
ON CONFLICT (account_id, scored_on) DO UPDATE SET {updates}
WHERE ({current}) IS DISTINCT FROM ({excluded})
"""
INSERT_SQL = "INSERT INTO {table} ({columns}) SELECT {columns} FROM {batch}"


def _upsert(cursor, table: str, batch: str, columns: tuple[str, ...], compared: tuple[str, ...]) -> None:
    cursor.execute(
        UPSERT_SQL.format(
            table=table,
            batch=batch,
            columns=", ".join(columns),
            updates=", ".join(f"{c} = EXCLUDED.{c}" for c in columns[2:]),
            current=", ".join(f"{table}.{c}" for c in compared),
            excluded=", ".join(f"EXCLUDED.{c}" for c in compared),
        )
    )


def _copy_in(cursor, ddl: str, batch: str, data: bytes) -> None:
    cursor.execute(ddl)
    cursor.copy_expert(f"COPY {batch} FROM STDIN (FORMAT binary)", io.BytesIO(data))


def write_scores(
    scores: ChunkScores, *, day: datetime.date, computed_at: datetime.datetime, fresh: bool
) -> None:
    """Write the chunk's snapshot and detail rows, keyed by (account, date), replacing a rerun's.

    `fresh`: the day has no snapshot rows yet as far as the inputs could tell (the first night run of
    the day). Then the snapshot rows are copied straight into their table and the detail rows inserted
    plainly, inside a savepoint: the unique (account, date) keys still refuse any row that turned up
    meanwhile, and on that (or if COPY is not allowed on the table) the savepoint is rolled back and the
    rows take the upsert path, always taken on a rerun: copied into temporary tables, upserted from there.
    The detail always passes through a temporary table: PostgreSQL refuses COPY FROM into a table under
    row-level security.
    """
    snapshot, detail = snapshot_copy(scores, day=day, computed_at=computed_at), detail_copy(scores, day=day)
    score_table, detail_table = AccountScore._meta.db_table, AccountScoreDetail._meta.db_table
    if fresh:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                copy = f"COPY {score_table} ({', '.join(SNAPSHOT_COLUMNS)}) FROM STDIN (FORMAT binary)"
                cursor.copy_expert(copy, io.BytesIO(snapshot))
                _copy_in(cursor, DETAIL_BATCH, "scoring_detail_batch", detail)
                cursor.execute(
                    INSERT_SQL.format(
                        table=detail_table, batch="scoring_detail_batch", columns=", ".join(DETAIL_COLUMNS)
                    )
                )
                cursor.execute("DROP TABLE scoring_detail_batch")
            return
        except (psycopg2.IntegrityError, psycopg2.NotSupportedError):  # copy_expert: the driver's own
            pass
    with connection.cursor() as cursor:
        _copy_in(cursor, SNAPSHOT_BATCH, "scoring_snapshot_batch", snapshot)
        # computed_at changes on every run: compared, it would rewrite every row; it follows the others.
        _upsert(cursor, score_table, "scoring_snapshot_batch", SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS[2:-1])
        _copy_in(cursor, DETAIL_BATCH, "scoring_detail_batch", detail)
        _upsert(cursor, detail_table, "scoring_detail_batch", DETAIL_COLUMNS, DETAIL_COLUMNS[2:])
        # ON COMMIT DROP is for the worker's own transaction; a caller's outer one may score again.
        cursor.execute("DROP TABLE scoring_snapshot_batch, scoring_detail_batch")
