"""Loading one chunk's scoring inputs: a few set-based aggregate statements over an account-id range.

Part of the nightly scoring service (relationships/scoring/services.py). Each statement reads its table
once for the whole range and comes back as named columns (numpy arrays keyed by the statement's column
names); the per-account arithmetic stays in the pure functions of relationships/scoring/compute.py,
which relationships/scoring/output.py applies to these sums.

Speed notes, measured on the 100,000-account benchmark (`make bench-scoring`), per 5,000-account chunk:

* Interactions (500,000 rows) are aggregated in two levels, per (account, category) then per account.
  The covering index (account_id, category) INCLUDE (occurred_on) hands the rows over already in that
  order from an index-only scan (no heap, no sort, no hash), each row then costs one exp() and three date
  comparisons, and the category's value and class are applied once per group instead of once per row
  (a CASE over text per row cost more than the scan): ≈110 ms instead of ≈185 ms.
* Revenue sums the numeric columns and casts the sums: PostgreSQL turns a numeric into float8 through
  its text form, so a cast per row costs more than the exact numeric accumulation (≈34 ms against
  ≈57 ms; with the covering unique index (account_id, month) INCLUDE (revenue, margin)). All the
  arithmetic after the sum is float8.
"""

import datetime
from dataclasses import dataclass

import numpy as np
from django.db import connection

from accounts.models import Account, Stakeholder
from relationships.models import (
    AccountPlan,
    AccountScore,
    AccountScoreDetail,
    FollowUpAction,
    Interaction,
    MonthlyRevenue,
    PlanAction,
)
from relationships.scoring.compute import CATEGORY_VALUE, decay_rate

RECENT_DAYS, PRIOR_DAYS, ESCALATION_OPEN_DAYS, ENGAGED_DAYS, FRESH_DAYS = 90, 180, 30, 180, 365
SNAPSHOT_LOOKBACK_DAYS = 7  # "previous snapshot" = the latest of the last week

# One statement's result: its columns by name, each a numpy array (float64 unless COLUMN_TYPES says
# otherwise; NULL is NaN), one entry per row.
Columns = dict[str, np.ndarray]
COLUMN_TYPES = {
    "account_id": np.int64,
    "segment_id": np.int64,
    "owner_id": np.int64,
    "band": object,
    "mostly_firefighting": bool,
}


