"""Scoring one chunk's inputs with the pure functions, and writing the results in bulk.

Part of the nightly scoring service (relationships/services/scoring.py): `score_rows` applies the pure
functions of relationships/scoring.py to each account's aggregates (they stay the one definition of
every measure, band and CLV) and encodes the rows as binary COPY data; `write_scores` writes them into
the daily snapshot keyed by (account, date); `raise_alerts` inserts the owners' alerts once per episode.
"""

import datetime
import io
from dataclasses import dataclass

import numpy as np
import psycopg2
from django.conf import settings
from django.db import connection, transaction

from relationships.models import STALE_AFTER_DAYS, AccountScore, ScoreAlert, ScoringSettings
from relationships.scoring import compute as vectorised
from relationships.scoring.inputs import Inputs

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


class BinaryRows:
    """`COPY ... (FORMAT binary)` data built a column at a time with numpy, never a value at a time.

    Each field is a byte matrix (rows × its longest encoding) and the number of its bytes each row uses
    (a NULL uses only its length word); the body is every row's used bytes, in order, picked out of the
    side-by-side matrices with one boolean mask. No number is formatted as text or parsed back: the
    float8 values arrive as they were computed. NaN is written as NULL (a field, or an array element).
    """

    def __init__(self, rows: int, fields: int):
        self.rows = rows
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._fixed(np.array(fields, ">i2"))  # each tuple starts with its field count

    def _add(self, array: np.ndarray, used) -> None:
        matrix = np.ascontiguousarray(array).view(np.uint8).reshape(self.rows, -1)
        self.parts.append((matrix, np.broadcast_to(np.asarray(used, np.int64), (self.rows,))))

    def _fixed(self, value: np.ndarray) -> None:
        self._add(np.broadcast_to(value, (self.rows,)), value.itemsize)

    def int8(self, values: np.ndarray) -> None:
        field = np.empty(self.rows, _FIELD_INT8)
        field["len"], field["value"] = 8, values
        self._add(field, 12)

    def float8(self, values: np.ndarray) -> None:
        null = np.isnan(values)
        field = np.empty(self.rows, _FIELD_FLOAT8)
        field["len"], field["value"] = np.where(null, -1, 8), values
        self._add(field, np.where(null, 4, 12))

    def boolean(self, values: np.ndarray) -> None:
        field = np.empty(self.rows, _FIELD_BOOL)
        field["len"], field["value"] = 1, values
        self._add(field, 5)

    def text(self, codes: np.ndarray, vocabulary) -> None:
        """Text from a small vocabulary, by each row's index into it."""
        words = [str(w).encode() for w in vocabulary]
        width = max(len(w) for w in words)
        table = np.zeros(len(words), [("len", ">i4"), ("value", f"S{width}")])
        table["len"], table["value"] = [len(w) for w in words], words
        self._add(table[codes], 4 + table["len"].astype(np.int64)[codes])

    def date(self, day: datetime.date) -> None:
        self._fixed(np.array((4, (day - PG_EPOCH).days), _FIELD_DATE))

    def timestamptz(self, moment: datetime.datetime) -> None:
        delta = moment - PG_EPOCH_UTC
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        self._fixed(np.array((8, micros), _FIELD_INT8))

    def float8_array(self, values: np.ndarray, empty: np.ndarray | None = None) -> None:
        """One float8[] per row (a row of `values`); `empty` rows are written '{}'."""
        null = np.isnan(values)
        empty = np.zeros(self.rows, bool) if empty is None else empty
        element_bytes = np.where(null, 4, 12)
        element_bytes[empty] = 0
        header = np.empty(self.rows, _ARRAY_HEADER)
        header["ndim"], header["flags"], header["oid"] = 1, null.any(axis=1), FLOAT8_OID
        header["size"], header["lower"] = values.shape[1], 1
        header["len"] = 20 + element_bytes.sum(axis=1)
        header["ndim"][empty], header["flags"][empty], header["len"][empty] = 0, 0, 12
        self._add(header, np.where(empty, 16, 24))
        elements = np.empty(values.shape, _FIELD_FLOAT8)
        elements["len"], elements["value"] = np.where(null, -1, 8), values
        for j in range(values.shape[1]):
            self._add(elements[:, j], element_bytes[:, j])

    def getvalue(self) -> bytes:
        width = sum(m.shape[1] for m, _used in self.parts)
        matrix = np.empty((self.rows, width), np.uint8)
        mask = np.ones((self.rows, width), bool)  # written only where some row uses less than all
        at = 0
        for part, used in self.parts:
            end = at + part.shape[1]
            matrix[:, at:end] = part
            if used.min() < part.shape[1]:
                np.less(np.arange(part.shape[1]), used[:, None], out=mask[:, at:end])
            at = end
        return COPY_HEADER + matrix[mask].tobytes() + COPY_TRAILER


PG_EPOCH = datetime.date(2000, 1, 1)
PG_EPOCH_UTC = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
FLOAT8_OID = 701
COPY_HEADER, COPY_TRAILER = b"PGCOPY\n\xff\r\n\x00" + bytes(8), b"\xff\xff"
_FIELD_INT8 = np.dtype([("len", ">i4"), ("value", ">i8")])
_FIELD_FLOAT8 = np.dtype([("len", ">i4"), ("value", ">f8")])
_FIELD_BOOL = np.dtype([("len", ">i4"), ("value", "?")])
_FIELD_DATE = np.dtype([("len", ">i4"), ("value", ">i4")])
_ARRAY_HEADER = np.dtype(
    [("len", ">i4"), ("ndim", ">i4"), ("flags", ">i4"), ("oid", ">i4"), ("size", ">i4"), ("lower", ">i4")]
)
SOURCES = ("health", "segment", "default")


