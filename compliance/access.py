"""The one gateway for reads of accounts and their confidential data (docs/architecture.md, rule 1).

Who may read an account's confidential content (an *insider*, now):

1. on the account's team (executive sponsors included), or holding an approved wall crossing that
   has begun and not ended;
2. not cooling off: no read, within WALL_COOLING_OFF_DAYS, of an account that competes with it
   (Brewer-Nash), unless a compliance officer recorded an exception for this user and account;
3. and, to open it, an acknowledgement of the account's wall memo within WALL_ATTESTATION_DAYS.
   An insider who has not acknowledged is sent to the memo (`AcknowledgementRequired`).

The functions:

- `visible_accounts(user)`: accounts whose confidential content `user` may read now (all three).
- `get_account_for_user(user, account_id)`: one such account, or Http404. An account the user may
  not read answers exactly like one that does not exist. Every answer is logged (allowed reads,
  denials with their reason) and an allowed read enters the user's read history at once.
  `get_account_for_change(user, account_id, perm)` adds a permission check (403) behind the wall.
- `record_list_read(user, accounts, ...)`: pages built from several accounts' confidential rows log
  one entry per account and mark a read of each; `record_shown` logs sanitized items about
  accounts (alerts in the navigation) without counting them as reads.
- `portfolio_accounts(user)`: sanitized fields of every account, for roles allowed to see the
  portfolio (executives, compliance officers, administrators); only insiders' accounts for the rest.
- `staffing_conflicts(user, account)`: why putting `user` on `account`'s team (or letting them
  cross into it) would breach the wall; empty when it would not. `staffing_refused(user, account)`
  logs a refusal with those reasons, for compliance officers only.

A user's decisions are serialised: before deciding, the gateway takes the user's wall lock
(`pg_advisory_xact_lock`), held until the request's transaction ends, and an allowed read enters
the read history in that same transaction. Two requests opening competing accounts at once thus
decide one after the other, and the second sees the first's read (Brewer-Nash without a race).

Row-level security in PostgreSQL (compliance/migrations/0003) enforces the same rule underneath.
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, AccountTeamMember, CompetitorLink
from compliance import access_log, principal
from compliance.models import AccessLogEntry, ReadHistory, WallAcknowledgement, WallCrossing, WallException
from kam.roles import PORTFOLIO_PERMISSION

SANITIZED_FIELDS = (
    "id",
    "name",
    "segment",
    "tier",
    "owner",
    "relationship_word",
    "orientation",
    "created_at",
    "updated_at",
)

NOT_FOUND = "No account found."


class AcknowledgementRequired(Exception):
    """An insider must acknowledge the account's wall memo before reading it."""

    def __init__(self, account: Account):
        super().__init__(f"acknowledge the wall memo of account {account.pk} first")
        self.account = account


def now() -> datetime.datetime:
    """The gateway's clock (one place, so tests can move time)."""
    return timezone.now()


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


# The two-key advisory lock space of the wall: (WALL_LOCK, user id). Another statement than the
# decision's, so the decision's snapshot is taken after the lock is granted.
WALL_LOCK = 0x4B414D57


def hold_wall_lock(user) -> None:
    """Hold `user`'s wall lock until the current transaction ends (no-op outside one)."""
    if connection.in_atomic_block and access_log.lock_needed(user.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WALL_LOCK, user.pk])


def _cooling_off() -> datetime.timedelta:
    return datetime.timedelta(days=settings.WALL_COOLING_OFF_DAYS)


def _attestation() -> datetime.timedelta:
    return datetime.timedelta(days=settings.WALL_ATTESTATION_DAYS)


# Conditions on Account rows, for one user at one moment. ------------------------------------------
# Each is `pk IN (one uncorrelated subquery on the user's rows)`, so PostgreSQL builds each id set
# once per statement (a hashed subplan) however many accounts it filters.


