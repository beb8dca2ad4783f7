"""Writing and verifying the access log (compliance_accesslogentry).

The gateway records entries as it decides (`record`); in a web request they are collected on the
request (`collecting`) and appended when the response is ready, in the request's own transaction,
or after its rollback when the request failed, so denials and failures are logged too. Outside a
request (tasks, commands) `record` appends at once. A read enters the read history at once
(`record_reads`), in the transaction that decided it, so the next decision sees it.

Appending goes through the SECURITY DEFINER function `compliance_access_log_append`, which chains
each entry's hash onto the previous one (compliance/migrations/0002_access_log.py) and takes who
acted from the transaction's principal (compliance/migrations/0004_access_log_principal.py).
`canonical` below is the same text, so `verify_chain` can recompute every link.

An entry keeps the request's path and only the query parameters in `LOGGED_QUERY`, whose values
must look like what they are (ids, dates, short codes): nothing typed or copied from a
confidential row reaches the log.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction

from compliance.models import AccessLogEntry

GENESIS = "0" * 64
SEPARATOR = "\x1f"
TEXT_LIMIT = 1000

_NUMBER = re.compile(r"\d{1,18}")
_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a choice's value or a chart's name, never free text
# Query parameters an entry keeps, each with the form its value must have; any `*_id` is a number.
LOGGED_QUERY = {
    "page": _NUMBER,
    "days": _NUMBER,
    "segment": _NUMBER,
    "owner": _NUMBER,
    "fiscal_year": _NUMBER,
    "date_from": _DATE,
    "date_to": _DATE,
    "format": _CODE,
    "chart": _CODE,
    "tier": _CODE,
    "category": _CODE,
    "channel": _CODE,
    "state": _CODE,
    "outcome": _CODE,
    "kind": _CODE,
    "person": re.compile(r"[us]\d{1,18}"),
}


def loggable_path(path: str, query: Iterable[tuple[str, str]]) -> str:
    """`path` with only the allow-listed query parameters whose values have the expected form."""
    kept = []
    for name, value in query:
        pattern = _NUMBER if name.endswith("_id") else LOGGED_QUERY.get(name)
        if pattern is not None and pattern.fullmatch(value):
            kept.append((name, value))
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclasses.dataclass
class Collector:
    """What one request read and was refused, written when its response is ready."""

    path: str = ""
    ip: str = ""
    method: str = "GET"
    # The view's URL kwargs, so an entry names the object read (say interaction 7), not only its account.
    view_kwargs: dict = dataclasses.field(default_factory=dict)
    entries: list[dict] = dataclasses.field(default_factory=list)
    reads: dict[tuple[int, int], datetime.datetime] = dataclasses.field(default_factory=dict)
    # Users whose wall lock this request holds, with the savepoints open when it was taken.
    locked: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def add(self, entry: dict) -> None:
        self.entries.append(entry)


_collector: ContextVar[Collector | None] = ContextVar("kam_access_log", default=None)


def _entry(
    *, user, account_id, object_type: str, object_id, action: str, outcome: str, reason: str, path="", ip=""
) -> dict:
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "user_id": user.pk if authenticated else None,
        "username": user.get_username() if authenticated else "",
        "account_id": account_id,
        "object_type": object_type[:100],
        "object_id": "" if object_id is None else str(object_id)[:100],
        "action": action[:50],
        "path": path[:TEXT_LIMIT],
        "ip": ip[:100],
        "outcome": outcome,
        "reason": reason[:TEXT_LIMIT],
    }


def record(
    *,
    user,
    account_id: int | None,
    object_type: str,
    object_id=None,
    action: str | None = None,
    outcome: str = AccessLogEntry.Outcome.ALLOWED,
    reason: str = "",
    read_at: datetime.datetime | None = None,
) -> None:
    """Log one access; `read_at` also marks a read of the account for the Brewer-Nash rule."""
    collector = _collector.get()
    if collector is not None and object_type == "account" and object_id is None:
        object_type, object_id = _object_of(collector.view_kwargs, object_type, account_id)
    if action is None:  # what the request did: a GET reads, anything else changes
        action = "view" if collector is None or collector.method in ("GET", "HEAD") else "change"
    entry = _entry(
        user=user,
        account_id=account_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        outcome=outcome,
        reason=reason,
        path=collector.path if collector else "",
        ip=collector.ip if collector else "",
    )
    if read_at and account_id is not None:
        record_reads(user=user, account_ids=[account_id], read_at=read_at)
    if collector is None:
        write([entry], {})
    else:
        collector.add(entry)


def record_change(
    *, user, account_id: int | None, object_type: str, object_id, action: str, reason: str
) -> None:
    """Log a change of who may do what at once, in the changing transaction: it stands or falls with it."""
    collector = _collector.get()
    entry = _entry(
        user=user,
        account_id=account_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        outcome=AccessLogEntry.Outcome.ALLOWED,
        reason=reason,
        path=collector.path if collector else "",
        ip=collector.ip if collector else "",
    )
    write([entry], {})


def _object_of(view_kwargs: dict, object_type: str, account_id) -> tuple[str, object]:
    """The innermost object a view's URL names: `plan_id=3, action_id=9` → ("action", 9)."""
    named = [(name.removesuffix("_id"), value) for name, value in view_kwargs.items() if name.endswith("_id")]
    named = [(name, value) for name, value in named if name != "account"]
    return named[-1] if named else (object_type, account_id)


