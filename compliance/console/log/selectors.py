"""Reads of the access log for the compliance console: search, anomalies, who could / did see.

The log grows to millions of rows, so everything here is one set-based query on its indexes
(compliance/migrations/0002_access_log.py): `at`, `(account_id, at)`, `(user_id, at)` and the partial
index on `at` for entries that were not allowed. Account names shown beside entries are sanitized
data, looked up from accounts.Account in one query per page (`account_names`).
"""

import dataclasses
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Account, AccountTeamMember
from compliance.audit import TEAM_MEMBER
from compliance.models import AccessLogEntry, WallCrossing
from compliance.signin_log import FAILED, LOCKED_OUT, SIGNIN

RECENT_DENIALS = 100
# Rows per table of the sign-in section: the usernames and addresses with the most failures.
SIGNIN_ROWS = 50


def denials_per_day() -> int:
    return settings.ACCESS_LOG_ANOMALY_DENIALS_PER_DAY


def accounts_per_day() -> int:
    return settings.ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY


def log_entries(
    *,
    username: str = "",
    account_ids: Iterable[int] | QuerySet | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    outcome: str = "",
    object_type: str = "",
) -> QuerySet[AccessLogEntry]:
    """Entries matching the filters, newest first. `end` is exclusive; `account_ids` None is any."""
    entries = AccessLogEntry.objects.all()
    if username:
        # Through the users table, so the (user_id, at) index answers rather than a scan of the log.
        users = get_user_model().objects.filter(username__icontains=username).values("pk")
        entries = entries.filter(user_id__in=users)
    if account_ids is not None:
        entries = entries.filter(account_id__in=account_ids)
    if start is not None:
        entries = entries.filter(at__gte=start)
    if end is not None:
        entries = entries.filter(at__lt=end)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries.order_by("-id")


def account_names(account_ids: Iterable[int | None]) -> dict[int, str]:
    """Sanitized names of the accounts the entries name (one query)."""
    ids = {pk for pk in account_ids if pk is not None}
    if not ids:
        return {}
    return dict(Account.objects.filter(pk__in=ids).values_list("pk", "name"))


def with_account_names(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    names = account_names(entry.account_id for entry in entries)
    for entry in entries:
        entry.account_name = names.get(entry.account_id, "")
    return entries


# Anomalies. ----------------------------------------------------------------------------------------


def _day():
    return TruncDate("at", tzinfo=timezone.get_current_timezone())


def recent_denials(*, start: datetime.datetime, end: datetime.datetime, limit: int = RECENT_DENIALS) -> list:
    """The latest denials in [start, end), newest first (the partial index on `at`)."""
    entries = (
        AccessLogEntry.objects.exclude(outcome=AccessLogEntry.Outcome.ALLOWED)
        .filter(outcome=AccessLogEntry.Outcome.DENIED, at__gte=start, at__lt=end)
        .exclude(object_type=SIGNIN)  # sign-in failures have their own section (`signin_failures`)
        .order_by("-at", "-id")[:limit]
    )
    return with_account_names(list(entries))


def many_accounts_in_a_day(*, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """(user, day) pairs where the user read more than ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY accounts."""
    return list(
        AccessLogEntry.objects.filter(
            at__gte=start, at__lt=end, outcome=AccessLogEntry.Outcome.ALLOWED, account_id__isnull=False
        )
        .exclude(object_type=TEAM_MEMBER)
        .annotate(day=_day())
        .values("user_id", "username", "day")
        .annotate(accounts=Count("account_id", distinct=True), entries=Count("id"))
        .filter(accounts__gt=accounts_per_day())
        .order_by("-day", "-accounts", "username")
    )


def many_denials_in_a_day(*, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """(user, day) pairs with at least `denials_per_day()` denials."""
    return list(
        AccessLogEntry.objects.exclude(outcome=AccessLogEntry.Outcome.ALLOWED)
        .filter(outcome=AccessLogEntry.Outcome.DENIED, at__gte=start, at__lt=end)
        .exclude(object_type=SIGNIN)
        .annotate(day=_day())
        .values("user_id", "username", "day")
        .annotate(
            denials=Count("id"),
            accounts=Count("account_id", distinct=True),
            first_at=Min("at"),
            last_at=Max("at"),
        )
        .filter(denials__gte=denials_per_day())
        .order_by("-day", "-denials", "username")
    )


def _signin_entries(start: datetime.datetime, end: datetime.datetime) -> QuerySet[AccessLogEntry]:
    # Denied entries only: the partial index on `at` answers (compliance/signin_log.py writes them).
    return AccessLogEntry.objects.exclude(outcome=AccessLogEntry.Outcome.ALLOWED).filter(
        outcome=AccessLogEntry.Outcome.DENIED, object_type=SIGNIN, at__gte=start, at__lt=end
    )


def _signin_counts() -> dict:
    return {
        "failures": Count("id", filter=Q(action=FAILED)),
        "lockouts": Count("id", filter=Q(action=LOCKED_OUT)),
        "first_at": Min("at"),
        "last_at": Max("at"),
    }


@dataclasses.dataclass(frozen=True)
class SigninFailures:
    by_username: list[dict]
    by_address: list[dict]
    lockouts: list[AccessLogEntry]


def signin_failures(
    *, start: datetime.datetime, end: datetime.datetime, rows: int = SIGNIN_ROWS
) -> SigninFailures:
    """Failed sign-ins in [start, end): per attempted username (from how many addresses), per
    address (over how many usernames), most failures first; and the latest lockouts."""
    entries = _signin_entries(start, end)
    by_username = (
        entries.values("object_id")
        .annotate(**_signin_counts(), addresses=Count("ip", distinct=True))
        .order_by("-failures", "-lockouts", "object_id")[:rows]
    )
    by_address = (
        entries.values("ip")
        .annotate(**_signin_counts(), usernames=Count("object_id", distinct=True))
        .order_by("-failures", "-lockouts", "ip")[:rows]
    )
    lockouts = entries.filter(action=LOCKED_OUT).order_by("-at", "-id")[:rows]
    return SigninFailures(list(by_username), list(by_address), list(lockouts))


# Who could see / who did see one account. ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WhoSaw:
    team: list[AccountTeamMember]
    crossings: list[WallCrossing]
    readers: list[dict]


def who_saw(*, account: Account, start: datetime.datetime, end: datetime.datetime) -> WhoSaw:
    """Who could read `account` in [start, end), and who did.

    Could: team members who had joined by the end (the team keeps no leave date, so a member who
    left is no longer listed) and approved wall crossings overlapping the window. Did: users with
    allowed log entries for the account in the window, with the first and last time and the count.
    """
    team = list(
        AccountTeamMember.objects.filter(account=account, joined_at__lt=end)
        .select_related("user")
        .order_by("role", "user__username")
    )
    crossings = list(
        WallCrossing.objects.filter(
            account=account, status=WallCrossing.Status.APPROVED, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("user", "decided_by")
        .order_by("starts_at", "pk")
    )
    readers = list(
        AccessLogEntry.objects.filter(
            account_id=account.pk, at__gte=start, at__lt=end, outcome=AccessLogEntry.Outcome.ALLOWED
        )
        .exclude(object_type=TEAM_MEMBER)
        .values("user_id", "username")
        .annotate(first_at=Min("at"), last_at=Max("at"), reads=Count("id"))
        .order_by("username", "user_id")
    )
    return WhoSaw(team=team, crossings=crossings, readers=readers)
