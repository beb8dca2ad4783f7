"""`manage.py bench_scoring` (`make bench-scoring`): the nightly recompute at full size, timed.

Builds SCALE × (100,000 accounts, 10,000,000 interactions, 2,400,000 monthly revenue rows) in a
dedicated, throwaway database `<database>_bench`, created and loaded through the owner connection
(the app role may not create databases, drop constraints or VACUUM), with generate_series. Then it
times the full recompute — the same run-begin and chunk services the Celery tasks call, the chunks
spread over BENCH_WORKERS processes (default: the CPU count) as workers would take them — against a
baseline: one plain SQL statement scanning the same interactions and revenue once. Prints

    scoring: accounts=N interactions=N seconds=S baseline_seconds=B ratio=R

SCALE=0.01 is a quick run; `--keep` keeps the database and reuses its data on the next run.
"""

import multiprocessing
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from accounts.models import Account, Segment
from compliance import principal
from relationships.models import AccountScore, Interaction, MonthlyRevenue, ScoringRun

ACCOUNTS, INTERACTIONS_PER_ACCOUNT, REVENUE_MONTHS = 100_000, 100, 24


def _owner():
    if "owner" not in connections.databases:
        raise CommandError("bench_scoring needs the owner connection (DATABASE_OWNER_URL, or `make`).")
    return connections["owner"]


def _point_app_at(name: str) -> None:
    app = connections["default"]
    app.close()
    app.settings_dict["NAME"] = name


def _chunk(args: tuple) -> int:
    from relationships.scoring.services import scoring_chunk_compute

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
        parser.add_argument("--keep", action="store_true", help="Keep the bench database (and reuse it).")

    def handle(self, *args, keep: bool, **options) -> None:
        scale = float(os.environ.get("SCALE", "1"))
        accounts = max(int(ACCOUNTS * scale), 10)
        workers = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))
        owner = _owner()
        original = owner.settings_dict["NAME"]
        owner.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench"
        name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
        _point_app_at(name)
        try:
            self._run(owner, accounts, workers)
        finally:
            _close_all()
            if not keep:
                owner.creation.destroy_test_db(original, verbosity=0)

    def _run(self, owner, accounts: int, workers: int) -> None:
        started = time.monotonic()
        if portfolio_size(owner) != accounts:
            build_portfolio(owner, accounts, INTERACTIONS_PER_ACCOUNT, REVENUE_MONTHS)
            self.stderr.write(f"built {accounts} accounts in {time.monotonic() - started:.1f}s")
        interactions = _count(owner, Interaction._meta.db_table)
        with owner.cursor() as cursor:  # a fresh night: today's snapshot is inserted, not found equal
            cursor.execute(f"TRUNCATE {AccountScore._meta.db_table}, {ScoringRun._meta.db_table} CASCADE")
        baseline = _baseline(owner)
        seconds, run = _recompute(workers)
        if run.status != "succeeded" or run.accounts != accounts:
            raise CommandError(f"the run did not score every account: {run.status}, {run.accounts}")
        if not _scored_interactions(owner, run.scored_on):
            raise CommandError(
                "the run saw no interactions (row-level security without the system principal?)"
            )
        self.stdout.write(
            f"scoring: accounts={accounts} interactions={interactions} seconds={seconds:.2f} "
            f"baseline_seconds={baseline:.2f} ratio={seconds / baseline:.2f}"
        )


def _count(owner, table: str) -> int:
    with owner.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table name
        return cursor.fetchone()[0]