def _active_crossings(user, at):
    """The user's approved crossings that have begun and not ended at `at`."""
    return WallCrossing.objects.filter(
        user_id=user.pk, status=WallCrossing.Status.APPROVED, starts_at__lte=at, ends_at__gt=at
    )


def _active_exceptions(user, at):
    """The user's exceptions neither revoked nor expired at `at`."""
    return WallException.objects.filter(user_id=user.pk, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )


def competitors_of(account_ref) -> Q:
    """Accounts that compete with `account_ref` (an id, or a subquery of ids), either side of the edge."""
    lookup = "__in" if isinstance(account_ref, QuerySet) else ""
    return Q(
        pk__in=CompetitorLink.objects.filter(**{f"account_a{lookup}": account_ref}).values("account_b")
    ) | Q(pk__in=CompetitorLink.objects.filter(**{f"account_b{lookup}": account_ref}).values("account_a"))


def _insider(user, at) -> Q:
    """On the team or crossing, and not cooling off from a competitor (rules 1 and 2)."""
    recent_reads = ReadHistory.objects.filter(user_id=user.pk, last_read_at__gt=at - _cooling_off())
    return (
        Q(pk__in=AccountTeamMember.objects.filter(user_id=user.pk).values("account"))
        | Q(pk__in=_active_crossings(user, at).values("account"))
    ) & (
        ~competitors_of(recent_reads.values("account"))
        | Q(pk__in=_active_exceptions(user, at).values("account"))
    )


def _acknowledged(user, at) -> Q:
    acknowledgements = WallAcknowledgement.objects.filter(
        user_id=user.pk, acknowledged_at__gt=at - _attestation()
    )
    return Q(pk__in=acknowledgements.values("account"))


# The gateway. --------------------------------------------------------------------------------------


def visible_accounts(user) -> QuerySet[Account]:
    """Accounts whose confidential content `user` may read now."""
    if not _active(user):
        return Account.objects.none()
    hold_wall_lock(user)
    at = now()
    return Account.objects.filter(_insider(user, at) & _acknowledged(user, at))


@dataclasses.dataclass(frozen=True)
class Decision:
    account: Account | None
    allowed: bool
    reason: str
    must_acknowledge: bool = False


# The same rules as `_insider` and `_acknowledged`, for one account, as one plain statement (it runs
# on every page of an account, where building the ORM expression cost more than running it).
DECISION_SQL = """
SELECT
    EXISTS (SELECT 1 FROM accounts_accountteammember m
             WHERE m.account_id = a.id AND m.user_id = %(user)s) AS is_member,
    EXISTS (SELECT 1 FROM compliance_wallcrossing c
             WHERE c.account_id = a.id AND c.user_id = %(user)s AND c.status = 'approved'
               AND c.starts_at <= %(at)s AND c.ends_at > %(at)s) AS is_crossing,
    EXISTS (SELECT 1 FROM compliance_wallexception e
             WHERE e.account_id = a.id AND e.user_id = %(user)s AND e.revoked_at IS NULL
               AND (e.expires_at IS NULL OR e.expires_at > %(at)s)) AS is_excepted,
    cooling.account_id AS cooling_from,
    cooling.last_read_at AS cooling_since,
    EXISTS (SELECT 1 FROM compliance_wallacknowledgement k
             WHERE k.account_id = a.id AND k.user_id = %(user)s
               AND k.acknowledged_at > %(attested_after)s) AS has_acknowledged
FROM accounts_account a
LEFT JOIN LATERAL (
    SELECT r.account_id, r.last_read_at FROM compliance_readhistory r
     WHERE r.user_id = %(user)s AND r.last_read_at > %(cooling_after)s
       AND r.account_id IN (SELECT l.account_b_id FROM accounts_competitorlink l WHERE l.account_a_id = a.id
                            UNION ALL
                            SELECT l.account_a_id FROM accounts_competitorlink l WHERE l.account_b_id = a.id)
     ORDER BY r.last_read_at DESC LIMIT 1
) cooling ON true
WHERE a.id = %(account)s
"""


