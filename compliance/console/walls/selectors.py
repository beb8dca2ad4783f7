"""Reads of the walls half of the compliance console: sanitized data only.

Names of accounts and users, dates and counts; never an account's confidential content. Every list
is one set-based query (its page's size does not change its query count), except the conflicts of
pending crossing requests, computed by the gateway for the requests shown on one page.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Account, AccountTeamMember, CompetitorLink
from compliance import access
from compliance.models import WallAcknowledgement, WallChange, WallCrossing, WallException, WallMemo

ACCOUNT_NAME_ONLY = ("account__id", "account__name")
USER_NAME_ONLY = ("user__id", "user__username", "user__first_name", "user__last_name")


def _attestation() -> datetime.timedelta:
    return datetime.timedelta(days=settings.WALL_ATTESTATION_DAYS)


# Exceptions. ---------------------------------------------------------------------------------------

EXCEPTION_STATES = ("active", "expired", "revoked")


def exceptions(*, state: str = "") -> QuerySet[WallException]:
    """Wall exceptions with their state (active / expired / revoked), active first."""
    at = access.now()
    rows = (
        WallException.objects.select_related("user", "account", "granted_by")
        .only(
            "id",
            "reason",
            "granted_at",
            "expires_at",
            "revoked_at",
            *ACCOUNT_NAME_ONLY,
            *USER_NAME_ONLY,
            "granted_by__id",
            "granted_by__username",
            "granted_by__first_name",
            "granted_by__last_name",
        )
        .annotate(
            state=Case(
                When(revoked_at__isnull=False, then=Value("revoked")),
                When(expires_at__lte=at, then=Value("expired")),
                default=Value("active"),
            ),
            state_order=Case(
                When(revoked_at__isnull=False, then=Value(2)),
                When(expires_at__lte=at, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("state_order", "-granted_at", "-id")
    )
    if state in EXCEPTION_STATES:
        rows = rows.filter(state=state)
    return rows


def walled_accounts() -> QuerySet[Account]:
    """Accounts with at least one competitor: the ones a wall stands around."""
    return Account.objects.only("id", "name").filter(
        Exists(CompetitorLink.objects.filter(account_a=OuterRef("pk")))
        | Exists(CompetitorLink.objects.filter(account_b=OuterRef("pk")))
    )


def exception_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


# Acknowledgements. ---------------------------------------------------------------------------------


def _latest_acknowledgement(user_ref: str, account_ref: str):
    return Subquery(
        WallAcknowledgement.objects.filter(user_id=OuterRef(user_ref), account_id=OuterRef(account_ref))
        .order_by("-acknowledged_at")
        .values("acknowledged_at")[:1],
        output_field=DateTimeField(),
    )


def _insider_rows(queryset, cutoff):
    """(user, account, latest acknowledgement) of team members or crossers not acknowledged since cutoff."""
    return (
        queryset.filter(user__is_active=True)
        .annotate(
            uid=F("user_id"),
            uname=F("user__username"),
            ufirst=F("user__first_name"),
            ulast=F("user__last_name"),
            aid=F("account_id"),
            aname=F("account__name"),
            latest=_latest_acknowledgement("user_id", "account_id"),
        )
        .filter(Q(latest__isnull=True) | Q(latest__lte=cutoff))
        .values("uid", "uname", "ufirst", "ulast", "aid", "aname", "latest")
        .order_by()
    )


def unacknowledged_insiders():
    """Every insider (team member, or holder of an active approved crossing) whose latest
    acknowledgement of that account is missing or older than WALL_ATTESTATION_DAYS.

    Rows are dicts: uid, uname, ufirst, ulast, aid, aname, latest (None: never acknowledged).
    """
    at = access.now()
    cutoff = at - _attestation()
    team = _insider_rows(AccountTeamMember.objects.all(), cutoff)
    crossing = _insider_rows(
        WallCrossing.objects.filter(status=WallCrossing.Status.APPROVED, starts_at__lte=at, ends_at__gt=at),
        cutoff,
    )
    # UNION (not ALL): a team member who also crosses is one insider.
    return team.union(crossing).order_by(F("latest").asc(nulls_first=True), "aname", "uname")


def attestation_status(latest: datetime.datetime | None) -> str:
    if latest is None:
        return "never"
    return f"expired on {(latest + _attestation()):%Y-%m-%d}"


def recent_acknowledgements() -> QuerySet[WallAcknowledgement]:
    return (
        WallAcknowledgement.objects.select_related("user", "account")
        .only("id", "acknowledged_at", *ACCOUNT_NAME_ONLY, *USER_NAME_ONLY)
        .order_by("-acknowledged_at", "-id")
    )


# The walls overview. -------------------------------------------------------------------------------


def _count(queryset):
    return Coalesce(
        Subquery(
            queryset.order_by().values("account_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _not_acknowledged(at):
    return ~Exists(
        WallAcknowledgement.objects.filter(
            user_id=OuterRef("user_id"),
            account_id=OuterRef("account_id"),
            acknowledged_at__gt=at - _attestation(),
        )
    )


def walls_overview() -> QuerySet[Account]:
    """Accounts with competitors: team size, pending acknowledgements, whether the memo is custom."""
    at = access.now()
    team = AccountTeamMember.objects.filter(account_id=OuterRef("pk"))
    crossers = WallCrossing.objects.filter(
        account_id=OuterRef("pk"), status=WallCrossing.Status.APPROVED, starts_at__lte=at, ends_at__gt=at
    ).exclude(
        Exists(
            AccountTeamMember.objects.filter(account_id=OuterRef("account_id"), user_id=OuterRef("user_id"))
        )
    )
    pending_team = team.filter(user__is_active=True).filter(_not_acknowledged(at))
    # One row per crossing user (several crossings of one user count once).
    pending_crossers = crossers.filter(user__is_active=True).filter(_not_acknowledged(at))
    memo = WallMemo.objects.filter(account_id=OuterRef("pk"))
    return (
        walled_accounts()
        .annotate(
            team_size=_count(team),
            active_crossings=_count(crossers),
            pending_team=_count(pending_team),
            pending_crossers=Coalesce(
                Subquery(
                    pending_crossers.order_by()
                    .values("account_id")
                    .annotate(n=Count("user_id", distinct=True))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            custom_memo=Exists(memo.exclude(text="")),
            memo_updated_at=Subquery(memo.values("updated_at")[:1]),
        )
        .annotate(pending_acknowledgements=F("pending_team") + F("pending_crossers"))
        .order_by("name", "pk")
    )


def competitor_names(account_ids) -> dict[int, list[str]]:
    """Competitor names of each of `account_ids` (one query)."""
    ids = list(account_ids)
    names: dict[int, set[str]] = {pk: set() for pk in ids}
    links = CompetitorLink.objects.filter(Q(account_a_id__in=ids) | Q(account_b_id__in=ids)).values_list(
        "account_a_id", "account_a__name", "account_b_id", "account_b__name"
    )
    for a_id, a_name, b_id, b_name in links:
        if a_id in names:
            names[a_id].add(b_name)
        if b_id in names:
            names[b_id].add(a_name)
    return {pk: sorted(value) for pk, value in names.items()}


# The wall's history. -------------------------------------------------------------------------------

# The records a trigger keeps (compliance/migrations/0005_database_roles.py), as the console names them.
HISTORY_TABLES = {
    "compliance_wallcrossing": "Crossing",
    "compliance_wallexception": "Exception",
    "compliance_wallacknowledgement": "Acknowledgement",
    "accounts_accountteammember": "Team membership",
    "accounts_competitorlink": "Competitor link",
    "compliance_wallmemo": "Wall memo",
}
# Long texts the history does not repeat (a memo, a reason): the record's own page shows them.
_LONG_FIELDS = frozenset({"memo_text", "text", "reason", "decision_note", "note"})


def wall_changes(*, table: str = "") -> QuerySet[WallChange]:
    """Every kept change of the wall's records, newest first, with the actor's username."""
    changes = WallChange.objects.annotate(
        actor_username=Subquery(
            get_user_model().objects.filter(pk=OuterRef("actor_id")).values("username")[:1]
        )
    )
    return changes.filter(table_name=table) if table else changes


def changed_fields(change: WallChange) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field the change set or altered; long texts named only."""
    before, after = change.before or {}, change.after or {}
    fields = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if name == "id" or (change.operation == "update" and old == new):
            continue
        if name in _LONG_FIELDS:
            old, new = ("…" if old else old), ("…" if new else new)
        fields.append((name, old, new))
    return fields
