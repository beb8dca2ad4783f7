"""CSV import (interactions, stakeholders) and export (an account's timeline).

An import runs every row through the same services as the forms, inside one transaction. A dry run
always rolls back; a real import commits only when every row was valid, so a file is written whole
or not at all. Rows are numbered as in a spreadsheet: the header is row 1. Each check and each
import leaves an entry in the access log (rows, errors, whether it was written).
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, Stakeholder
from compliance import access_log
from kam.lib.csv_guard import csv_safe, csv_unguard
from relationships.interactions.services import interaction_create, team_users
from relationships.models import Interaction

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
LIST_SEPARATOR = ";"


class CsvFileError(Exception):
    """The file as a whole cannot be read; nothing was written."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    doc: str


class RowInvalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


INTERACTION_COLUMNS = (
    Column("date", True, "When it happened, YYYY-MM-DD; not in the future."),
    Column("channel", True, "One of: " + ", ".join(Interaction.Channel.values) + "."),
    Column("category", True, "One of: " + ", ".join(Interaction.Category.values) + "."),
    Column("summary", True, "What happened, at most 4,000 characters."),
    Column("sentiment", False, "Customer sentiment from -2 (very negative) to 2 (very positive); default 0."),
    Column("effort_hours", False, "Hours spent, 0 or more (e.g. 1.5); default 0."),
    Column("work_type", False, "support or chargeable; default support."),
    Column(
        "should_have_been_charged", False, "yes or no: free support work that should have been chargeable."
    ),
    Column("our_participants", False, "Usernames of account-team members, separated by “;”."),
    Column(
        "their_participants",
        False,
        "Names or e-mail addresses of this account's stakeholders, separated by “;”.",
    ),
)
STAKEHOLDER_COLUMNS = (
    Column("name", True, "Full name; must not already be a stakeholder of this account."),
    Column("title", True, "Job title."),
    Column("email", False, "E-mail address."),
    Column("phone", False, "Phone number."),
    Column("influence", False, "1 low, 2 medium, 3 high, 4 decision maker; default 2."),
    Column("attitude", False, "One of: " + ", ".join(Stakeholder.Attitude.values) + "; default neutral."),
    Column("reports_to", False, "Name or e-mail of a stakeholder of this account (or of an earlier row)."),
    Column("notes", False, "Free text, at most 4,000 characters."),
    Column("relationship_owner", False, "Username of the account-team member who owns the relationship."),
)
INTERACTION_FIELD_COLUMNS = {"occurred_on": "date"}


# Reading the file ------------------------------------------------------------------------------


def read_rows(data: bytes, columns: tuple[Column, ...]) -> list[dict[str, str]]:
    """The data rows as dicts keyed by column name, or CsvFileError with a message for people."""
    if not data.strip():
        raise CsvFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise CsvFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    if b"\x00" in data:
        raise CsvFileError("This is not a CSV text file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise CsvFileError(f"The file is not valid CSV: {error}.") from None
    header = [name.strip().lower() for name in table[0]]
    _check_header(header, columns)
    rows = [row for row in table[1:] if any(cell.strip() for cell in row)]
    if not rows:
        raise CsvFileError("The file has a header but no rows.")
    if len(rows) > MAX_ROWS:
        raise CsvFileError(f"The file has {len(rows)} rows; at most {MAX_ROWS:,} can be imported at once.")
    return [_row_dict(header, row) for row in rows]


def _check_header(header: list[str], columns: tuple[Column, ...]) -> None:
    known = [column.name for column in columns]
    expected = "Expected columns: " + ", ".join(known) + "."
    unknown = [name for name in header if name not in known]
    missing = [c.name for c in columns if c.required and c.name not in header]
    if unknown:
        raise CsvFileError(f"Unknown column(s): {', '.join(unknown) or '(blank)'}. {expected}")
    if missing:
        raise CsvFileError(f"Missing column(s): {', '.join(missing)}. {expected}")
    if len(set(header)) != len(header):
        raise CsvFileError(f"A column appears twice in the header. {expected}")


def _row_dict(header: list[str], row: list[str]) -> dict[str, str]:
    values = {name: csv_unguard(row[i].strip()) if i < len(row) else "" for i, name in enumerate(header)}
    values["__width__"] = str(len(row))
    return values


def _choice(value: str, choices, column: str, default=None):
    if not value and default is not None:
        return default
    for stored, label in choices.choices:
        if value.lower() in (str(stored).lower(), str(label).lower()):
            return stored
    raise RowInvalid([(column, "One of: " + ", ".join(str(v) for v in choices.values) + ".")])


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowInvalid([("date", "Use a date in the format YYYY-MM-DD.")]) from None


def _hours(value: str) -> Decimal:
    try:
        hours = Decimal(value or "0")
    except InvalidOperation:
        raise RowInvalid([("effort_hours", "A number of hours, e.g. 1.5.")]) from None
    if not hours.is_finite():
        raise RowInvalid([("effort_hours", "A number of hours, e.g. 1.5.")])
    return hours


def _yes_no(value: str, column: str) -> bool:
    lowered = value.lower()
    if lowered in ("", "no", "false", "0", "n"):
        return False
    if lowered in ("yes", "true", "1", "y"):
        return True
    raise RowInvalid([(column, "Write yes or no.")])


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(LIST_SEPARATOR) if name.strip()]


