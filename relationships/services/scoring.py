"""The nightly recompute of health and CLV, set-based (ARCHITECTURE rule 4).

A run (`scoring_run_begin`) splits the accounts into id ranges; each range (`scoring_chunk_compute`)
is loaded in a few aggregate statements, scored by the pure functions of relationships/scoring.py,
copied into a temporary table and upserted into the daily snapshot keyed by (account, date), all in
one transaction: a chunk that dies leaves the previous snapshot in place, and a rerun replaces rather
than duplicates. Any worker may take any chunk; the last one to finish closes the run.

No user is behind the nightly run, so it reads the tables directly (services may), never a page.
"""

import datetime
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, Stakeholder
from relationships import scoring
from relationships.models import (
    STALE_AFTER_DAYS,
    AccountPlan,
    AccountScore,
    FollowUpAction,
    Interaction,
    MonthlyRevenue,
    PlanAction,
    ScoreAlert,
    ScoringRun,
    ScoringRunChunk,
    ScoringSettings,
)

# Advisory lock keys (two int4): one for starting a run, one per chunk (second key: first account id).
LOCK_CLASS_RUN, LOCK_CLASS_CHUNK = 0x4B414D, 0x4B414E
RECENT_DAYS, PRIOR_DAYS, ESCALATION_OPEN_DAYS, ENGAGED_DAYS, FRESH_DAYS = 90, 180, 30, 180, 365
CURVE_YEARS_IF_INFINITE = 10
SNAPSHOT_LOOKBACK_DAYS = 7  # "previous snapshot" = the latest of the last week


class ChunkBusy(Exception):
    """Another worker holds this chunk right now (a duplicate delivery)."""


def scoring_settings() -> ScoringSettings:
    return ScoringSettings.objects.get_or_create(pk=1)[0]


def try_advisory_lock(classid: int, objid: int, *, session: bool = False) -> bool:
    function = "pg_try_advisory_lock" if session else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [classid, objid % 2**31])
        return cursor.fetchone()[0]


def advisory_unlock(classid: int, objid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [classid, objid % 2**31])


def account_ranges(chunk_size: int) -> list[tuple[int, int]]:
    """Consecutive account-id ranges of `chunk_size` accounts each."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT min(id), max(id) FROM (
                    SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS chunk
                    FROM {Account._meta.db_table}) numbered
                GROUP BY chunk ORDER BY 1""",  # noqa: S608 - table names are ours, values are parameters
            [chunk_size],
        )
        return [(int(lo), int(hi)) for lo, hi in cursor.fetchall()]


def segment_retention_rates(scored_on: datetime.date) -> dict[str, float]:
    """Each segment's mean retention from health, on the latest snapshot day before `scored_on`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.segment_id, avg(s.retention)
                FROM {AccountScore._meta.db_table} s JOIN {Account._meta.db_table} a ON a.id = s.account_id
                WHERE s.scored_on = (SELECT max(scored_on) FROM {AccountScore._meta.db_table}
                                     WHERE scored_on < %s AND scored_on >= %s)
                  AND s.retention_source = 'health'
                GROUP BY a.segment_id""",  # noqa: S608 - table names are ours
            [scored_on, scored_on - datetime.timedelta(days=SNAPSHOT_LOOKBACK_DAYS)],
        )
        return {str(segment): float(rate) for segment, rate in cursor.fetchall()}


@transaction.atomic
def scoring_run_begin(
    *, scored_on: datetime.date, trigger: str, chunk_size: int | None = None
) -> tuple[ScoringRun, list[tuple[int, int]]] | None:
    """Record a new run and its chunks, or None when another run is starting or still running."""
    if not try_advisory_lock(LOCK_CLASS_RUN, 0):
        return None
    now = timezone.now()
    stale = now - datetime.timedelta(hours=settings.SCORING_RUN_STALE_HOURS)
    ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING, started_at__lt=stale).update(
        status=ScoringRun.Status.ABANDONED, finished_at=now
    )
    if ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING).exists():
        return None
    ranges = account_ranges(chunk_size or settings.SCORING_CHUNK_SIZE)
    run = ScoringRun.objects.create(
        scored_on=scored_on,
        trigger=trigger,
        chunks_total=len(ranges),
        segment_retention=segment_retention_rates(scored_on),
    )
    if not ranges:
        _finish(run)
    return run, ranges


def scoring_runs_abandon() -> int:
    """Mark every running run abandoned (an operator's `recompute_scores --force`)."""
    return ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING).update(
        status=ScoringRun.Status.ABANDONED, finished_at=timezone.now()
    )


# --- loading a chunk ----------------------------------------------------------------------------------


