"""`manage.py fit_clv_model`: fit BG/NBD (and Gamma-Gamma) to a customer summary CSV, print JSON.

Offline analysis: it reads a file and never touches the database, so it runs without one.
"""

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError

from relationships.scoring import clv_probabilistic as clv

REQUIRED = ("frequency", "recency", "T")
MONETARY = "monetary_value"
# Customer identifiers are carried along in exports but play no part in the fit.
ID_COLUMNS = frozenset({"ID", "id", "customer_id"})
UNITS = ("days", "weeks", "months", "years")


@dataclass(frozen=True)
class Summary:
    frequency: list[float]
    recency: list[float]
    T: list[float]
    monetary_value: list[float] | None


class Command(BaseCommand):
    help = (
        "Fit the BG/NBD purchase model (and the Gamma-Gamma spend model when monetary_value is given) "
        "to a CSV of frequency,recency,T[,monetary_value] and print the parameters as JSON."
    )
    # No system checks: they may query the database, and this command must run without one.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--summary-csv", required=True, help="One row per customer.")
        parser.add_argument(
            "--unit", required=True, choices=UNITS, help="The period recency and T are measured in."
        )

    def handle(self, *args, summary_csv: str, unit: str, **options) -> None:
        # Converted here, not by argparse: call_command passes keyword options through unconverted.
        summary = read_summary(Path(summary_csv))
        try:
            result = fit(summary)
        except ValueError as exc:
            raise CommandError(f"fit_clv_model: {exc}") from exc
        self.stdout.write(json.dumps({"unit": unit, **result}, indent=2))


def fit(summary: Summary) -> dict[str, float | int]:
    purchases = clv.fit_bgnbd(summary.frequency, summary.recency, summary.T)
    result: dict[str, float | int] = {
        "customers": purchases.customers,
        **vars(purchases.params),
        "log_likelihood": purchases.log_likelihood,
    }
    if summary.monetary_value is not None:
        spend = clv.fit_gamma_gamma(summary.frequency, summary.monetary_value)
        result |= {"repeat_customers": spend.customers, **vars(spend.params)}
    if not all(math.isfinite(v) for v in result.values()):
        raise ValueError("the fit did not converge to finite parameters")
    return result


def read_summary(path: Path) -> Summary:
    try:
        # utf-8-sig: spreadsheets often prefix a byte-order mark that would corrupt the first name.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse(handle, path)
    except FileNotFoundError as exc:
        raise CommandError(f"fit_clv_model: {path} does not exist") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"fit_clv_model: cannot read {path}: {exc}") from exc


def _parse(handle: TextIO, path: Path) -> Summary:
    rows = csv.reader(handle)
    header = next(rows, None)
    if not header:
        raise CommandError(f"fit_clv_model: {path} is empty; expected a header row")
    columns = _model_columns(header)
    values: dict[str, list[float]] = {name: [] for name in columns.values()}
    for row in rows:
        if not row:
            continue
        line = rows.line_num
        if len(row) != len(header):
            raise CommandError(f"fit_clv_model: line {line}: expected {len(header)} fields, got {len(row)}")
        parsed = {name: _number(row[index], name, line) for index, name in columns.items()}
        problem = clv.summary_row_problem(**parsed)
        if problem:
            raise CommandError(f"fit_clv_model: line {line}: {problem}")
        for name, value in parsed.items():
            values[name].append(value)
    if not values["T"]:
        raise CommandError(f"fit_clv_model: {path} has a header but no customers")
    return Summary(values["frequency"], values["recency"], values["T"], values.get(MONETARY))


def _model_columns(header: list[str]) -> dict[int, str]:
    """Column index -> model input; names are case-sensitive, anything unknown is an error."""
    names = [name.strip() for name in header]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    unknown = [name for name in names if name not in {*REQUIRED, MONETARY, *ID_COLUMNS}]
    missing = [name for name in REQUIRED if name not in names]
    allowed = ", ".join([*REQUIRED, MONETARY]) + " and optionally one of " + ", ".join(sorted(ID_COLUMNS))
    if duplicates:
        raise CommandError(f"fit_clv_model: duplicate columns: {', '.join(duplicates)}")
    if unknown or missing:
        problems = [f"unknown columns: {', '.join(unknown)}"] if unknown else []
        problems += [f"missing columns: {', '.join(missing)}"] if missing else []
        raise CommandError(f"fit_clv_model: {'; '.join(problems)} (allowed: {allowed}; case-sensitive)")
    return {index: name for index, name in enumerate(names) if name not in ID_COLUMNS}


def _number(text: str, column: str, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(f"fit_clv_model: line {line}: {column} is not a number: {text!r}") from None
