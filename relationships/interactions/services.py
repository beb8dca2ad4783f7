"""Writes to interactions and their follow-up actions.

Callers pass an account they obtained through the gateway. Every rule is checked here, not only in
forms, because the CSV import and any later API call these services directly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Account, Stakeholder
from accounts.selectors import team_users
from kam.lib.text import TEXT_LIMIT
from relationships.models import FollowUpAction, Interaction

INTERACTION_FIELDS = (
    "occurred_on",
    "channel",
    "category",
    "summary",
    "sentiment",
    "effort_hours",
    "work_type",
    "should_have_been_charged",
    "our_participants",
    "their_participants",
)
_MANY = ("our_participants", "their_participants")


@dataclass(frozen=True)
class FollowUp:
    """A follow-up to create together with its interaction."""

    description: str
    owner: object
    due_on: date


def _check_our_participants(account: Account, users: Iterable) -> None:
    ids = {user.pk for user in users}
    on_team = set(team_users(account).filter(pk__in=ids).values_list("pk", flat=True))
    strangers = sorted(user.get_username() for user in users if user.pk not in on_team)
    if strangers:
        raise ValidationError({"our_participants": f"Not on this account's team: {', '.join(strangers)}."})


def _check_their_participants(account: Account, stakeholders: Iterable[Stakeholder]) -> None:
    # Compare account ids only: naming another account's stakeholder would leak it across the wall.
    if any(person.account_id != account.pk for person in stakeholders):
        raise ValidationError({"their_participants": "Only stakeholders of this account can take part."})


def _check_fields(interaction: Interaction) -> None:
    errors = {}
    if interaction.occurred_on and interaction.occurred_on > timezone.localdate():
        errors["occurred_on"] = "An interaction cannot be in the future."
    if interaction.effort_hours is not None and Decimal(interaction.effort_hours) < 0:
        errors["effort_hours"] = "Effort cannot be negative."
    if len(interaction.summary or "") > TEXT_LIMIT:
        errors["summary"] = f"At most {TEXT_LIMIT} characters."
    if not (interaction.summary or "").strip():
        errors["summary"] = "Say briefly what happened."
    if interaction.should_have_been_charged and interaction.work_type != Interaction.WorkType.SUPPORT:
        errors["should_have_been_charged"] = "Only free support work can be flagged as should-be-chargeable."
    if errors:
        raise ValidationError(errors)
    interaction.full_clean(exclude=["author", "account", *_MANY], validate_unique=False)


def _check_follow_up(account: Account, follow_up: FollowUp) -> None:
    errors = {}
    if not follow_up.description.strip():
        errors["description"] = "Describe the follow-up action."
    elif len(follow_up.description) > FollowUpAction._meta.get_field("description").max_length:
        errors["description"] = "At most 300 characters."
    if follow_up.owner is None or not team_users(account).filter(pk=follow_up.owner.pk).exists():
        errors["owner"] = "The owner must be on this account's team."
    if follow_up.due_on is None:
        errors["due_on"] = "Give a due date."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def stakeholders_last_contact_refresh(*, stakeholder_ids: Iterable[int] | None = None) -> int:
    """Recompute `Stakeholder.last_contact_on` from the interactions they took part in (set-based)."""
    latest = (
        Interaction.objects.filter(their_participants=OuterRef("pk"))
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    stakeholders = Stakeholder.objects.all()
    if stakeholder_ids is not None:
        stakeholders = stakeholders.filter(pk__in=list(stakeholder_ids))
    return stakeholders.update(last_contact_on=Subquery(latest))


@transaction.atomic
def interaction_create(
    *,
    account: Account,
    author,
    occurred_on: date,
    channel: str,
    category: str,
    summary: str,
    sentiment: int = Interaction.Sentiment.NEUTRAL,
    effort_hours: Decimal | int = 0,
    work_type: str = Interaction.WorkType.SUPPORT,
    should_have_been_charged: bool = False,
    our_participants: Iterable = (),
    their_participants: Iterable[Stakeholder] = (),
    follow_ups: Iterable[FollowUp] = (),
) -> Interaction:
    """Log an interaction with the customer, its participants and the follow-ups it promised."""
    our_participants, their_participants = list(our_participants), list(their_participants)
    _check_our_participants(account, [author])
    _check_our_participants(account, our_participants)
    _check_their_participants(account, their_participants)
    interaction = Interaction(
        account=account,
        author=author,
        occurred_on=occurred_on,
        channel=channel,
        category=category,
        summary=summary,
        sentiment=sentiment,
        effort_hours=effort_hours if effort_hours is not None else 0,
        work_type=work_type,
        should_have_been_charged=should_have_been_charged,
    )
    _check_fields(interaction)
    interaction.save()
    interaction.our_participants.set(our_participants)
    interaction.their_participants.set(their_participants)
    stakeholders_last_contact_refresh(stakeholder_ids=[person.pk for person in their_participants])
    for follow_up in follow_ups:
        follow_up_create(interaction=interaction, **follow_up.__dict__)
    return interaction


def _check_author(interaction: Interaction, actor) -> None:
    # Only the author rewrites the record of what happened; the team adds follow-ups instead.
    if interaction.author_id != actor.pk:
        raise PermissionDenied("Only the author can change or delete an interaction.")


@transaction.atomic
def interaction_update(*, interaction: Interaction, actor, **changes) -> Interaction:
    unknown = set(changes) - set(INTERACTION_FIELDS)
    if unknown:
        raise TypeError(f"not interaction fields: {sorted(unknown)}")
    _check_author(interaction, actor)
    account = interaction.account
    touched = set(interaction.their_participants.values_list("pk", flat=True))
    if "our_participants" in changes:
        changes["our_participants"] = list(changes["our_participants"])
        _check_our_participants(account, changes["our_participants"])
    if "their_participants" in changes:
        changes["their_participants"] = list(changes["their_participants"])
        _check_their_participants(account, changes["their_participants"])
    plain = {field: value for field, value in changes.items() if field not in _MANY}
    for field, value in plain.items():
        setattr(interaction, field, value)
    _check_fields(interaction)
    interaction.save(update_fields=[*plain, "updated_at"])
    for field in _MANY:
        if field in changes:
            getattr(interaction, field).set(changes[field])
    touched |= {person.pk for person in changes.get("their_participants", ())}
    stakeholders_last_contact_refresh(stakeholder_ids=touched)
    return interaction


@transaction.atomic
def interaction_delete(*, interaction: Interaction, actor) -> None:
    _check_author(interaction, actor)
    touched = list(interaction.their_participants.values_list("pk", flat=True))
    interaction.delete()
    stakeholders_last_contact_refresh(stakeholder_ids=touched)


@transaction.atomic
def follow_up_create(*, interaction: Interaction, description: str, owner, due_on: date) -> FollowUpAction:
    _check_follow_up(interaction.account, FollowUp(description=description, owner=owner, due_on=due_on))
    return FollowUpAction.objects.create(
        interaction=interaction, description=description.strip(), owner=owner, due_on=due_on
    )


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUpAction) -> FollowUpAction:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
    return follow_up