def _rows(sql: str, params: dict) -> Iterator[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


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
        "batch": "scoring_batch",
    }


RANGE = "BETWEEN %(lo)s AND %(hi)s AND (%(ids)s::bigint[] IS NULL OR {col} = ANY(%(ids)s::bigint[]))"

# One pass over the range's interactions. float8 throughout: numeric literals or casts per row cost
# more than the whole scan (the decay is computed twice rather than through a LATERAL, which is slower).
INTERACTIONS_SQL = """
SELECT i.account_id,
       sum(pow(0.5::float8, (%(day)s - i.occurred_on)::float8 / %(half_life)s)) AS weight_sum,
       sum(pow(0.5::float8, (%(day)s - i.occurred_on)::float8 / %(half_life)s)
           * CASE i.category {value_cases} ELSE 0::float8 END) AS value_sum,
       %(day)s - max(i.occurred_on) AS days_since,
       count(*) FILTER (WHERE i.occurred_on > %(day)s - {recent}) AS recent,
       count(*) FILTER (WHERE i.occurred_on <= %(day)s - {recent} AND i.occurred_on > %(day)s - {prior})
           AS prior,
       count(*) FILTER (WHERE i.occurred_on > %(day)s - {recent}
                          AND i.category IN ('firefighting', 'escalation')) AS recent_trouble,
       count(*) FILTER (WHERE i.occurred_on > %(day)s - {esc} AND i.category = 'escalation') AS escalations
FROM {interaction} i
WHERE i.account_id {range_i} AND i.occurred_on <= %(day)s
GROUP BY i.account_id
"""

# Older escalations stay open while a follow-up on them is not done.
OPEN_FOLLOWUPS_SQL = """
SELECT i.account_id, count(DISTINCT i.id)
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
# parameters: a date compared with `date - interval`, a timestamp, is cast on every row).
REVENUE_SQL = """
SELECT r.account_id,
       sum(r.revenue::float8) FILTER (WHERE r.month >= %(year_ago)s) AS revenue,
       sum(r.margin::float8) FILTER (WHERE r.month >= %(year_ago)s) AS margin,
       count(*) FILTER (WHERE r.month >= %(year_ago)s) AS months,
       sum(r.revenue::float8) FILTER (WHERE r.month < %(year_ago)s) AS prior_revenue,
       count(*) FILTER (WHERE r.month < %(year_ago)s) AS prior_months
