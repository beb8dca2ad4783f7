"""Writes to monthly revenue and margin: the CSV import (all or nothing) and bulk upserts.

Every check and import of a file is logged: an entry per account it names that the importer may
read, and a denial per row naming any other (walled or unknown: the log keeps the account's id when
there is one, never the name as typed).
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Lower

from accounts.models import Account
from compliance import access_log
from compliance.access import visible_accounts
from compliance.models import AccessLogEntry
from relationships.models import MonthlyRevenue
from relationships.revenue.imports import RevenueRow, RowError
from relationships.scoring.tasks import enqueue_accounts_refresh

IMPORT_PERMISSION = "relationships.add_monthlyrevenue"


class RevenueImportError(Exception):
    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} row error(s); nothing was imported")
        self.errors = list(errors)


def monthly_revenue_upsert(*, rows: Sequence[tuple[int, datetime.date, Decimal, Decimal]]) -> int:
    """Insert or replace (account id, first of month, revenue, margin) rows in one statement."""
    if not rows:
        return 0
    accounts, months, revenues, margins = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {MonthlyRevenue._meta.db_table} (account_id, month, revenue, margin, updated_at)
                SELECT a, m, r, g, now()
                FROM unnest(%s::bigint[], %s::date[], %s::numeric[], %s::numeric[]) AS t(a, m, r, g)
                ON CONFLICT (account_id, month)
                DO UPDATE SET revenue = EXCLUDED.revenue, margin = EXCLUDED.margin, updated_at = now()""",  # noqa: S608 - the table name is ours
            [accounts, months, revenues, margins],
        )
        return cursor.rowcount


def _resolve_accounts(actor, rows: Sequence[RevenueRow]) -> tuple[dict[str, int], list[RowError]]:
    # Only accounts the importer may read: any other name is "unknown", walled or not.
    names = {row.account.lower() for row in rows}
    found = dict(
        visible_accounts(actor)
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names)
        .values_list("lower_name", "id")
    )
    errors = [
        RowError(row.line, "account", f"no account named “{row.account}” on your teams")
        for row in rows
        if row.account.lower() not in found
    ]
    return found, errors


def _duplicates(rows: Sequence[RevenueRow]) -> list[RowError]:
    seen: dict[tuple[str, datetime.date], int] = {}
    errors = []
    for row in rows:
        key = (row.account.lower(), row.month)
        if key in seen:
            errors.append(RowError(row.line, "month", f"repeats line {seen[key]} for this account and month"))
        seen.setdefault(key, row.line)
    return errors


def _accounts_named(names: set[str]) -> dict[str, int]:
    """Ids of any accounts with these (lower-cased) names: sanitized data, for the log only."""
    if not names:
        return {}
    named = Account.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=names)
    return dict(named.values_list("lower_name", "id"))


def _log_import(
    actor, rows: Sequence[RevenueRow], found: dict[str, int], *, action: str, refused: bool
) -> None:
    rows_per_account = Counter(found[row.account.lower()] for row in rows if row.account.lower() in found)
    outcome = "; nothing imported: the file has errors" if refused else ""
    for account_id, count in sorted(rows_per_account.items()):
        access_log.record(
            user=actor,
            account_id=account_id,
            object_type="monthly_revenue",
            action=action,
            reason=f"{count} row(s){outcome}",
        )
    unknown = [row for row in rows if row.account.lower() not in found]
    named = _accounts_named({row.account.lower() for row in unknown})
    for row in unknown:
        access_log.record(
            user=actor,
            account_id=named.get(row.account.lower()),
            object_type="monthly_revenue",
            action=action,
            outcome=AccessLogEntry.Outcome.DENIED,
            reason=f"line {row.line}: not an account on the importer's teams",
        )


def revenue_import(
    *, actor, rows: Sequence[RevenueRow], errors: Sequence[RowError] = (), commit: bool = True
) -> int:
    """Check parsed rows and (with `commit`) import them: every row valid, or nothing written.

    Returns the number of rows imported (or, without `commit`, that would be); RevenueImportError
    lists every error.
    """
    if not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("You may not import revenue.")
    found, account_errors = _resolve_accounts(actor, rows)
    problems = sorted([*errors, *account_errors, *_duplicates(rows)], key=lambda e: (e.line, e.column))
    _log_import(actor, rows, found, action="import" if commit else "import_check", refused=bool(problems))
    if problems:
        raise RevenueImportError(problems)
    if not commit:
        return len(rows)
    with transaction.atomic():
        count = monthly_revenue_upsert(
            rows=[(found[row.account.lower()], row.month, row.revenue, row.margin) for row in rows]
        )
        enqueue_accounts_refresh(list(found.values()))
    return count