def score_rows(
    inputs: Inputs, config: Config, rates: dict, day: datetime.date
) -> tuple[io.BytesIO, list[tuple], int]:
    """The binary COPY data of the chunk's scores, and the alerts to raise.

    Every number comes from the vectorised pure functions (relationships/scoring_vectorised.py, equal to
    the scalar ones in relationships/scoring.py), applied once to the whole chunk; this function only
    lines the aggregates up by account and encodes them.
    """
    v, n = vectorised, len(inputs.accounts)
    if not n:
        return io.BytesIO(COPY_HEADER + COPY_TRAILER), [], 0
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
    trend = np.array([round(x, 2) for x in (score - then).tolist()])  # round() as the scalar path

    retention = v.retention_from_health(score, config.r_min, config.r_max)
    source = np.where(np.isnan(retention), SOURCES.index("default"), SOURCES.index("health"))
    segment_rates = np.array([rates.get(str(s)) or np.nan for s in accounts[:, 1].tolist()])
    use_segment = np.isnan(retention) & ~np.isnan(segment_rates)
    source[use_segment] = SOURCES.index("segment")
    retention = np.where(
        np.isnan(retention), np.where(use_segment, segment_rates, config.default_retention), retention
    )
    retention = np.array([round(x, 4) for x in retention.tolist()])  # as stored: CLV follows from it
    annual = v.annualized(margin, months, minimum_months=1)
    years = config.horizon or CURVE_YEARS_IF_INFINITE
    curve = v.clv_curves(annual, retention, config.discount, years)
    value = curve[:, -1] if config.horizon else v.clv_infinite(annual, retention, config.discount)

    rows = BinaryRows(n, len(ROW_COLUMNS))
    rows.int8(ids)
    rows.date(day)
    rows.float8(score)
    rows.text(band, v.BANDS)
    rows.float8(trend)
    rows.float8(coverage)
    rows.float8_array(scores)
    rows.float8_array(contributions)
    rows.boolean(trouble)
    rows.float8(retention)
    rows.text(source, SOURCES)
    rows.float8(annual)
    rows.float8(value)
    rows.float8_array(curve, empty=np.isnan(curve).all(axis=1))  # a missing CLV's curve is empty
    rows.timestamptz(inputs.computed_at)
    return io.BytesIO(rows.getvalue()), _alerts(inputs, accounts, band, trouble), n


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


SCORE_COLUMNS = (
    "health", "band", "trend_30d", "coverage", "measure_scores", "contributions", "in_trouble",
    "retention", "retention_source", "annual_margin", "clv", "clv_curve",
)  # fmt: skip
# The columns score_rows encodes, in its order: every column of the snapshot table but its id.
ROW_COLUMNS = ("account_id", "scored_on", *SCORE_COLUMNS, "computed_at")
BATCH_DDL = """
CREATE TEMP TABLE scoring_batch (
    account_id bigint, scored_on date, health float8, band text, trend_30d float8, coverage float8,
    measure_scores float8[], contributions float8[], in_trouble boolean, retention float8,
    retention_source text, annual_margin float8, clv float8, clv_curve float8[], computed_at timestamptz
) ON COMMIT DROP
"""
# Unchanged rows are left alone, so a rerun the same day leaves them byte for byte as they were.
UPSERT_SQL = """
INSERT INTO {score} ({all_columns})
SELECT {all_columns} FROM scoring_batch
ON CONFLICT (account_id, scored_on) DO UPDATE SET {updates}, computed_at = EXCLUDED.computed_at
WHERE ({current}) IS DISTINCT FROM ({excluded})
"""


def write_scores(buffer: io.BytesIO, *, fresh: bool) -> None:
    """Upsert the chunk's rows into the daily snapshot, keyed by (account, date).

    `fresh`: the chunk's day has no snapshot rows yet as far as the inputs could tell (the first night
    run of the day). Then the rows are copied straight into the snapshot table, inside a savepoint: the
    unique (account, date) constraint still refuses any row that turned up meanwhile, and on that (or
    if COPY is not allowed on the table) the savepoint is rolled back and the rows take the upsert path.
    That path (always taken on a rerun) copies them into a temporary table and upserts from there.
    Measured per 5,000-account chunk: ≈34 ms straight against ≈53 ms through the upsert.
    """
    table = AccountScore._meta.db_table
    if fresh:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(ROW_COLUMNS)}) FROM STDIN (FORMAT binary)", buffer
                )
            return
        except (psycopg2.IntegrityError, psycopg2.NotSupportedError):  # copy_expert: the driver's own
            buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(BATCH_DDL)
        cursor.copy_expert("COPY scoring_batch FROM STDIN (FORMAT binary)", buffer)
        cursor.execute(
            UPSERT_SQL.format(
                score=table,
                all_columns=", ".join(ROW_COLUMNS),
                updates=", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_COLUMNS),
                current=", ".join(f"{table}.{c}" for c in SCORE_COLUMNS),
                excluded=", ".join(f"EXCLUDED.{c}" for c in SCORE_COLUMNS),
            )
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