class People:
    """This account's team and stakeholders, loaded once, looked up by username / name / e-mail."""

    def __init__(self, account: Account) -> None:
        self.users = {user.get_username().lower(): user for user in team_users(account)}
        self.stakeholders: list[Stakeholder] = list(account.stakeholders.all())

    def user(self, username: str, column: str):
        try:
            return self.users[username.lower()]
        except KeyError:
            raise RowInvalid([(column, f"“{username}” is not on this account's team.")]) from None

    def stakeholder(self, key: str, column: str) -> Stakeholder:
        lowered = key.lower()
        found = [s for s in self.stakeholders if lowered in (s.name.lower(), s.email.lower())]
        if not found:
            raise RowInvalid([(column, f"“{key}” is not a stakeholder of this account.")])
        if len(found) > 1:
            raise RowInvalid([(column, f"More than one stakeholder matches “{key}”; use the e-mail.")])
        return found[0]


# Writing rows through the services -------------------------------------------------------------


def _interaction_parsers(people: People) -> dict[str, tuple[str, Callable[[str], object]]]:
    """Field name -> (CSV column, parser of that cell)."""
    return {
        "occurred_on": ("date", _date),
        "channel": ("channel", lambda v: _choice(v, Interaction.Channel, "channel")),
        "category": ("category", lambda v: _choice(v, Interaction.Category, "category")),
        "sentiment": ("sentiment", lambda v: _choice(v, Interaction.Sentiment, "sentiment", 0)),
        "effort_hours": ("effort_hours", _hours),
        "work_type": ("work_type", lambda v: _choice(v, Interaction.WorkType, "work_type", "support")),
        "should_have_been_charged": (
            "should_have_been_charged",
            lambda v: _yes_no(v, "should_have_been_charged"),
        ),
        "our_participants": (
            "our_participants",
            lambda v: [people.user(name, "our_participants") for name in _names(v)],
        ),
        "their_participants": (
            "their_participants",
            lambda v: [people.stakeholder(name, "their_participants") for name in _names(v)],
        ),
    }


# Stand-ins for cells that did not parse, so the service can still report the row's other problems.
_NEUTRAL_INTERACTION = {
    "channel": Interaction.Channel.OTHER,
    "category": Interaction.Category.RELATIONSHIP,
    "sentiment": 0,
    "effort_hours": Decimal(0),
    "work_type": Interaction.WorkType.SUPPORT,
    "should_have_been_charged": False,
    "our_participants": [],
    "their_participants": [],
}


def _interaction_row(row: dict[str, str], *, account: Account, actor, people: People) -> None:
    errors: list[tuple[str, str]] = []
    parsed = {}
    for field_name, (column, parse) in _interaction_parsers(people).items():
        try:
            parsed[field_name] = parse(row.get(column, ""))
        except RowInvalid as invalid:
            errors.extend(invalid.errors)
    if not errors:
        interaction_create(account=account, author=actor, summary=row["summary"], **parsed)
        return
    # Report every problem of the row at once: run the service's checks on what did parse.
    stand_ins = {"occurred_on": timezone.localdate(), **_NEUTRAL_INTERACTION}
    failed = {column for column, _ in errors}
    try:
        interaction_create(account=account, author=actor, summary=row["summary"], **{**stand_ins, **parsed})
    except ValidationError as error:
        errors.extend(
            (problem.column, problem.message)
            for problem in _row_errors(0, error, INTERACTION_FIELD_COLUMNS)
            if problem.column not in failed
        )
    raise RowInvalid(errors)  # also rolls back the stand-in row, written inside the row's savepoint


