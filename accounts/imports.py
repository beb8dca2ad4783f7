"""Stakeholders from CSV (one kind of kam/lib/csv_import.py), and an account's people for any import.

Callers pass an account they obtained through the gateway.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services
from accounts.models import Account, Stakeholder
from accounts.selectors import team_users
from kam.lib.csv_import import (
    Column,
    ImportKind,
    Numbered,
    Row,
    RowError,
    all_or_nothing,
    parse_choice,
    row_errors,
)


class AccountPeople:
    """An account's team and stakeholders, loaded once per import, found by username, name or e-mail.

    Lookups raise ValueError with a message for people; stakeholders written by the import are added.
    """

    def __init__(self, account: Account, actor) -> None:
        self.account = account
        self.actor = actor
        self.users = {user.get_username().lower(): user for user in team_users(account)}
        self.stakeholders: list[Stakeholder] = list(account.stakeholders.all())

    def user(self, username: str):
        try:
            return self.users[username.lower()]
        except KeyError:
            raise ValueError(f"“{username}” is not on this account's team.") from None

    def stakeholder(self, key: str) -> Stakeholder:
        lowered = key.lower()
        found = [s for s in self.stakeholders if lowered in (s.name.lower(), s.email.lower())]
        if not found:
            raise ValueError(f"“{key}” is not a stakeholder of this account.")
        if len(found) > 1:
            raise ValueError(f"More than one stakeholder matches “{key}”; use the e-mail.")
        return found[0]


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


def _optional_user(people: AccountPeople):
    return lambda username: people.user(username) if username else None


def stakeholder_row(row: Row, people: AccountPeople) -> dict:
    """The row as `stakeholder_create` fields; `reports_to` stays a name, resolved while writing."""
    return {
        "name": row["name"],
        "title": row["title"],
        "email": row["email"],
        "phone": row["phone"],
        "notes": row["notes"],
        "influence": row.parse("influence", parse_choice(Stakeholder.Influence, default=2), 2),
        "attitude": row.parse("attitude", parse_choice(Stakeholder.Attitude, default="neutral"), "neutral"),
        "relationship_owner": row.parse("relationship_owner", _optional_user(people), None),
        "reports_to": row["reports_to"],
    }


def stakeholders_write(*, items: Sequence[Numbered], context: AccountPeople, commit: bool) -> int:
    """Create every row's stakeholder in one transaction: all of them, or none and every problem."""
    people = context
    with transaction.atomic(), all_or_nothing(commit=commit) as errors:
        for number, fields in items:
            name = fields["name"]
            if any(s.name.lower() == name.lower() for s in people.stakeholders):
                errors.append(RowError(number, "name", f"“{name}” is already a stakeholder of this account."))
                continue
            manager = None
            if fields["reports_to"]:
                try:
                    manager = people.stakeholder(fields["reports_to"])
                except ValueError as problem:
                    errors.append(RowError(number, "reports_to", str(problem)))
            try:
                with transaction.atomic():  # a savepoint: a refused row leaves no trace for the next
                    people.stakeholders.append(
                        services.stakeholder_create(
                            account=people.account, **{**fields, "reports_to": manager}
                        )
                    )
            except ValidationError as error:
                errors.extend(row_errors(number, error, {}))
    return len(items)


STAKEHOLDERS = ImportKind(
    slug="stakeholders",
    columns=STAKEHOLDER_COLUMNS,
    parse_row=stakeholder_row,
    write=stakeholders_write,
)
