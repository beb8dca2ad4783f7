"""The one CSV import pipeline: read the file, check its header, parse every row, write all or nothing.

A kind of import (interactions, stakeholders, revenue) supplies its columns, a row parser and a
writer. The pipeline reports every problem of every row at once; rows are numbered as in a
spreadsheet (the header is row 1).

The writer is the kind's service. It checks and writes every row inside one `transaction.atomic()`
wrapped around `all_or_nothing(commit=...)`, which rolls the transaction back when a row was refused
and after a dry run, so a dry run runs exactly the checks of the real import and writes nothing.

A dry run's confirmation stores nothing on the server: the page carries a signed digest of the file
(`confirmation_sign`), and confirming sends the same file again (`confirmation_check`).
"""

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Generic, TypeVar

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from kam.lib.csv_guard import csv_unguard

MB = 1024 * 1024
CONFIRMATION_MAX_AGE = 60 * 60  # seconds a dry run may be confirmed for

Context = TypeVar("Context")
Item = TypeVar("Item")
Value = TypeVar("Value")


class CsvFileError(Exception):
    """The file as a whole cannot be imported; nothing was written. The message is for people."""


class ConfirmationRefused(Exception):
    """The confirmation does not match a recent dry run of this very file; nothing was written."""


@dataclass(frozen=True)
class RowError:
    row: int  # as in a spreadsheet: the header is row 1
    column: str  # "" for the row as a whole
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column or 'row'}: {self.message}"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    doc: str


@dataclass
class Row:
    """One data row: its cells by column name, and the problems its parser found."""

    number: int
    cells: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def parse(self, column: str, parser: Callable[[str], Value], stand_in: Value) -> Value:
        """The cell parsed, or `stand_in` (so the writer can still check the rest) with its problem noted."""
        try:
            return parser(self[column])
        except ValueError as problem:
            self.error(column, str(problem))
            return stand_in


Numbered = tuple[int, Item]  # (row number, the parser's item)


@dataclass(frozen=True)
class ImportKind(Generic[Context, Item]):
    """What one kind of import reads and how it writes.

    `parse_row(row, context)` returns the row's item (stand-ins where a cell failed) or None to leave
    the row out; `write(*, items, context, commit)` is the service described in this module's docstring;
    `audit(*, items, context, result, commit)`, if given, records the check or import once it is over
    (after a dry run's rollback, so the record stays).
    """

    slug: str
    columns: tuple[Column, ...]
    parse_row: Callable[[Row, Context], Item | None]
    write: Callable[..., int]
    max_bytes: int = 2 * MB
    max_rows: int = 5_000
    audit: Callable[..., None] | None = None

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // MB


@dataclass
class ImportResult:
    rows: int
    errors: list[RowError]
    written: bool


# Reading the file ------------------------------------------------------------------------------


def too_large(max_bytes: int) -> CsvFileError:
    return CsvFileError(f"The file is larger than {max_bytes // MB} MB; split it.")


def read_upload(upload: IO[bytes], *, max_bytes: int) -> bytes:
    """The uploaded file's bytes, reading no more than the limit allows."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data


def read_rows(data: bytes, kind: ImportKind) -> list[Row]:
    """The non-blank data rows, or CsvFileError when the file as a whole is unusable."""
    if len(data) > kind.max_bytes:
        raise too_large(kind.max_bytes)
    if not data.strip():
        raise CsvFileError("The file is empty.")
    if b"\x00" in data:
        raise CsvFileError("This is not a CSV text file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    try:
        table = list(enumerate(csv.reader(io.StringIO(text, newline=""), strict=True), start=1))
    except csv.Error as error:
        raise CsvFileError(f"The file is not valid CSV: {error}.") from None
    header = [name.strip().lower() for name in table[0][1]]
    _check_header(header, kind.columns)
    rows = [(number, cells) for number, cells in table[1:] if any(cell.strip() for cell in cells)]
    if not rows:
        raise CsvFileError("The file has a header but no rows.")
    if len(rows) > kind.max_rows:
        raise CsvFileError(
            f"The file has {len(rows)} rows; at most {kind.max_rows:,} can be imported at once."
        )
    return [_row(number, header, cells) for number, cells in rows]


def _check_header(header: list[str], columns: tuple[Column, ...]) -> None:
    known = [column.name for column in columns]
    expected = "Expected columns: " + ", ".join(known) + "."
    unknown = [name for name in header if name not in known]
    missing = [column.name for column in columns if column.required and column.name not in header]
    if unknown:
        raise CsvFileError(f"Unknown column(s): {', '.join(unknown) or '(blank)'}. {expected}")
    if missing:
        raise CsvFileError(f"Missing column(s): {', '.join(missing)}. {expected}")
    if len(set(header)) != len(header):
        raise CsvFileError(f"A column appears twice in the header. {expected}")


def _row(number: int, header: list[str], cells: list[str]) -> Row:
    row = Row(number, {name: csv_unguard(cell.strip()) for name, cell in zip(header, cells, strict=False)})
    if len(cells) > len(header):
        row.error("", "This row has more cells than the header.")
    return row


# Parsing and writing ---------------------------------------------------------------------------


def parse_rows(rows: Sequence[Row], kind: ImportKind[Context, Item], context: Context) -> list[Numbered]:
    """Every row's item; each row's problems stay on the row. A row too wide is not parsed."""
    items = []
    for row in rows:
        if row.errors:
            continue
        item = kind.parse_row(row, context)
        if item is not None:
            items.append((row.number, item))
    return items


class RowsRefused(Exception):
    """Raised inside a writer's transaction to roll it back; carries every row's problems."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} row problem(s); nothing was written")
        self.errors = list(errors)


