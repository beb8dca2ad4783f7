"""Writes of the Chinese wall: memos, acknowledgements, crossings and exceptions.

The web role may only insert its own acknowledgements, crossing requests and exceptions; a decision,
a withdrawal or a revocation goes through a database function that takes the actor from the verified
principal, and a trigger keeps every change (compliance/migrations/0005_database_roles.py).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.models import Account, AccountTeamMember
from compliance import access, access_log
from compliance.models import WallAcknowledgement, WallCrossing, WallException, WallMemo

DEFAULT_MEMO = (
    "{account} is a confidential key account. Its strategy, plans, stakeholders, interactions and "
    "revenue stay with its account team. Do not share them with anyone serving {competitors}, and do "
    "not bring their information here. Every read is logged."
)


def memo_text(account: Account) -> str:
    """The account's wall memo: the compliance officer's text, or the default naming its competitors."""
    memo = WallMemo.objects.filter(account=account).first()
    if memo is not None and memo.text.strip():
        return memo.text
    names = list(
        Account.objects.filter(access.competitors_of(account.pk))
        .order_by("name")
        .values_list("name", flat=True)
    )
    competitors = ", ".join(names) if names else "a competing customer"
    return DEFAULT_MEMO.format(account=account.name, competitors=competitors)


@transaction.atomic
def wall_memo_update(*, account: Account, text: str, actor) -> WallMemo:
    text = text.strip()
    if len(text) > 4000:
        raise ValidationError({"text": "Keep the memo under 4,000 characters."})
    memo, _ = WallMemo.objects.update_or_create(account=account, defaults={"text": text, "updated_by": actor})
    return memo


@transaction.atomic
def acknowledgement_create(*, user, account: Account) -> WallAcknowledgement:
    """`user` acknowledges `account`'s wall memo (as it reads now), for WALL_ATTESTATION_DAYS."""
    acknowledgement = WallAcknowledgement.objects.create(
        user=user, account=account, acknowledged_at=access.now(), memo_text=memo_text(account)
    )
    access_log.record(
        user=user,
        account_id=account.pk,
        object_type="wall_memo",
        object_id=acknowledgement.pk,
        action="acknowledge",
    )
    return acknowledgement


def _may_cross(user) -> bool:
    """Only active account managers and executives cross into an account (the view checks it too)."""
    return user.is_active and user.has_perm("compliance.add_wallcrossing")


def _max_days() -> int:
    return settings.WALL_CROSSING_MAX_DAYS


@transaction.atomic
def crossing_request(*, user, account: Account, reason: str, days: int) -> WallCrossing:
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why you need access: the compliance officer decides on it."
    elif len(reason) > 2000:
        errors["reason"] = "Keep the reason under 2,000 characters."
    if not 1 <= days <= _max_days():
        errors["days"] = f"Ask for between 1 and {_max_days()} days."
    if not _may_cross(user):
        errors["account"] = "Only account managers and executives can ask for a wall crossing."
    elif AccountTeamMember.objects.filter(account=account, user=user).exists():
        errors["account"] = "You are on this account's team already."
    elif WallCrossing.objects.filter(
        user=user, account=account, status=WallCrossing.Status.REQUESTED
    ).exists():
        errors["account"] = "You have already asked for access to this account; wait for the decision."
    elif WallCrossing.objects.filter(
        user=user, account=account, status=WallCrossing.Status.APPROVED, ends_at__gt=access.now()
    ).exists():
        errors["account"] = "You already have access to this account through an approved crossing."
    if errors:
        raise ValidationError(errors)
    return WallCrossing.objects.create(
        user=user, account=account, reason=reason, days=days, requested_at=access.now()
    )


