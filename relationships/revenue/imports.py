"""Revenue and margin CSV: the columns, and parsing a file into rows or per-row errors.

Columns (a header row is required; column order is free, extra columns are refused):

| column  | required | meaning                                                                  |
|---------|----------|--------------------------------------------------------------------------|
| account | yes      | the account's name, as in KAM (case does not matter)                     |
| month   | yes      | the calendar month, `YYYY-MM` (e.g. `2026-03`)                           |
| revenue | yes      | what the account bought that month, 0 or more, up to 2 decimals (`1234.50`) |
| margin  | yes      | our margin on it, at most the revenue (may be negative), up to 2 decimals |

A month already in KAM for that account is replaced. One bad row and nothing is written.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COLUMNS = ("account", "month", "revenue", "margin")
MAX_ROWS = 50_000
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class RevenueRow:
    line: int
    account: str
    month: datetime.date
    revenue: Decimal
    margin: Decimal


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


def _month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        raise ValueError("expected a month as YYYY-MM, e.g. 2026-03") from None


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("expected an amount such as 1234.50") from None
    if not value.is_finite() or value.as_tuple().exponent < -2 or abs(value) > MAX_AMOUNT:
        raise ValueError("expected an amount with at most 2 decimals")
    return value


def _row(line: int, cells: dict[str, str]) -> tuple[RevenueRow | None, list[RowError]]:
    errors, values = [], {}
    for column, parse in (("month", _month), ("revenue", _amount), ("margin", _amount)):
        try:
            values[column] = parse(cells.get(column) or "")
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
    account = (cells.get("account") or "").strip()
    if not account:
        errors.append(RowError(line, "account", "the account's name is required"))
    if "revenue" in values and values["revenue"] < 0:
        errors.append(RowError(line, "revenue", "revenue cannot be negative"))
    if {"revenue", "margin"} <= values.keys() and values["margin"] > values["revenue"]:
        errors.append(RowError(line, "margin", "margin cannot exceed revenue"))
    if errors:
        return None, errors
    return RevenueRow(line, account, values["month"], values["revenue"], values["margin"]), []


def parse_revenue_csv(data: bytes) -> tuple[list[RevenueRow], list[RowError]]:
    """All rows, or the errors of every bad row (the caller writes nothing if there are any)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(1, "file", "not UTF-8 text; save it as CSV UTF-8")]
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return [], [RowError(1, "file", f"not a CSV file ({exc})")]
    if not table:
        return [], [RowError(1, "file", "the file is empty")]
    header = [name.strip().lower() for name in table[0]]
    if sorted(header) != sorted(COLUMNS):
        return [], [
            RowError(1, "header", f"expected the columns {', '.join(COLUMNS)}; got {', '.join(header)}")
        ]
    if len(table) - 1 > MAX_ROWS:
        return [], [RowError(1, "file", f"at most {MAX_ROWS} rows per file")]
    rows, errors = [], []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, "row", f"expected {len(header)} cells, got {len(cells)}"))
            continue
        row, row_errors = _row(line, dict(zip(header, cells, strict=True)))
        errors.extend(row_errors)
        if row:
            rows.append(row)
    return rows, errors
