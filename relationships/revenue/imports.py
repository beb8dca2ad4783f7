"""Revenue and margin from CSV (one kind of kam/lib/csv_import.py): the columns and the row parser.

A month already in KAM for that account is replaced. One bad row and nothing is written.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from kam.lib.csv_import import MB, Column, ImportKind, Numbered, Row
from relationships.revenue.services import RevenueRow, revenue_import, revenue_import_audit

MAX_AMOUNT = Decimal("999999999999.99")

COLUMNS = (
    Column(
        "account",
        True,
        "The account's name as in KAM (case does not matter); it must be on one of your teams.",
    ),
    Column("month", True, "The calendar month, YYYY-MM, e.g. 2026-03."),
    Column("revenue", True, "What the account bought that month: 0 or more, up to 2 decimals, e.g. 1234.50."),
    Column("margin", True, "Our margin on it: at most the revenue, may be negative, up to 2 decimals."),
)


def _month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        raise ValueError("expected a month as YYYY-MM, e.g. 2026-03") from None


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError("expected an amount such as 1234.50") from None
    if not value.is_finite() or value.as_tuple().exponent < -2 or abs(value) > MAX_AMOUNT:
        raise ValueError("expected an amount with at most 2 decimals")
    return value


def revenue_row(row: Row, actor) -> RevenueRow | None:
    """The row, or None when a cell is wrong (the other rows are still checked)."""
    month = row.parse("month", _month, None)
    revenue = row.parse("revenue", _amount, None)
    margin = row.parse("margin", _amount, None)
    if not row["account"]:
        row.error("account", "the account's name is required")
    if revenue is not None and revenue < 0:
        row.error("revenue", "revenue cannot be negative")
    if revenue is not None and margin is not None and margin > revenue:
        row.error("margin", "margin cannot exceed revenue")
    if row.errors:
        return None
    return RevenueRow(row.number, row["account"], month, revenue, margin)


def _write(*, items: Sequence[Numbered], context, commit: bool) -> int:
    return revenue_import(actor=context, rows=[row for _, row in items], commit=commit)


def _audit(*, items: Sequence[Numbered], context, result, commit: bool) -> None:
    revenue_import_audit(
        actor=context, rows=[row for _, row in items], commit=commit, refused=bool(result.errors)
    )


REVENUE = ImportKind(
    slug="revenue",
    columns=COLUMNS,
    parse_row=revenue_row,
    write=_write,
    audit=_audit,
    max_bytes=5 * MB,
    max_rows=50_000,
)