def record_reads(*, user, account_ids: Iterable[int], read_at: datetime.datetime) -> None:
    """Mark reads of accounts in the read history now, in the transaction that allowed them.

    The gateway holds the user's lock (compliance/access.py) until this transaction ends, so the
    user's next decision sees these reads. In a request they are also kept on the collector, to be
    written again if the request fails and its transaction is rolled back.
    """
    reads = {(user.pk, account_id): read_at for account_id in account_ids}
    if not reads:
        return
    _upsert_reads(reads)
    collector = _collector.get()
    if collector is not None:
        for key, at in reads.items():
            collector.reads[key] = max(at, collector.reads.get(key, at))


READS_UPSERT = """
INSERT INTO compliance_readhistory (user_id, account_id, first_read_at, last_read_at, reads)
SELECT r.user_id, r.account_id, r.at, r.at, 1
  FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS r(user_id, account_id, at)
ON CONFLICT (user_id, account_id) DO UPDATE
   SET last_read_at = greatest(compliance_readhistory.last_read_at, excluded.last_read_at),
       reads = compliance_readhistory.reads + 1
"""


def _upsert_reads(reads: dict[tuple[int, int], datetime.datetime]) -> None:
    rows = [(user_id, account_id, at) for (user_id, account_id), at in sorted(reads.items())]
    with connection.cursor() as cursor:
        cursor.execute(READS_UPSERT, [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]])


def write(entries: list[dict], reads: dict[tuple[int, int], datetime.datetime]) -> None:
    """Append `entries` to the chain and upsert the read history, in one transaction."""
    if not entries and not reads:
        return
    with transaction.atomic(savepoint=False):
        if reads:
            _upsert_reads(reads)
        if entries:
            with connection.cursor() as cursor:
                cursor.execute("SELECT compliance_access_log_append(%s::jsonb)", [json.dumps(entries)])


@contextlib.contextmanager
def collecting(*, path: str, ip: str, method: str = "GET") -> Iterator[Collector]:
    collector = Collector(path=path, ip=ip, method=method)
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)


def note_view(view_kwargs: dict) -> None:
    collector = _collector.get()
    if collector is not None:
        collector.view_kwargs = dict(view_kwargs)


def flush(collector: Collector, *, rolled_back: bool = False) -> None:
    """Append what the request recorded; after a rollback, write its reads again too."""
    entries, reads = collector.entries, collector.reads
    collector.entries, collector.reads = [], {}
    write(entries, reads if rolled_back else {})


