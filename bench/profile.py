"""Where bench_access's overhead goes: database time per query shape, and EXPLAIN ANALYZE.

Instrumentation only: it times what runs and never changes it.
"""

import contextlib
import re
import time
from collections import defaultdict

from django.db import connection, transaction

from accounts.models import Account, AccountTeamMember
from compliance import access, principal
from compliance.models import ReadHistory

APPEND_FUNCTION = "compliance_access_log_append"  # compliance/migrations: the log's one way in
# The gateway's statement up to its first parameter: it matches the statement sent and as run.
DECISION_PREFIX = access.DECISION_SQL.split("%(")[0].strip()


def label(sql: str) -> str:
    """A readable name for a query's shape: the gateway's, the log's, else the table it reads."""
    sql = re.sub(r"^\s*DECLARE .*? FOR ", "", sql, count=1, flags=re.DOTALL)
    if APPEND_FUNCTION in sql:
        return "access-log append (function)"
    if re.search(rf'INSERT INTO "?{ReadHistory._meta.db_table}"?\s', sql):
        return "read-history upsert"
    if sql.strip().startswith(DECISION_PREFIX):
        return "gateway decide()"
    match = re.search(r'FROM "(\w+)"', sql)
    table = match.group(1) if match else sql.split()[0]
    if table == Account._meta.db_table and AccountTeamMember._meta.db_table in sql:
        return f"{table} (plain team lookup)"
    return table


class QueryTimer:
    """Database time per query shape (an execute_wrapper), and of transaction control."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times[label(sql)].append((time.perf_counter() - started) * 1000)

    @contextlib.contextmanager
    def transactions(self, wrapper):
        """Also time BEGIN (with the backend's principal set_config) and COMMIT on `wrapper`."""
        commit, set_autocommit = wrapper._commit, wrapper._set_autocommit

        def timed(name, function):
            def call(*args):
                started = time.perf_counter()
                try:
                    return function(*args)
                finally:
                    self.times[name].append((time.perf_counter() - started) * 1000)

            return call

        wrapper._commit = timed("COMMIT", commit)
        wrapper._set_autocommit = lambda on: (
            set_autocommit(on) if on else timed("BEGIN + set_config(principal)", set_autocommit)(on)
        )
        try:
            yield self
        finally:
            del wrapper._commit, wrapper._set_autocommit


def explain(sql: str) -> tuple[tuple[float, float], list[str]]:
    """(planning ms, execution ms) and the plan of `sql` under EXPLAIN (ANALYZE, BUFFERS)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]

    def timing(name):
        return next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith(name))

    return (timing("Planning Time"), timing("Execution Time")), plan


def explain_as(who, sql: str) -> tuple[float, float]:
    """EXPLAIN ANALYZE of `sql` in a transaction acting as `who`, rolled back."""
    with transaction.atomic(), principal.acting_as(who):
        times, _plan = explain(sql)
        transaction.set_rollback(True)
    return times