FROM {revenue} r
WHERE r.account_id {range_r} AND r.month < %(month)s AND r.month >= %(two_years_ago)s
GROUP BY r.account_id
"""

PREVIOUS_SQL = """
SELECT DISTINCT ON (s.account_id) s.account_id, s.band, s.in_trouble, s.health
FROM {score} s
WHERE s.account_id {range_sc} AND s.scored_on < %(day)s AND s.scored_on >= %(day)s - {lookback}
ORDER BY s.account_id, s.scored_on DESC
"""

MONTH_AGO_SQL = """
SELECT DISTINCT ON (s.account_id) s.account_id, s.health
FROM {score} s
WHERE s.account_id {range_sc} AND s.scored_on <= %(day)s - 30 AND s.scored_on >= %(day)s - {month_lookback}
ORDER BY s.account_id, s.scored_on DESC
"""


def _format(sql: str) -> str:
    value_cases = " ".join(f"WHEN '{c}' THEN {v}::float8" for c, v in scoring.CATEGORY_VALUE.items())
    return sql.format(
        **_tables(),
        value_cases=value_cases,
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
        range_a=RANGE.format(col="a.id"),
    )


@dataclass
class Inputs:
    accounts: list[tuple[int, int, int]]  # id, segment id, owner id
    interactions: dict[int, tuple]
    open_followups: dict[int, int]
    stakeholders: dict[int, tuple]
    plans: dict[int, tuple]
    revenue: dict[int, tuple]
    previous: dict[int, tuple]
    month_ago: dict[int, float | None]


def load_inputs(params: dict) -> Inputs:
    def keyed(sql: str) -> dict:
        return {row[0]: row[1:] for row in _rows(_format(sql), params)}

    accounts_sql = "SELECT id, segment_id, owner_id FROM {account} a WHERE a.id {range_a} ORDER BY id"
    accounts = list(_rows(_format(accounts_sql), params))
    return Inputs(
        accounts=accounts,
        interactions=keyed(INTERACTIONS_SQL),
        open_followups={k: v[0] for k, v in keyed(OPEN_FOLLOWUPS_SQL).items()},
        stakeholders=keyed(STAKEHOLDERS_SQL),
        plans=keyed(PLANS_SQL),
        revenue=keyed(REVENUE_SQL),
        previous=keyed(PREVIOUS_SQL),
        month_ago={k: v[0] for k, v in keyed(MONTH_AGO_SQL).items()},
    )


# --- scoring a chunk ------------------------------------------------------------------------------------


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


def _measures(account_id: int, inputs: Inputs, config: Config) -> tuple[tuple[float | None, ...], tuple]:
    i = inputs.interactions.get(account_id)
    weight_sum, value_sum, days_since, recent, prior, recent_trouble, escalations = i or (
        0,
        0,
        None,
        0,
        0,
        0,
        0,
    )
    people = inputs.stakeholders.get(account_id)
    plan = inputs.plans.get(account_id)
    revenue, _margin, months, prior_revenue, prior_months = inputs.revenue.get(account_id) or (None,) * 5
    open_escalations = escalations + inputs.open_followups.get(account_id, 0)
    scores = (
        scoring.mix_score(weight_sum or 0.0, value_sum or 0.0),
        scoring.recency_score(days_since, config.recency_zero_days),
        scoring.trend_score(recent, prior),
        scoring.stakeholder_score(people[1], people[3], people[0], people[2]) if people else None,
        scoring.plan_score(plan[1], plan[2], plan[0], STALE_AFTER_DAYS) if plan else None,
        scoring.commercial_score(
            scoring.annualized(revenue, months or 0), scoring.annualized(prior_revenue, prior_months or 0)
        ),
        scoring.escalation_score(open_escalations, i is not None),
    )
    return scores, (recent, recent_trouble)


def _clv(account_id: int, segment_id: int, score: float | None, inputs: Inputs, config: Config, rates: dict):
    retention = scoring.retention_from_health(score, config.r_min, config.r_max)
    source = "health"
    if retention is None:
        segment_rate = rates.get(str(segment_id))
        retention, source = (
            (segment_rate, "segment") if segment_rate else (config.default_retention, "default")
        )
    retention = round(retention, 4)  # as stored, so the stored CLV follows from the stored retention
    _revenue, margin, months, *_ = inputs.revenue.get(account_id) or (None, None, 0)
    annual = scoring.annualized(margin, months or 0, minimum_months=1)
    if annual is None:
        return retention, source, None, None, ()
    years = config.horizon or CURVE_YEARS_IF_INFINITE
    curve = scoring.clv_curve(annual, retention, config.discount, years)
    value = curve[-1] if config.horizon else scoring.clv(annual, retention, config.discount, None)
    return retention, source, annual, value, curve


def _num(value: float | None) -> str:
    # Four decimals are plenty for scores and money, and shorter text is faster for COPY to parse.
    return "\\N" if value is None else f"{value:.4f}"


def _array(values) -> str:
    return "{" + ",".join(["NULL" if v is None else f"{v:.4f}" for v in values]) + "}"


def score_rows(inputs: Inputs, config: Config, rates: dict) -> tuple[io.StringIO, list[tuple], int]:
    """The COPY text of the chunk's scores, and the alerts to raise."""
    buffer, alerts = io.StringIO(), []
    for account_id, segment_id, owner_id in inputs.accounts:
        scores, (recent, recent_trouble) = _measures(account_id, inputs, config)
        result = scoring.health(
            scores,
            config.weights,
            green_from=config.green_from,
            amber_from=config.amber_from,
            min_coverage=config.min_coverage,
        )
        trouble = scoring.in_trouble(recent, recent_trouble, share=config.trouble_share)
        month_ago = inputs.month_ago.get(account_id)
        trend = None if result.score is None or month_ago is None else round(result.score - month_ago, 2)
        retention, source, annual, value, curve = _clv(
            account_id, segment_id, result.score, inputs, config, rates
        )
        buffer.write(
            f"{account_id}\t{_num(result.score)}\t{result.band}\t{_num(trend)}\t{result.coverage:.4f}\t"
            f"{_array(scores)}\t{_array(result.contributions)}\t{'t' if trouble else 'f'}\t{retention:.4f}\t"
            f"{source}\t{_num(annual)}\t{_num(value)}\t{_array(curve)}\n"
        )
        previous_band, previous_trouble, _ = inputs.previous.get(account_id) or (None, False, None)
        if scoring.band_dropped(previous_band, result.band):
            alerts.append(
                (account_id, owner_id, "band_drop", f"Health dropped from {previous_band} to {result.band}.")
            )
        if trouble and not previous_trouble:
            alerts.append(
                (account_id, owner_id, "trouble", "Most recent interactions are firefighting or escalation.")
            )
    buffer.seek(0)
    return buffer, alerts, len(inputs.accounts)


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