@transaction.atomic
def crossing_decide(*, crossing: WallCrossing, actor, approve: bool, note: str = "") -> WallCrossing:
    """Approve (access starts now, ends after the requested days) or reject a crossing request.

    An approval counts as a read of the account for the Brewer-Nash rule, and is refused when the
    requester is walled off from it, unless an exception is recorded.
    """
    crossing = WallCrossing.objects.select_related("user", "account").get(pk=crossing.pk)
    if crossing.status != WallCrossing.Status.REQUESTED:
        raise ValidationError(f"This request was already {crossing.get_status_display().lower()}.")
    if crossing.user_id == actor.pk:
        raise ValidationError("You cannot decide on your own request.")
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2,000 characters."})
    at = access.now()
    if approve and not _may_cross(crossing.user):
        raise ValidationError(
            f"{crossing.user.get_username()} is no longer an active account manager or executive: "
            "reject the request."
        )
    if approve:
        conflicts = access.staffing_conflicts(crossing.user, crossing.account, at=at)
        if conflicts:
            raise ValidationError(
                "The wall refuses this crossing: "
                + "; ".join(conflict.named(crossing.user) for conflict in conflicts)
                + ". Record an exception first "
                "if it must go ahead."
            )
    elif not note:
        raise ValidationError({"note": "Say why the request is rejected."})
    # The function locks the request and decides only if it is still waiting (two officers at once).
    if not _changed("compliance_crossing_decide", crossing.pk, actor.pk, approve, note, at):
        crossing.refresh_from_db(fields=["status"])
        raise ValidationError(f"This request was already {crossing.get_status_display().lower()}.")
    crossing.refresh_from_db()
    until = f"; access until {crossing.ends_at:%Y-%m-%d}" if approve else ""
    # The entry is the officer's (the log's user is the transaction's principal); the approval
    # counts as the requester's read of the account.
    access_log.record(
        user=actor,
        account_id=crossing.account_id,
        object_type="wall_crossing",
        object_id=crossing.pk,
        action="approve" if approve else "reject",
        reason=f"for {crossing.user.get_username()}{until}: {note}"[:1000],
    )
    if approve:
        access_log.record_reads(user=crossing.user, account_ids=[crossing.account_id], read_at=at)
    return crossing


@transaction.atomic
def crossing_withdraw(*, crossing: WallCrossing, actor) -> WallCrossing:
    if crossing.user_id != actor.pk:
        raise ValidationError("Only the requester can withdraw a request.")
    if crossing.status != WallCrossing.Status.REQUESTED or not _changed(
        "compliance_crossing_withdraw", crossing.pk, actor.pk, access.now()
    ):
        raise ValidationError("Only a request still waiting for a decision can be withdrawn.")
    crossing.refresh_from_db()
    return crossing


@transaction.atomic
def exception_grant(
    *, user, account: Account, reason: str, actor, expires_at: datetime.datetime | None = None
) -> WallException:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Record why the exception is justified."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "Keep the reason under 2,000 characters."})
    at = access.now()
    if expires_at is not None and expires_at <= at:
        raise ValidationError({"expires_at": "An exception must end in the future."})
    if not Account.objects.filter(access.competitors_of(account.pk)).exists():
        raise ValidationError({"account": f"{account} has no competitor: there is no wall to except from."})
    exception = WallException.objects.create(
        user=user, account=account, reason=reason, granted_by=actor, granted_at=at, expires_at=expires_at
    )
    access_log.record(
        user=actor,
        account_id=account.pk,
        object_type="wall_exception",
        object_id=exception.pk,
        action="grant",
        reason=f"for {user.get_username()}: {reason}"[:1000],
    )
    return exception


@transaction.atomic
def exception_revoke(*, exception: WallException, actor) -> WallException:
    if exception.revoked_at is not None or not _changed(
        "compliance_exception_revoke", exception.pk, actor.pk, access.now()
    ):
        raise ValidationError("This exception was already revoked.")
    exception.refresh_from_db()
    access_log.record(
        user=actor,
        account_id=exception.account_id,
        object_type="wall_exception",
        object_id=exception.pk,
        action="revoke",
    )
    return exception


def _changed(function: str, *args) -> bool:
    """Call one of the wall's change functions; True when it changed the record."""
    placeholders = ", ".join(["%s"] * len(args))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({placeholders})", args)
        (changed,) = cursor.fetchone()
    return bool(changed)