def _stakeholder_row(row: dict[str, str], *, account: Account, actor, people: People) -> None:
    name = row["name"]
    if any(s.name.lower() == name.lower() for s in people.stakeholders):
        raise RowInvalid([("name", f"“{name}” is already a stakeholder of this account.")])
    errors: list[tuple[str, str]] = []
    fields = {
        "name": name,
        "title": row["title"],
        "email": row.get("email", ""),
        "phone": row.get("phone", ""),
    }
    fields["notes"] = row.get("notes", "")
    for column, parse in (
        ("influence", lambda v: _choice(v, Stakeholder.Influence, "influence", 2)),
        ("attitude", lambda v: _choice(v, Stakeholder.Attitude, "attitude", "neutral")),
        ("reports_to", lambda v: people.stakeholder(v, "reports_to") if v else None),
        ("relationship_owner", lambda v: people.user(v, "relationship_owner") if v else None),
    ):
        try:
            fields[column] = parse(row.get(column, ""))
        except RowInvalid as invalid:
            errors.extend(invalid.errors)
    if errors:
        raise RowInvalid(errors)
    people.stakeholders.append(account_services.stakeholder_create(account=account, **fields))


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    columns: tuple[Column, ...]
    write_row: Callable[..., None]
    field_columns: dict[str, str]


KINDS = {
    "interactions": Kind(
        "interactions", "interactions", INTERACTION_COLUMNS, _interaction_row, INTERACTION_FIELD_COLUMNS
    ),
    "stakeholders": Kind("stakeholders", "stakeholders", STAKEHOLDER_COLUMNS, _stakeholder_row, {}),
}


class _DryRun(Exception):
    """Raised to roll back a dry run, or an import with errors."""


def run_import(*, account: Account, actor, kind: Kind, data: bytes, commit: bool) -> ImportResult:
    """Validate (and, when `commit` and every row is valid, write) a CSV file. CsvFileError if unreadable."""
    rows = read_rows(data, kind.columns)
    result = ImportResult(rows=len(rows))
    try:
        with transaction.atomic():
            _write_rows(rows, kind=kind, account=account, actor=actor, result=result)
            if result.errors or not commit:
                raise _DryRun
            result.written = True
    except _DryRun:
        pass
    access_log.record(
        user=actor,
        account_id=account.pk,
        object_type=f"{kind.slug.removesuffix('s')}_import",
        action="import" if commit else "import_check",
        reason=f"{result.rows} row(s), {len(result.errors)} error(s)"
        + ("; written" if result.written else "; nothing written"),
    )
    return result


def _write_rows(rows, *, kind: Kind, account: Account, actor, result: ImportResult) -> None:
    people = People(account)
    width = len(kind.columns)
    for number, row in enumerate(rows, start=2):
        if int(row.pop("__width__")) > width:
            result.errors.append(RowError(number, "", "This row has more cells than the header."))
            continue
        try:
            with transaction.atomic():  # a savepoint: a bad row leaves no trace for the next one
                kind.write_row(row, account=account, actor=actor, people=people)
        except RowInvalid as invalid:
            result.errors.extend(RowError(number, column, message) for column, message in invalid.errors)
        except ValidationError as error:
            result.errors.extend(_row_errors(number, error, kind.field_columns))


def _row_errors(number: int, error: ValidationError, field_columns: dict[str, str]) -> Iterator[RowError]:
    if not hasattr(error, "error_dict"):
        yield from (RowError(number, "", message) for message in error.messages)
        return
    for field_name, errors in error.error_dict.items():
        column = "" if field_name == NON_FIELD_ERRORS else field_columns.get(field_name, field_name)
        for message in ValidationError(errors).messages:
            yield RowError(number, column, message)


# Export ----------------------------------------------------------------------------------------

EXPORT_HEADER = [column.name for column in INTERACTION_COLUMNS] + ["author", "follow_ups"]


def _follow_up_text(action) -> str:
    return f"{action.description} ({action.owner.get_username()}, due {action.due_on})"


def export_rows(interactions: Iterable[Interaction]) -> Iterator[list[str]]:
    """The header, then one row per interaction, in the import's column format."""
    yield EXPORT_HEADER
    for item in interactions:
        yield [
            csv_safe(value)
            for value in (
                item.occurred_on.isoformat(),
                item.channel,
                item.category,
                item.summary,
                item.sentiment,
                item.effort_hours,
                item.work_type,
                "yes" if item.should_have_been_charged else "no",
                LIST_SEPARATOR.join(user.get_username() for user in item.our_participants.all()),
                LIST_SEPARATOR.join(person.email or person.name for person in item.their_participants.all()),
                item.author.get_username(),
                LIST_SEPARATOR.join(_follow_up_text(f) for f in item.follow_ups.all()),
            )
        ]  # fmt: skip