def lock_needed(user_id: int) -> bool:
    """Whether the wall lock of `user_id` (compliance/access.py) must be taken now.

    A request takes it once. Rolling back a savepoint releases a lock taken inside it, so the lock
    counts as held only while every savepoint open when it was taken is still open (Django never
    reuses a savepoint's name).
    """
    collector = _collector.get()
    if collector is None:
        return True
    current = tuple(connection.savepoint_ids)
    taken_in = collector.locked.get(user_id)
    if taken_in is not None and current[: len(taken_in)] == taken_in:
        return False
    collector.locked[user_id] = current
    return True


def canonical(entry: AccessLogEntry, prev_hash: str) -> str:
    """The text whose SHA-256 is the entry's hash (as computed by the append function)."""
    at = entry.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [
        prev_hash,
        str(entry.pk),
        at,
        "" if entry.user_id is None else str(entry.user_id),
        entry.username,
        "" if entry.account_id is None else str(entry.account_id),
        entry.object_type,
        entry.object_id,
        entry.action,
        entry.path,
        entry.ip,
        entry.outcome,
        entry.reason,
    ]
    return SEPARATOR.join(fields)


@dataclasses.dataclass(frozen=True)
class ChainReport:
    count: int
    last_id: int | None
    last_hash: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every link in id order; report the first entry whose hash does not hold."""
    previous, count, last_id = GENESIS, 0, None
    queryset = AccessLogEntry.objects.order_by("id")
    while True:
        batch = list(queryset.filter(id__gt=last_id or 0)[:batch_size])
        if not batch:
            return ChainReport(count=count, last_id=last_id, last_hash=previous)
        for entry in batch:
            if entry.prev_hash != previous:
                return ChainReport(
                    count,
                    last_id,
                    previous,
                    entry.pk,
                    "its previous hash is not the hash of the entry before it",
                )
            expected = hashlib.sha256(canonical(entry, previous).encode()).hexdigest()
            if entry.hash != expected:
                return ChainReport(count, last_id, previous, entry.pk, "its contents do not match its hash")
            previous, count, last_id = entry.hash, count + 1, entry.pk


def sign_head(report: ChainReport) -> dict:
    """The chain's head (count, last id and hash), signed with ACCESS_LOG_SIGNING_KEY."""
    head = {"count": report.count, "last_id": report.last_id, "last_hash": report.last_hash}
    head["signature"] = _signature(head)
    return head


def _signature(head: dict) -> str:
    message = f"{head['count']}:{head['last_id']}:{head['last_hash']}".encode()
    return hmac.new(settings.ACCESS_LOG_SIGNING_KEY.encode(), message, hashlib.sha256).hexdigest()


def check_head(head: dict) -> str | None:
    """None when a previously exported head is authentic and still in the chain; else the problem."""
    try:
        if not hmac.compare_digest(_signature(head), str(head["signature"])):
            return "the head's signature does not match (wrong key, or the file was edited)"
        last_id, last_hash, count = head["last_id"], head["last_hash"], int(head["count"])
    except (KeyError, TypeError, ValueError):
        return "this is not a head exported by verify_access_log"
    if last_id is None:
        return None
    entry = AccessLogEntry.objects.filter(pk=last_id).first()
    if entry is None:
        return f"entry {last_id}, the head's last entry, is gone"
    if entry.hash != last_hash:
        return f"entry {last_id} no longer has the head's hash"
    if AccessLogEntry.objects.filter(pk__lte=last_id).count() != count:
        return f"the log up to entry {last_id} no longer holds {count} entries"
    return None


def import_record(*, user, account_id: int | None, object_type: str, result, commit: bool) -> None:
    """Log a CSV file checked or imported into one account: how many rows, errors, whether written."""
    record(
        user=user,
        account_id=account_id,
        object_type=object_type,
        action="import" if commit else "import_check",
        reason=f"{result.rows} row(s), {len(result.errors)} error(s)"
        + ("; written" if result.written else "; nothing written"),
    )
