"""Writes to monthly revenue and margin: the CSV import (all or nothing) and bulk upserts.

Every check and import of a file is logged: an entry per account it names that the importer may
read, and a denial per row naming any other (walled or unknown: the log keeps the account's id when
there is one, never the name as typed).
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Lower

from accounts.models import Account
from compliance import access_log
from compliance.access import visible_accounts
from compliance.models import AccessLogEntry
from kam.lib.csv_import import RowError, all_or_nothing
from relationships.models import MonthlyRevenue
from relationships.scoring.tasks import enqueue_accounts_refresh

IMPORT_PERMISSION = "relationships.add_monthlyrevenue"


@dataclass(frozen=True)
class RevenueRow:
    number: int  # the CSV row, for problems
    account: str
    month: datetime.date
    revenue: Decimal
    margin: Decimal


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
        RowError(row.number, "account", f"no account named “{row.account}” on your teams")
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
            errors.append(
                RowError(row.number, "month", f"repeats row {seen[key]} for this account and month")
            )
        seen.setdefault(key, row.number)
    return errors


def revenue_import(*, actor, rows: Sequence[RevenueRow], commit: bool = True) -> int:
    """Import parsed rows: every row valid, or nothing written and every problem raised (RowsRefused).

    With `commit=False` every check runs and the transaction is rolled back (a dry run).
    """
    if not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("You may not import revenue.")
    with transaction.atomic(), all_or_nothing(commit=commit) as errors:
        found, account_errors = _resolve_accounts(actor, rows)
        errors += sorted([*account_errors, *_duplicates(rows)], key=lambda e: (e.row, e.column))
        count = 0
        if not errors:
            count = monthly_revenue_upsert(
                rows=[(found[row.account.lower()], row.month, row.revenue, row.margin) for row in rows]
            )
            enqueue_accounts_refresh(list(found.values()))
    return count


def _accounts_named(names: set[str]) -> dict[str, int]:
    """Ids of any accounts with these (lower-cased) names: sanitized data, for the log only."""
    if not names:
        return {}
    named = Account.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=names)
    return dict(named.values_list("lower_name", "id"))


def revenue_import_audit(*, actor, rows: Sequence[RevenueRow], commit: bool, refused: bool) -> None:
    """Log a revenue file checked or imported: per account the importer may read, and each refusal."""
    found, _errors = _resolve_accounts(actor, rows)
    action = "import" if commit else "import_check"
    outcome = "; nothing imported: the file has errors" if refused else ""
    per_account = Counter(found[row.account.lower()] for row in rows if row.account.lower() in found)
    for account_id, count in sorted(per_account.items()):
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
            reason=f"row {row.number}: not an account on the importer's teams",
        )
