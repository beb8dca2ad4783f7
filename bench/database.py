"""The throwaway database of the benchmarks: created and dropped by the owner role."""

import contextlib
from collections.abc import Iterator

from django.core.management.base import CommandError
from django.db import connections

from bench.tables import sql


@contextlib.contextmanager
def bench_database(suffix: str, *, keep: bool, command: str) -> Iterator[bool]:
    """Point both connections at `<database><suffix>`, created by the owner role; yield whether to load it.

    Its own database, so a test run or another bench on the same server is never clobbered. With
    `keep`, a database kept by an earlier run is reused as loaded, and this one is kept too.
    """
    if "owner" not in connections.databases:
        raise CommandError(f"{command} needs the owner connection (DATABASE_OWNER_URL, or `make`).")
    owner, app = connections["owner"], connections["default"]
    old_name = owner.settings_dict["NAME"]
    bench_name = f"{old_name}{suffix}"
    owner.settings_dict.setdefault("TEST", {})["NAME"] = bench_name
    with owner.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_name])
        reuse = keep and cursor.fetchone() is not None
    if not reuse:
        owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    owner.close()
    owner.settings_dict["NAME"] = bench_name
    app.close()
    app.settings_dict["NAME"] = bench_name
    try:
        yield not reuse
    finally:
        app.close()
        if not keep:
            owner.creation.destroy_test_db(old_name, verbosity=0)


def row_count(connection, model) -> int:
    """Rows in `model`'s table, as `connection` sees them (the owner connection sees every row)."""
    with connection.cursor() as cursor:
        cursor.execute(sql("SELECT count(*) FROM {table}", table=model))
        return cursor.fetchone()[0]