def _scored_interactions(owner, day) -> bool:
    """Whether the run's snapshots have an interaction mix: it read the interactions it timed."""
    with owner.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {AccountScore._meta.db_table} "  # noqa: S608 - our table name
            "WHERE scored_on = %s AND measure_scores[1] IS NOT NULL)",
            [day],
        )
        return cursor.fetchone()[0]


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
    sql = f"""
        SELECT (SELECT count(*) + max(account_id) + sum(length(category))
                       + max(occurred_on - DATE '2000-01-01')
                  FROM {Interaction._meta.db_table}),
               (SELECT (sum(revenue) + sum(margin))::float8 + max(account_id) + max(month - DATE '2000-01-01')
                  FROM {MonthlyRevenue._meta.db_table})
    """  # noqa: S608 - our table names
    with owner.cursor() as cursor:
        cursor.execute(sql)  # warm the cache the way the run will find it
        started = time.monotonic()
        cursor.execute(sql)
        cursor.fetchall()
        return time.monotonic() - started


def _recompute(workers: int):
    from relationships.scoring.services import scoring_run_begin

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


# --- building the portfolio (owner connection, throwaway database) -------------------------------------


def portfolio_size(owner) -> int:
    return _count(owner, Account._meta.db_table)


def _drop_for_loading(cursor, table: str) -> list[str]:
    """Drop the table's foreign keys and secondary indexes; return the statements re-creating the indexes.

    Deferred foreign-key checks on 10M rows would queue 10M trigger events; the data is generated
    consistent, and the bench database is thrown away afterwards, so the keys are not restored.
    """
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique""",
        [table],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def build_portfolio(owner, accounts: int, per_account: int, months: int) -> None:
    interaction, revenue = Interaction._meta.db_table, MonthlyRevenue._meta.db_table
    account, segment = Account._meta.db_table, Segment._meta.db_table
    with owner.cursor() as cursor:
        cursor.execute(f"TRUNCATE {account}, {segment} CASCADE")
        cursor.execute(
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                                      is_staff, is_active, date_joined)
               VALUES ('!', false, 'bench-owner', '', '', '', false, true, now())
               ON CONFLICT (username) DO UPDATE SET is_active = true RETURNING id"""
        )
        (owner_id,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {segment} (name, description) SELECT 'Bench segment ' || g, '' "  # noqa: S608
            "FROM generate_series(1, 10) g"
        )
        cursor.execute(
            f"""INSERT INTO {account} (name, segment_id, tier, owner_id, relationship_word, orientation,
                                       created_at, updated_at)
                SELECT 'Bench account ' || g, (SELECT min(id) FROM {segment}) + g %% 10,
                       (ARRAY['key', 'strategic', 'standard'])[1 + g %% 3], %s, '', 'balanced', now(), now()
                FROM generate_series(1, %s) g""",  # noqa: S608
            [owner_id, accounts],
        )
        indexes = _drop_for_loading(cursor, interaction) + _drop_for_loading(cursor, revenue)
        # Clustered by account, as a table filled over the years and vacuumed would roughly be.
        cursor.execute(
            f"""INSERT INTO {interaction} (account_id, occurred_on, channel, category, summary, sentiment,
                                           effort_hours, work_type, should_have_been_charged, author_id,
                                           created_at, updated_at)
                SELECT a0 + (g - 1) / %(per)s, CURRENT_DATE - (random() * 730)::int, 'call',
                       (ARRAY['relationship', 'value_adding', 'value_adding', 'relationship', 'firefighting',
                              'escalation', 'unvalued', 'firefighting'])[1 + floor(random() * 8)::int],
                       'x', 0, 0, 'support', false, %(owner)s, now(), now()
                FROM generate_series(1, %(rows)s) g, (SELECT min(id) AS a0 FROM {account}) base""",  # noqa: S608
            {"per": per_account, "owner": owner_id, "rows": accounts * per_account},
        )
        cursor.execute(
            f"""INSERT INTO {revenue} (account_id, month, revenue, margin, updated_at)
                SELECT a.id, (date_trunc('month', CURRENT_DATE) - make_interval(months => m))::date,
                       round((1000 + random() * 9000)::numeric, 2), round((100 + random() * 800)::numeric, 2),
                       now()
                FROM {account} a, generate_series(1, %s) m""",  # noqa: S608
            [months],
        )
        for definition in indexes:
            cursor.execute(definition)
        for table in (account, interaction, revenue):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
