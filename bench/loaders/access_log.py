"""bench_access's access log: a year of account reads, hash-chained as the append function chains them.

The hashes come from `compliance.access_log.canonical` (given records with an entry's attributes),
the text the database's append function hashes, so a change to the chain is followed here (and
`bench_access --verify` checks the result). The rows are COPYed in by the owner role, which may write
the log; the app role may only append.
"""

import datetime
import hashlib
import io
import types

from django.utils import timezone

from bench.tables import Table
from compliance import access_log
from compliance.models import AccessLogEntry

FIELDS = ["id", "at", "user_id", "username", "account_id", "object_type", "object_id", "action"]
FIELDS += ["path", "ip", "outcome", "reason", "prev_hash", "hash"]
COPY_EVERY = 100_000


def _entry(pk: int, at, *, managers: int, accounts: int, ams: list[int], usernames: list[str]):
    """Entry `pk`: manager k reading one of their accounts, or (one in 20) refused someone else's."""
    k = pk * 7919 % managers
    account = min(accounts, managers * ((pk // 7) % max(1, accounts // managers)) + k) or managers
    outcome, reason = AccessLogEntry.Outcome.ALLOWED, "member"
    if pk % 20 == 0:
        account, outcome = account % accounts + 1, AccessLogEntry.Outcome.DENIED
        reason = "not on the account team and no active wall crossing"
    # A plain record, not a model instance: a million of those would triple the load time.
    return types.SimpleNamespace(
        pk=pk,
        id=pk,
        at=at,
        user_id=ams[k],
        username=usernames[k],
        account_id=account,
        object_type="account",
        object_id="",
        action="view",
        path=f"/accounts/{account}/",
        ip=f"10.0.{k}.{pk % 250 + 1}",
        outcome=outcome,
        reason=reason,
    )


def sql_tail(table: Table) -> str:
    """The newest entry's id and hash, or no row when the log is empty."""
    return f"SELECT {table.id}, {table.hash} FROM {table} ORDER BY {table.id} DESC LIMIT 1"  # noqa: S608 - names from _meta


def access_log_load(owner, *, rows: int, managers: int, accounts: int, ams: list[int], usernames: list[str]):
    """`rows` entries over the last year, COPYed in batches through the owner connection."""
    table = Table(AccessLogEntry)
    copy = f"COPY {table} ({', '.join(getattr(table, name) for name in FIELDS)}) FROM STDIN"
    end = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    step = datetime.timedelta(days=365) / max(rows, 1)
    buffer = io.StringIO()
    owner.ensure_connection()
    with owner.connection.cursor() as cursor:
        # Continue the chain the set-up already began (creating users and teams is logged too).
        cursor.execute(sql_tail(table))
        last_id, previous = cursor.fetchone() or (0, access_log.GENESIS)
        for pk in range(last_id + 1, last_id + rows + 1):
            at = (end - datetime.timedelta(days=365) + step * pk).astimezone(datetime.UTC)
            entry = _entry(pk, at, managers=managers, accounts=accounts, ams=ams, usernames=usernames)
            entry.prev_hash = previous
            entry.hash = hashlib.sha256(access_log.canonical(entry, previous).encode()).hexdigest()
            entry.at = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            buffer.write("\t".join(str(getattr(entry, name)) for name in FIELDS) + "\n")
            previous = entry.hash
            if (pk - last_id) % COPY_EVERY == 0 or pk == last_id + rows:
                buffer.seek(0)
                cursor.copy_expert(copy, buffer)
                buffer = io.StringIO()
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
            [
                AccessLogEntry._meta.db_table,
                AccessLogEntry._meta.pk.column,
                max(last_id + rows, 1),
                last_id + rows > 0,
            ],
        )