def decide(user, account_id: int, at: datetime.datetime | None = None) -> Decision:
    """Whether `user` may read account `account_id` at `at`, and why."""
    at = at or now()
    params = {
        "user": user.pk,
        "account": account_id,
        "at": at,
        "cooling_after": at - _cooling_off(),
        "attested_after": at - _attestation(),
    }
    with connection.cursor() as cursor:
        cursor.execute(DECISION_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return Decision(None, False, "no such account")
    is_member, is_crossing, is_excepted, cooling_from, cooling_since, has_acknowledged = row
    account = Account.objects.select_related("segment", "owner").get(pk=account_id)
    if not (is_member or is_crossing):
        return Decision(account, False, "not on the account team and no active wall crossing")
    if cooling_from is not None and not is_excepted:
        competitor = Account.objects.only("name").get(pk=cooling_from).name
        until = cooling_since + _cooling_off()
        return Decision(
            account,
            False,
            f"cooling off: read competitor {competitor} on {cooling_since:%Y-%m-%d}; "
            f"allowed from {until:%Y-%m-%d}",
        )
    if not has_acknowledged:
        return Decision(account, True, "wall memo not acknowledged", must_acknowledge=True)
    return Decision(account, True, "member" if is_member else "wall crossing")


def parse_account_id(account_id) -> int | None:
    try:
        value = int(account_id)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value < 2**63 else None


def get_account_for_user(
    user, account_id, *, object_type: str = "account", object_id=None, action: str | None = None
) -> Account:
    """The account if `user` may read its confidential content; Http404 otherwise. Logged."""
    pk = parse_account_id(account_id)
    if not _active(user) or pk is None:
        reason = "not logged in" if pk is not None else "no such account"
        access_log.record(
            user=user,
            account_id=pk,
            object_type=object_type,
            object_id=object_id,
            action=action,
            outcome=AccessLogEntry.Outcome.DENIED,
            reason=reason,
        )
        raise Http404(NOT_FOUND)
    hold_wall_lock(user)
    at = now()
    decision = decide(user, pk, at)
    if not decision.allowed or decision.must_acknowledge:
        access_log.record(
            user=user,
            account_id=pk,
            object_type=object_type,
            object_id=object_id,
            action=action,
            outcome=AccessLogEntry.Outcome.DENIED,
            reason=decision.reason,
        )
        if decision.must_acknowledge:
            raise AcknowledgementRequired(decision.account)
        raise Http404(NOT_FOUND)
    access_log.record(
        user=user,
        account_id=pk,
        object_type=object_type,
        object_id=object_id,
        action=action,
        reason=decision.reason,
        read_at=at,
    )
    return decision.account


def get_account_for_change(user, account_id, perm: str, **log) -> Account:
    """The account if `user` is an insider (else Http404) holding `perm` (else PermissionDenied).

    The wall answers first, so an outsider learns nothing from the permission check. Changes are
    for the account team: a wall crossing gives read access only (403).
    """
    account = get_account_for_user(user, account_id, **log)
    changes = not perm.partition(".")[2].startswith("view_")
    crossing_only = (
        changes and not AccountTeamMember.objects.filter(account=account, user_id=user.pk).exists()
    )
    if crossing_only or not user.has_perm(perm):
        access_log.record(
            user=user,
            account_id=account.pk,
            object_type=log.get("object_type", "account"),
            object_id=log.get("object_id"),
            action=log.get("action"),
            outcome=AccessLogEntry.Outcome.DENIED,
            reason="a wall crossing gives read access only"
            if crossing_only
            else f"missing permission {perm}",
        )
        raise PermissionDenied
    return account


def record_list_read(user, account_ids, *, object_type: str, action: str = "list") -> None:
    """A page built from several accounts' confidential rows: an entry and a read per account."""
    ids = sorted(set(account_ids))
    if not ids or not _active(user):
        return
    hold_wall_lock(user)
    for pk in ids:
        access_log.record(
            user=user,
            account_id=pk,
            object_type=object_type,
            object_id="",
            action=action,
            reason=f"one of {len(ids)} account(s) on the page",
        )
    access_log.record_reads(user=user, account_ids=ids, read_at=now())


def record_shown(user, items, *, object_type: str) -> None:
    """Sanitized items about accounts shown to `user`, as (account id, object id): logged, not reads."""
    if not _active(user):
        return
    for account_id, object_id in items:
        access_log.record(
            user=user, account_id=account_id, object_type=object_type, object_id=object_id, action="view"
        )


def can_see_portfolio(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PORTFOLIO_PERMISSION))


