"""Reads of wall crossings for their requesters and for compliance officers: sanitized data only."""

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
)

from accounts.models import Account, AccountTeamMember
from compliance import access
from compliance.models import WallCrossing

ACCOUNT_NAME_ONLY = ("account__id", "account__name")
USER_NAME_ONLY = ("user__id", "user__username", "user__first_name", "user__last_name")


# Crossing requests. --------------------------------------------------------------------------------


def requestable_accounts(user) -> QuerySet[Account]:
    """Every account by name (sanitized), except those `user` is on the team of already."""
    return (
        Account.objects.only("id", "name", "segment")
        .exclude(Exists(AccountTeamMember.objects.filter(account=OuterRef("pk"), user_id=user.pk)))
        .order_by("name")
    )


def _crossing_state(at):
    """0 waiting, 1 active, 2 approved but not begun, 3 over (expired, rejected or withdrawn)."""
    approved = WallCrossing.Status.APPROVED
    return Case(
        When(status=WallCrossing.Status.REQUESTED, then=Value(0)),
        When(status=approved, starts_at__lte=at, ends_at__gt=at, then=Value(1)),
        When(status=approved, starts_at__gt=at, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def _crossings(at) -> QuerySet[WallCrossing]:
    return (
        WallCrossing.objects.select_related("user", "account", "decided_by")
        .only(
            "id",
            "reason",
            "days",
            "status",
            "requested_at",
            "decided_at",
            "decision_note",
            "starts_at",
            "ends_at",
            *ACCOUNT_NAME_ONLY,
            *USER_NAME_ONLY,
            "decided_by__id",
            "decided_by__username",
            "decided_by__first_name",
            "decided_by__last_name",
        )
        .annotate(state=_crossing_state(at))
    )


def crossings_of(user) -> QuerySet[WallCrossing]:
    """`user`'s own crossing requests, newest first."""
    return _crossings(access.now()).filter(user_id=user.pk).order_by("-requested_at", "-id")


def crossings_for_compliance() -> QuerySet[WallCrossing]:
    """Pending requests first (oldest first), then active crossings, then recent decisions."""
    return _crossings(access.now()).order_by(
        "state",
        Case(When(status=WallCrossing.Status.REQUESTED, then=F("requested_at"))).asc(nulls_last=True),
        F("decided_at").desc(nulls_last=True),
        "-requested_at",
        "-id",
    )
