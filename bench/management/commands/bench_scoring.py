"""`manage.py bench_scoring` (`make bench-scoring`): the nightly recompute at full size, timed.

Builds SCALE x (100,000 accounts, 10,000,000 interactions, 2,400,000 monthly revenue rows) in a
throwaway database `<database>_bench`, created and loaded through the owner connection
(bench/database.py, bench/loaders/scoring.py). Then it times the full recompute — the same run-begin
and chunk services the Celery tasks call, as the system principal as a worker runs them, the chunks
spread over BENCH_WORKERS processes (default: the CPU count) — against a baseline: one plain SQL
statement scanning the same interactions and revenue once. Prints

    scoring: accounts=N interactions=N seconds=S baseline_seconds=B ratio=R

`--scale 0.01` (or SCALE=0.01) is a quick run; `--keep` keeps the database and reuses its data.
"""

import multiprocessing
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from accounts.models import Account
from bench.database import bench_database, row_count
from bench.loaders.scoring import portfolio_build
from bench.options import add_scale_argument, scaled
from bench.tables import sql
from compliance import principal
from relationships.models import AccountScore, AccountScoreDetail, Interaction, MonthlyRevenue, ScoringRun
from relationships.scoring.services import scoring_chunk_compute, scoring_run_begin

ACCOUNTS, INTERACTIONS_PER_ACCOUNT, REVENUE_MONTHS = 100_000, 100, 24
TABLES = {
    "account": Account,
    "interaction": Interaction,
    "revenue": MonthlyRevenue,
    "detail": AccountScoreDetail,
}


def _chunk(args: tuple) -> int:
    run_id, day, lo, hi = args
    # As a Celery worker runs it (kam/celery.py): background work, the system principal. Without it
    # row-level security would hide the confidential inputs and the run would time an empty portfolio.
    with principal.system():
        return scoring_chunk_compute(scored_on=day, first_account_id=lo, last_account_id=hi, run_id=run_id)


def _close_all() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close()


class Command(BaseCommand):
    help = (
        "Benchmark the nightly scoring on a generated portfolio (SCALE=1: 100k accounts, 10M interactions)."
    )

    def add_arguments(self, parser) -> None:
        add_scale_argument(parser)
        parser.add_argument("--keep", action="store_true", help="Keep the bench database (and reuse it).")

    def handle(self, *args, scale: float, keep: bool, **options) -> None:
        accounts = scaled(ACCOUNTS, scale, minimum=10)
        workers = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))
        with bench_database("_bench", keep=keep, command="bench_scoring"):
            try:
                self._run(connections["owner"], accounts, workers)
            finally:
                _close_all()

    def _run(self, owner, accounts: int, workers: int) -> None:
        started = time.monotonic()
        if row_count(owner, Account) != accounts:
            portfolio_build(
                owner, accounts=accounts, per_account=INTERACTIONS_PER_ACCOUNT, months=REVENUE_MONTHS
            )
            self.stderr.write(f"built {accounts} accounts in {time.monotonic() - started:.1f}s")
        interactions = row_count(owner, Interaction)
        with owner.cursor() as cursor:  # a fresh night: today's snapshot is inserted, not found equal
            cursor.execute(
                sql(
                    "TRUNCATE {score}, {detail}, {run} CASCADE",
                    score=AccountScore,
                    detail=AccountScoreDetail,
                    run=ScoringRun,
                )
            )
        baseline = _baseline(owner)
        seconds, run = _recompute(workers)
        if run.status != ScoringRun.Status.SUCCEEDED or run.accounts != accounts:
            raise CommandError(f"the run did not score every account: {run.status}, {run.accounts}")
        if not _scored_interactions(owner, run.scored_on):
            raise CommandError(
                "the run saw no interactions (row-level security without the system principal?)"
            )
        self.stdout.write(
            f"scoring: accounts={accounts} interactions={interactions} seconds={seconds:.2f} "
            f"baseline_seconds={baseline:.2f} ratio={seconds / baseline:.2f}"
        )


def _scored_interactions(owner, day) -> bool:
    """Whether the run's snapshots have an interaction mix: it read the interactions it timed."""
    with owner.cursor() as cursor:
        cursor.execute(
            sql(
                "SELECT EXISTS (SELECT 1 FROM {detail} WHERE {detail.scored_on} = %s "
                "AND {detail.measure_scores}[1] IS NOT NULL)",
                **TABLES,
            ),
            [day],
        )
        return cursor.fetchone()[0]


BASELINE = """
SELECT (SELECT count(*) + max({interaction.account}) + sum(length({interaction.category}))
               + max({interaction.occurred_on} - DATE '2000-01-01')
          FROM {interaction}),
       (SELECT (sum({revenue.revenue}) + sum({revenue.margin}))::float8 + max({revenue.account})
               + max({revenue.month} - DATE '2000-01-01')
          FROM {revenue})
"""


def _baseline(owner) -> float:
    """The floor: one statement reading the columns the scoring reads, every row once.

    The same columns as the recompute (interactions: account, date, category; revenue: account, month,
    revenue, margin), each folded into a cheap aggregate the way the recompute folds it (numeric sums
    for the money, as the recompute sums it before its one cast per account).

    Parallel query stays on (the server default) for the baseline although the run's chunks switch it
    off: the run spreads its chunks over as many worker processes as there are cores, so both use every
    core, and a parallel baseline is the lower, stricter floor (with parallel query off the same
    statement takes about twice as long on this 2-core machine).
    """
    statement = sql(BASELINE, **TABLES)
    with owner.cursor() as cursor:
        cursor.execute(statement)  # warm the cache the way the run will find it
        started = time.monotonic()
        cursor.execute(statement)
        cursor.fetchall()
        return time.monotonic() - started


def _recompute(workers: int):
    day = timezone.localdate()
    started = time.monotonic()
    with principal.system():
        begun = scoring_run_begin(scored_on=day, trigger="bench", chunk_size=settings.SCORING_CHUNK_SIZE)
    if begun is None:
        raise CommandError("another scoring run is going on in the bench database")
    run, ranges = begun
    _close_all()  # each worker process opens its own connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pool.map(_chunk, [(run.pk, day, lo, hi) for lo, hi in ranges], chunksize=1)
    seconds = time.monotonic() - started
    return seconds, ScoringRun.objects.get(pk=run.pk)
