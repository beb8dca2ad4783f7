"""The nightly recompute of health and CLV, set-based (docs/architecture.md, rule 4).

A run (`scoring_run_begin`) splits the accounts into id ranges; each range (`scoring_chunk_compute`)
is loaded in a few aggregate statements (relationships/scoring/inputs.py), scored by the vectorised
pure functions of relationships/scoring/compute.py and written, as the sanitized snapshot and its
confidential detail keyed by (account, date), by relationships/scoring/output.py — copied straight in
when the day has no rows yet, otherwise copied into temporary tables and upserted from there — with the
owners' alerts (relationships/scoring/alerts.py), all in one transaction: a chunk that dies leaves the
previous snapshot in place, and a rerun replaces rather than duplicates. Any worker may take any
chunk; the last one to finish closes the run.

No user is behind the nightly run: it acts as the system principal (kam/celery.py) and reads the
tables directly (services may), never a page.
"""

import datetime
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from relationships.models import AccountScore, ScoringRun, ScoringRunChunk, ScoringSettings
from relationships.scoring.alerts import chunk_alerts, score_alerts_raise
from relationships.scoring.inputs import SNAPSHOT_LOOKBACK_DAYS, chunk_params, load_inputs
from relationships.scoring.output import Config, score_chunk, write_scores

# Advisory lock keys (two int4): one for starting a run, one per chunk (second key: first account id).
LOCK_CLASS_RUN, LOCK_CLASS_CHUNK = 0x4B414D, 0x4B414E


class ChunkBusy(Exception):
    """Another worker holds this chunk right now (a duplicate delivery)."""


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


def _tune_chunk_transaction(*, parallel_query: bool) -> None:
    """Settings for this chunk's transaction only (SET LOCAL: they end with it).

    * No parallel query unless asked: the chunks already run in parallel on the workers (as many as
      cores), and parallel query on top would oversubscribe the cores.
    * No JIT: each statement runs for a fraction of a second, and compiling costs more than it saves
      (measured: 147 → 175 ms for a 5,000-account chunk's interactions with JIT forced on).
    * synchronous_commit off: the commit returns before its WAL reaches the disk. Safe here: it can
      lose only the last few hundred milliseconds of commits, and only if the database server itself
      crashes (not when a worker dies); the transaction is still atomic, so a lost chunk loses its
      scores and its chunk record together, the previous snapshot stays visible, and the run stays
      "running" until it is stale and a rerun (idempotent, keyed by account and date) replaces it.
      Nothing else depends on these rows being durable before the next night.
    """
    local = ["jit = off", "synchronous_commit = off"]
    if not parallel_query:
        local.append("max_parallel_workers_per_gather = 0")
    with connection.cursor() as cursor:  # one round trip
        cursor.execute("; ".join(f"SET LOCAL {setting}" for setting in local))


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
    _tune_chunk_transaction(parallel_query=parallel_query)
    run = ScoringRun.objects.get(pk=run_id) if run_id else None
    rates = run.segment_retention if run else segment_retention_rates(scored_on)
    config = Config.current()
    params = chunk_params(
        lo=first_account_id,
        hi=last_account_id,
        ids=account_ids,
        day=scored_on,
        half_life_days=config.half_life_days,
    )
    inputs = load_inputs(params)
    scores = score_chunk(inputs, config, rates)
    write_scores(scores, day=scored_on, computed_at=inputs.computed_at, fresh=inputs.fresh)
    score_alerts_raise(alerts=chunk_alerts(inputs, scores), day=scored_on)
    if run:
        _chunk_done(run, first_account_id, last_account_id, len(scores))
    return len(scores)


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