def portfolio_accounts(user) -> QuerySet[Account]:
    """Sanitized fields of the accounts `user` may list, each annotated `is_insider`."""
    if not _active(user):
        return Account.objects.none()
    insider = ExpressionWrapper(_insider(user, now()), output_field=BooleanField())
    accounts = Account.objects.only(*SANITIZED_FIELDS).annotate(is_insider=insider)
    if can_see_portfolio(user):
        return accounts
    return accounts.filter(is_insider=True)


@dataclasses.dataclass(frozen=True)
class Conflict:
    """One reason the wall keeps a user off an account: they serve, or recently read, a competitor."""

    competitor_id: int
    competitor_name: str
    read_at: datetime.datetime | None = None  # None: serves it (on its team or crossing into it)

    def named(self, user) -> str:
        if self.read_at is None:
            return f"{user} serves competitor {self.competitor_name}"
        return (
            f"{user} read competitor {self.competitor_name} on {self.read_at:%Y-%m-%d} "
            f"(cooling off until {self.read_at + _cooling_off():%Y-%m-%d})"
        )

    def by_id(self, user) -> str:
        """The same without names, for the access log."""
        if self.read_at is None:
            return f"user {user.pk} serves competitor account {self.competitor_id}"
        return (
            f"user {user.pk} read competitor account {self.competitor_id} on {self.read_at:%Y-%m-%d} "
            f"(cooling off until {self.read_at + _cooling_off():%Y-%m-%d})"
        )


def staffing_conflicts(user, account: Account, *, at: datetime.datetime | None = None) -> list[Conflict]:
    """Why `user` may not join `account`'s team or cross into it; [] when the wall allows it.

    Refused: serving a competitor of the account (on its team or crossing into it), or having read
    a competitor's confidential data within the cooling-off period — unless a compliance officer
    recorded an exception for this user and account. Only compliance officers see these reasons.
    """
    at = at or now()
    if _active_exceptions(user, at).filter(account=account).exists():
        return []
    competitors = Account.objects.filter(competitors_of(account.pk))
    served = (
        competitors.filter(Q(team__user_id=user.pk) | Q(pk__in=_active_crossings(user, at).values("account")))
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )
    reads = (
        ReadHistory.objects.filter(
            user_id=user.pk, last_read_at__gt=at - _cooling_off(), account__in=competitors
        )
        .order_by("account__name")
        .values_list("account_id", "account__name", "last_read_at")
    )
    return [Conflict(pk, name) for pk, name in served] + [Conflict(*read) for read in reads]


def staffing_refused(user, account: Account) -> bool:
    """Whether the wall keeps `user` off `account`'s team. A refusal is logged with its full reason
    (ids only) for compliance officers; whoever asked is told no more than that the wall refuses.
    """
    conflicts = staffing_conflicts(user, account)
    if conflicts:
        access_log.record(
            user=principal.acting_user(),
            account_id=account.pk,
            object_type="team_member",
            object_id=user.pk,
            action="add",
            outcome=AccessLogEntry.Outcome.DENIED,
            reason="staffing refused: " + "; ".join(conflict.by_id(user) for conflict in conflicts),
        )
    return bool(conflicts)


def serving_both(first: Account, second: Account) -> list[str]:
    """Usernames on both accounts' teams: once they compete, the first read walls off the other."""
    return list(
        AccountTeamMember.objects.filter(account=first, user__account_teams__account=second)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
