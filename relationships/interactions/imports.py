"""Interactions from CSV (one kind of kam/lib/csv_import.py), and an account's timeline as CSV.

Every row goes through `interaction_create`, the service the forms use, inside one transaction.
"""

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.imports import AccountPeople
from compliance import access_log
from kam.lib.csv_guard import csv_safe
from kam.lib.csv_import import (
    Column,
    ImportKind,
    Numbered,
    Row,
    all_or_nothing,
    parse_choice,
    parse_date,
    parse_yes_no,
    row_errors,
    split_list,
)
from relationships.interactions.services import interaction_create
from relationships.models import Interaction

LIST_SEPARATOR = ";"

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
FIELD_COLUMNS = {"occurred_on": "date"}


def _hours(text: str) -> Decimal:
    try:
        hours = Decimal(text or "0")
    except InvalidOperation:
        raise ValueError("A number of hours, e.g. 1.5.") from None
    if not hours.is_finite():
        raise ValueError("A number of hours, e.g. 1.5.")
    return hours


def interaction_row(row: Row, people: AccountPeople) -> dict:
    """The row as `interaction_create` arguments; a cell that fails gets a neutral stand-in."""
    return {
        "occurred_on": row.parse("date", parse_date, timezone.localdate()),
        "channel": row.parse("channel", parse_choice(Interaction.Channel), Interaction.Channel.OTHER),
        "category": row.parse(
            "category", parse_choice(Interaction.Category), Interaction.Category.RELATIONSHIP
        ),
        "summary": row["summary"],
        "sentiment": row.parse("sentiment", parse_choice(Interaction.Sentiment, default=0), 0),
        "effort_hours": row.parse("effort_hours", _hours, Decimal(0)),
        "work_type": row.parse(
            "work_type", parse_choice(Interaction.WorkType, default="support"), Interaction.WorkType.SUPPORT
        ),
        "should_have_been_charged": row.parse("should_have_been_charged", parse_yes_no, False),
        "our_participants": row.parse(
            "our_participants", lambda text: [people.user(n) for n in split_list(text, LIST_SEPARATOR)], []
        ),
        "their_participants": row.parse(
            "their_participants",
            lambda text: [people.stakeholder(n) for n in split_list(text, LIST_SEPARATOR)],
            [],
        ),
    }


def interactions_write(*, items: Sequence[Numbered], context: AccountPeople, commit: bool) -> int:
    """Log every row's interaction in one transaction: all of them, or none and every problem."""
    with transaction.atomic(), all_or_nothing(commit=commit) as errors:
        for number, fields in items:
            try:
                with transaction.atomic():  # a savepoint: a refused row leaves no trace for the next
                    interaction_create(account=context.account, author=context.actor, **fields)
            except ValidationError as error:
                errors.extend(row_errors(number, error, FIELD_COLUMNS))
    return len(items)


def interactions_audit(*, items, context: AccountPeople, result, commit: bool) -> None:
    access_log.import_record(
        user=context.actor,
        account_id=context.account.pk,
        object_type="interaction_import",
        result=result,
        commit=commit,
    )


INTERACTIONS = ImportKind(
    slug="interactions",
    columns=INTERACTION_COLUMNS,
    parse_row=interaction_row,
    write=interactions_write,
    audit=interactions_audit,
)


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