def _columns(sql: str, params: dict) -> Columns:
    with connection.cursor() as cursor:
        cursor.execute(_format(sql), params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    values = zip(*rows, strict=True) if rows else [()] * len(names)
    return {
        name: np.array(column, dtype=COLUMN_TYPES.get(name, np.float64))
        for name, column in zip(names, values, strict=True)
    }


def _tables() -> dict[str, str]:
    return {
        "account": Account._meta.db_table,
        "interaction": Interaction._meta.db_table,
        "participants": Interaction.their_participants.through._meta.db_table,
        "followup": FollowUpAction._meta.db_table,
        "stakeholder": Stakeholder._meta.db_table,
        "plan": AccountPlan._meta.db_table,
        "action": PlanAction._meta.db_table,
        "revenue": MonthlyRevenue._meta.db_table,
        "score": AccountScore._meta.db_table,
        "detail": AccountScoreDetail._meta.db_table,
    }


RANGE = "BETWEEN %(lo)s AND %(hi)s AND (%(ids)s::bigint[] IS NULL OR {col} = ANY(%(ids)s::bigint[]))"

# One pass over the range's interactions, in two levels (see the module docstring). float8 throughout:
# the decay rate is a float8 parameter (a bare Python float arrives as a numeric literal, and numeric
# exp() per row costs ten times the scan). exp(-age · ln 2 / half-life) = 0.5^(age / half-life).
INTERACTIONS_SQL = """
SELECT account_id,
       sum(weight) AS weight_sum,
       sum(weight * CASE category {value_cases} ELSE 0::float8 END) AS value_sum,
       %(day)s - max(last_on) AS days_since,
       sum(recent)::int AS recent,
       sum(since_prior - recent)::int AS prior,
       coalesce(sum(recent) FILTER (WHERE category IN ({firefighting})), 0)::int AS recent_firefighting,
       coalesce(sum(since_esc) FILTER (WHERE category = 'escalation'), 0)::int AS escalations
FROM (
    SELECT i.account_id, i.category,
           sum(exp((i.occurred_on - %(day)s) * %(decay_rate)s::float8)) AS weight,
           max(i.occurred_on) AS last_on,
           count(*) FILTER (WHERE i.occurred_on > %(day)s - {recent}) AS recent,
           count(*) FILTER (WHERE i.occurred_on > %(day)s - {prior}) AS since_prior,
           count(*) FILTER (WHERE i.occurred_on > %(day)s - {esc}) AS since_esc
    FROM {interaction} i
    WHERE i.account_id {range_i} AND i.occurred_on <= %(day)s
    GROUP BY i.account_id, i.category
) per_category
GROUP BY account_id
"""

# Older escalations stay open while a follow-up on them is not done.
OPEN_FOLLOWUPS_SQL = """
SELECT i.account_id, count(DISTINCT i.id) AS open_followups
FROM {followup} f JOIN {interaction} i ON i.id = f.interaction_id
WHERE f.done_at IS NULL AND i.category = 'escalation' AND i.occurred_on <= %(day)s - {esc}
  AND i.account_id {range_i}
GROUP BY i.account_id
"""

STAKEHOLDERS_SQL = """
SELECT s.account_id, count(*) AS people,
       count(*) FILTER (WHERE s.influence >= 3) AS key_people,
       count(*) FILTER (WHERE s.updated_at::date > %(day)s - {fresh}) AS fresh,
       count(*) FILTER (WHERE s.influence >= 3 AND EXISTS (
           SELECT 1 FROM {participants} p JOIN {interaction} i ON i.id = p.interaction_id
           WHERE p.stakeholder_id = s.id AND i.occurred_on > %(day)s - {engaged}
             AND i.occurred_on <= %(day)s)) AS key_engaged
FROM {stakeholder} s
WHERE s.account_id {range_s}
GROUP BY s.account_id
"""

# The current plan is the latest fiscal year's.
PLANS_SQL = """
SELECT DISTINCT ON (p.account_id) p.account_id,
       %(day)s - p.reviewed_at::date AS days_since_review,
       (SELECT count(*) FROM {action} a WHERE a.plan_id = p.id AND a.due_on <= %(day)s) AS due,
       (SELECT count(*) FROM {action} a WHERE a.plan_id = p.id AND a.due_on < %(day)s
                                        AND a.status <> 'done') AS overdue
FROM {plan} p
WHERE p.account_id {range_p}
ORDER BY p.account_id, p.fiscal_year DESC
"""

# Complete months only: the trailing 12 before this month, and the 12 before those (dates as
# parameters: a date compared with `date - interval`, a timestamp, is cast on every row). Exact numeric
# sums, cast once per account (see the module docstring).
REVENUE_SQL = """
SELECT r.account_id,
       (sum(r.revenue) FILTER (WHERE r.month >= %(year_ago)s))::float8 AS revenue,
       (sum(r.margin) FILTER (WHERE r.month >= %(year_ago)s))::float8 AS margin,
       count(*) FILTER (WHERE r.month >= %(year_ago)s) AS months,
       (sum(r.revenue) FILTER (WHERE r.month < %(year_ago)s))::float8 AS prior_revenue,
       count(*) FILTER (WHERE r.month < %(year_ago)s) AS prior_months
FROM {revenue} r
WHERE r.account_id {range_r} AND r.month < %(month)s AND r.month >= %(two_years_ago)s
GROUP BY r.account_id
"""

# The latest snapshot of the last week before the day, with its detail's flag. The detail is read over
# the same account range and week (without them PostgreSQL hashed the whole table).
PREVIOUS_SQL = """
SELECT p.account_id, p.band, d.mostly_firefighting
FROM (
    SELECT DISTINCT ON (s.account_id) s.account_id, s.scored_on, s.band
    FROM {score} s
    WHERE s.account_id {range_sc} AND s.scored_on < %(day)s AND s.scored_on >= %(day)s - {lookback}
    ORDER BY s.account_id, s.scored_on DESC
) p
LEFT JOIN {detail} d ON d.account_id = p.account_id AND d.scored_on = p.scored_on
    AND d.account_id {range_d} AND d.scored_on < %(day)s AND d.scored_on >= %(day)s - {lookback}
"""

MONTH_AGO_SQL = """
SELECT DISTINCT ON (s.account_id) s.account_id, s.health AS month_ago_health
FROM {score} s
WHERE s.account_id {range_sc} AND s.scored_on <= %(day)s - 30 AND s.scored_on >= %(day)s - {month_lookback}
ORDER BY s.account_id, s.scored_on DESC
"""

ACCOUNTS_SQL = (
    "SELECT id AS account_id, segment_id, owner_id FROM {account} a WHERE a.id {range_a} ORDER BY id"
)

# The snapshot's computed_at (the transaction's start, as now() in the upsert), and whether the range's
# first account has no snapshot for the day yet: then the day's rows are most likely all new, and they
# are copied straight in (relationships/scoring/output.py, write_scores). One index probe, not a scan.
RUN_STATE_SQL = """
SELECT now(), NOT EXISTS (SELECT 1 FROM {score} s WHERE s.account_id = %(lo)s AND s.scored_on = %(day)s)
"""


def _format(sql: str) -> str:
    value_cases = " ".join(f"WHEN '{c}' THEN {v}::float8" for c, v in CATEGORY_VALUE.items())
    return sql.format(
        **_tables(),
        value_cases=value_cases,
        firefighting=", ".join(f"'{c.value}'" for c in Interaction.FIREFIGHTING_CATEGORIES),
        recent=RECENT_DAYS,
        prior=PRIOR_DAYS,
        esc=ESCALATION_OPEN_DAYS,
        fresh=FRESH_DAYS,
        engaged=ENGAGED_DAYS,
        lookback=SNAPSHOT_LOOKBACK_DAYS,
        month_lookback=30 + SNAPSHOT_LOOKBACK_DAYS,
        range_i=RANGE.format(col="i.account_id"),
        range_s=RANGE.format(col="s.account_id"),
        range_p=RANGE.format(col="p.account_id"),
        range_r=RANGE.format(col="r.account_id"),
        range_sc=RANGE.format(col="s.account_id"),
        range_d=RANGE.format(col="d.account_id"),
        range_a=RANGE.format(col="a.id"),
    )


def chunk_params(*, lo: int, hi: int, ids: list[int] | None, day, half_life_days: float) -> dict:
    """The statements' parameters for one account range scored as of `day`."""
    month = day.replace(day=1)
    return {
        "lo": lo,
        "hi": hi,
        "ids": ids,
        "day": day,
        "month": month,
        "year_ago": month.replace(year=month.year - 1),
        "two_years_ago": month.replace(year=month.year - 2),
        "decay_rate": decay_rate(half_life_days),
    }


@dataclass
class Inputs:
    """One chunk's statements, by name; `accounts` has every account of the range in id order, the
    others a row only for accounts that have data (relationships/scoring/output.py lines them up)."""

    accounts: Columns  # account_id, segment_id, owner_id
    interactions: Columns
    open_followups: Columns
    stakeholders: Columns
    plans: Columns
    revenue: Columns
    previous: Columns  # band and mostly_firefighting of the latest snapshot of the week before
    month_ago: Columns
    computed_at: datetime.datetime
    fresh: bool


def load_inputs(params: dict) -> Inputs:
    with connection.cursor() as cursor:
        cursor.execute(_format(RUN_STATE_SQL), params)
        computed_at, fresh = cursor.fetchone()
    return Inputs(
        accounts=_columns(ACCOUNTS_SQL, params),
        interactions=_columns(INTERACTIONS_SQL, params),
        open_followups=_columns(OPEN_FOLLOWUPS_SQL, params),
        stakeholders=_columns(STAKEHOLDERS_SQL, params),
        plans=_columns(PLANS_SQL, params),
        revenue=_columns(REVENUE_SQL, params),
        previous=_columns(PREVIOUS_SQL, params),
        month_ago=_columns(MONTH_AGO_SQL, params),
        computed_at=computed_at,
        fresh=fresh,
    )


def line_up(table: Columns, ids: np.ndarray) -> Columns:
    """`table`'s columns with one entry per account of `ids` (sorted, as `Inputs.accounts`): NaN in a
    float column, None in any other, for an account without a row."""
    at = np.searchsorted(ids, table["account_id"])
    lined = {}
    for name, values in table.items():
        floats = values.dtype.kind == "f"
        column = np.full(len(ids), np.nan if floats else None, dtype=np.float64 if floats else object)
        column[at] = values
        lined[name] = column
    return lined