class _DryRunDone(Exception):
    """Raised inside a writer's transaction after a dry run's checks, to roll it back."""


@contextmanager
def all_or_nothing(*, commit: bool) -> Iterator[list[RowError]]:
    """Collect a writer's row problems; on leaving, refuse them all, or roll a dry run back.

    Use it inside the writer's `transaction.atomic()`, so that either exception undoes every row.
    """
    errors: list[RowError] = []
    yield errors
    if errors:
        raise RowsRefused(errors)
    if not commit:
        raise _DryRunDone


def run_import(
    kind: ImportKind[Context, Item], data: bytes, *, context: Context, commit: bool
) -> ImportResult:
    """Check every row (and write them all when `commit` and nothing is wrong). CsvFileError if unreadable."""
    rows = read_rows(data, kind)
    items = parse_rows(rows, kind, context)
    errors = [error for row in rows for error in row.errors]
    failed = {(error.row, error.column) for error in errors}
    written = False
    try:
        if items:
            kind.write(items=items, context=context, commit=commit and not errors)
            written = commit and not errors
    except RowsRefused as refused:
        # A cell that failed to parse was written as a stand-in: its consequences are not news.
        errors += [error for error in refused.errors if (error.row, error.column) not in failed]
    except _DryRunDone:
        pass
    else:
        if items and not written:
            raise RuntimeError(f"The {kind.slug} writer did not roll back a dry run (see all_or_nothing).")
    errors.sort(key=lambda error: error.row)  # stable: each row's problems keep their order
    result = ImportResult(rows=len(rows), errors=errors, written=written)
    if kind.audit is not None:
        kind.audit(items=items, context=context, result=result, commit=commit)
    return result


def row_errors(number: int, error: ValidationError, field_columns: dict[str, str]) -> list[RowError]:
    """A service's ValidationError as the row's problems, model fields named by their CSV column."""
    if not hasattr(error, "error_dict"):
        return [RowError(number, "", message) for message in error.messages]
    return [
        RowError(number, "" if name == NON_FIELD_ERRORS else field_columns.get(name, name), message)
        for name, errors in error.error_dict.items()
        for message in ValidationError(errors).messages
    ]


# Cell parsers: each raises ValueError with a message for people ------------------------------


def parse_choice(choices: Any, *, default: Any = None) -> Callable[[str], Any]:
    """A parser of one of a Django `Choices`' values or labels (any case); blank is `default` if given."""

    def parse(text: str) -> Any:
        if not text and default is not None:
            return default
        for value, label in choices.choices:
            if text.lower() in (str(value).lower(), str(label).lower()):
                return value
        raise ValueError("One of: " + ", ".join(str(value) for value in choices.values) + ".")

    return parse


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("Use a date in the format YYYY-MM-DD.") from None


def parse_yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("", "no", "false", "0", "n"):
        return False
    if lowered in ("yes", "true", "1", "y"):
        return True
    raise ValueError("Write yes or no.")


def split_list(text: str, separator: str = ";") -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


# Confirming a dry run --------------------------------------------------------------------------


def confirmation_sign(data: bytes, *, salt: str) -> str:
    """A token for the dry-run page: the file's SHA-256, signed for this salt (kind, scope, user)."""
    payload = {"sha256": hashlib.sha256(data).hexdigest(), "nonce": secrets.token_urlsafe(8)}
    return signing.dumps(payload, salt=salt)


def confirmation_check(data: bytes, token: str, *, salt: str, max_age: int = CONFIRMATION_MAX_AGE) -> None:
    """Refuse unless `token` was signed for this salt within `max_age` seconds, for exactly this file."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ConfirmationRefused(
            f"The check of this file is more than {max_age // 60} minutes old; check the file again."
        ) from None
    except signing.BadSignature:
        raise ConfirmationRefused("This confirmation is not valid here; check the file again.") from None
    if not hmac.compare_digest(str(payload.get("sha256", "")), hashlib.sha256(data).hexdigest()):
        raise ConfirmationRefused(
            "This is not the file you checked: it differs from the dry run. Check this file first."
        )


def _used_key(token: str) -> str:
    return "csv-import:confirmed:" + hashlib.sha256(token.encode()).hexdigest()


def confirmation_claim(token: str, *, max_age: int = CONFIRMATION_MAX_AGE) -> None:
    """Mark a checked token used, so one dry run imports once (a reload or a double click does not)."""
    if not cache.add(_used_key(token), 1, timeout=max_age):
        raise ConfirmationRefused("This file was already imported from that check; check it again to repeat.")


def confirmation_release(token: str) -> None:
    """Let a claimed token be used again: its import wrote nothing."""
    cache.delete(_used_key(token))