@transaction.atomic
def scoring_chunk_compute(
    *,
    scored_on: datetime.date,
    first_account_id: int,
    last_account_id: int,
    run_id: int | None = None,
    account_ids: list[int] | None = None,
    parallel_query: bool = False,
) -> int:
    """Score one account range (or the listed accounts in it) for `scored_on`; returns the count."""
    if not try_advisory_lock(LOCK_CLASS_CHUNK, first_account_id):
        raise ChunkBusy(f"accounts {first_account_id}–{last_account_id} are being scored")
    if not parallel_query:
        # Chunks already run in parallel on the workers; parallel query on top would oversubscribe.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    run = ScoringRun.objects.get(pk=run_id) if run_id else None
    rates = run.segment_retention if run else segment_retention_rates(scored_on)
    config = Config.current()
    params = {
        "lo": first_account_id,
        "hi": last_account_id,
        "ids": account_ids,
        "day": scored_on,
        "month": scored_on.replace(day=1),
        "year_ago": scored_on.replace(day=1, year=scored_on.year - 1),
        "two_years_ago": scored_on.replace(day=1, year=scored_on.year - 2),
        "half_life": config.half_life_days,
    }
    buffer, alerts, count = score_rows(load_inputs(params), config, rates)
    write_scores(buffer, scored_on)
    raise_alerts(alerts, scored_on)
    if run:
        _chunk_done(run, first_account_id, last_account_id, count)
    return count


def _chunk_done(run: ScoringRun, first: int, last: int, count: int, error: str = "") -> None:
    ScoringRunChunk.objects.update_or_create(
        run=run,
        first_account_id=first,
        defaults={"last_account_id": last, "accounts": count, "failed": bool(error), "error": error[:300]},
    )
    run = ScoringRun.objects.select_for_update().get(pk=run.pk)  # the last chunk in closes the run
    chunks = ScoringRunChunk.objects.filter(run=run)
    run.chunks_done = chunks.filter(failed=False).count()
    run.chunks_failed = chunks.filter(failed=True).count()
    run.accounts = sum(chunks.values_list("accounts", flat=True))
    run.save(update_fields=["chunks_done", "chunks_failed", "accounts"])
    if run.chunks_done + run.chunks_failed >= run.chunks_total and run.status == ScoringRun.Status.RUNNING:
        _finish(run)


def _finish(run: ScoringRun) -> None:
    run.finished_at = timezone.now()
    run.seconds = (run.finished_at - run.started_at).total_seconds()
    run.status = ScoringRun.Status.FAILED if run.chunks_failed else ScoringRun.Status.SUCCEEDED
    run.save(update_fields=["finished_at", "seconds", "status"])


@transaction.atomic
def scoring_chunk_fail(*, run_id: int, first_account_id: int, last_account_id: int, error: str) -> None:
    """Record a chunk that failed for good, so the run still closes (with failures)."""
    run = ScoringRun.objects.get(pk=run_id)
    _chunk_done(run, first_account_id, last_account_id, 0, error or "failed")


def scoring_run_now(
    *, scored_on: datetime.date, chunk_size: int | None = None, progress=None
) -> ScoringRun | None:
    """The whole run in this process (management command, demo), holding the run lock throughout."""
    if not try_advisory_lock(LOCK_CLASS_RUN, 0, session=True):
        return None
    try:
        begun = scoring_run_begin(scored_on=scored_on, trigger="command", chunk_size=chunk_size)
        if begun is None:
            return None
        run, ranges = begun
        started = time.monotonic()
        for done, (lo, hi) in enumerate(ranges, start=1):
            scoring_chunk_compute(
                scored_on=scored_on,
                first_account_id=lo,
                last_account_id=hi,
                run_id=run.pk,
                parallel_query=True,
            )
            if progress:
                progress(done, len(ranges), time.monotonic() - started)
        run.refresh_from_db()
        return run
    finally:
        advisory_unlock(LOCK_CLASS_RUN, 0)


SETTINGS_FIELDS = tuple(
    field.name for field in ScoringSettings._meta.concrete_fields if field.name not in {"id", "updated_at"}
)


@transaction.atomic
def scoring_settings_update(*, actor, **changes) -> ScoringSettings:
    """Change health weights and thresholds; they apply from the next run."""
    if not actor.has_perm("relationships.change_scoringsettings"):
        raise PermissionDenied("You may not change the scoring settings.")
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not scoring settings: {', '.join(sorted(unknown))}")
    current = ScoringSettings.objects.select_for_update().get_or_create(pk=1)[0]
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current
