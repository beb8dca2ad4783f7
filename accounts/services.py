"""Writes to accounts and their context. Callers pass objects they obtained through the gateway."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.models import (
    Account,
    AccountContext,
    AccountTeamMember,
    BusinessForce,
    CompetitorLink,
    Segment,
    Stakeholder,
)
from kam.lib.text import check_text_limits
from kam.roles import Role, roles_of

User = get_user_model()

ACCOUNT_FIELDS = ("name", "segment", "tier", "owner", "relationship_word", "orientation")
CONTEXT_FIELDS = (
    "market_position",
    "other_competitors",
    "strategy_3m",
    "strategy_6m",
    "strategy_12m",
    "strategy_18m",
)


def _check_name_free(name: str, *, exclude_id: int | None = None) -> None:
    clash = Account.objects.annotate(lname=Lower("name")).filter(lname=name.strip().lower())
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise ValidationError({"name": "An account with this name already exists."})


def _check_can_own(owner) -> None:
    if not owner.is_active or not owner.has_perm("accounts.change_account"):
        raise ValidationError({"owner": "The owner must be an active account manager."})


@transaction.atomic
def account_create(
    *,
    name: str,
    segment: Segment,
    owner,
    tier: str = Account.Tier.STANDARD,
    relationship_word: str = "",
    orientation: str = Account.Orientation.BALANCED,
    context: dict | None = None,
    actor=None,
) -> Account:
    """Create an account, its (confidential) context, and make the owner its team lead.

    Only an insider writes confidential content (row-level security enforces it too): someone
    creating an account for another owner leaves its context to that owner's team.
    """
    _check_name_free(name)
    _check_can_own(owner)
    context = {field: value for field, value in (context or {}).items() if value not in ("", None)}
    if context and actor is not None and actor.pk != owner.pk:
        raise ValidationError(
            "Only the account's team writes its confidential context: leave the customer's strategy "
            "and competitive environment to the new owner, or make yourself the owner."
        )
    account = Account(
        name=name.strip(),
        segment=segment,
        owner=owner,
        tier=tier,
        relationship_word=relationship_word,
        orientation=orientation,
    )
    account.full_clean()
    account.save()
    AccountTeamMember.objects.create(account=account, user=owner, role=AccountTeamMember.Role.LEAD)
    if context or actor is None or actor.pk == owner.pk:
        account_context = AccountContext(account=account, updated_by=owner, **context)
        check_text_limits(account_context)
        account_context.save()
    return account


@transaction.atomic
def account_update(*, account: Account, **changes) -> Account:
    """Change an account's sanitized fields; a new owner becomes the team lead."""
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"not account fields: {sorted(unknown)}")
    if "name" in changes:
        _check_name_free(changes["name"], exclude_id=account.pk)
        changes["name"] = changes["name"].strip()
    new_owner = changes.get("owner")
    # Compare with the stored owner: a bound ModelForm has already set the new one on `account`.
    stored_owner_id = Account.objects.filter(pk=account.pk).values_list("owner_id", flat=True).get()
    if new_owner is not None and new_owner.pk != stored_owner_id:
        _check_can_own(new_owner)
        if not account.team.filter(user=new_owner).exists():
            _check_wall(account=account, user=new_owner)
        _team_set_lead(account=account, user=new_owner)
    for field, value in changes.items():
        setattr(account, field, value)
    account.full_clean(validate_unique=False)
    account.save(update_fields=[*changes, "updated_at"])
    return account


def _team_set_lead(*, account: Account, user) -> None:
    account.team.filter(role=AccountTeamMember.Role.LEAD).update(role=AccountTeamMember.Role.MEMBER)
    AccountTeamMember.objects.update_or_create(
        account=account, user=user, defaults={"role": AccountTeamMember.Role.LEAD}
    )


@transaction.atomic
def account_context_update(*, account: Account, actor, **changes) -> AccountContext:
    unknown = set(changes) - set(CONTEXT_FIELDS)
    if unknown:
        raise TypeError(f"not context fields: {sorted(unknown)}")
    context, _ = AccountContext.objects.get_or_create(account=account)
    for field, value in changes.items():
        setattr(context, field, value)
    context.updated_by = actor
    context.full_clean()
    check_text_limits(context)
    context.save()
    return context


@transaction.atomic
def team_member_add(*, account: Account, user, role: str) -> AccountTeamMember:
    if role == AccountTeamMember.Role.LEAD:
        raise ValidationError({"role": "The lead is the account owner; change the owner instead."})
    if not user.is_active:
        raise ValidationError({"user": "Inactive users cannot join an account team."})
    if role == AccountTeamMember.Role.SPONSOR and Role.EXECUTIVE not in roles_of(user):
        raise ValidationError({"role": "An executive sponsor must be an executive."})
    if role == AccountTeamMember.Role.MEMBER and not user.has_perm("accounts.change_account"):
        raise ValidationError({"role": "Team members must be account managers; executives join as sponsors."})
    if account.team.filter(user=user).exists():
        raise ValidationError({"user": f"{user.get_username()} is already on this team."})
    _check_wall(account=account, user=user)
    return AccountTeamMember.objects.create(account=account, user=user, role=role)


# The Chinese wall decides who may join a team. Its rule lives in compliance, a layer above this
# app, which registers it when Django starts (compliance/apps.py); without it, staffing fails closed.
StaffingRule = Callable[..., list[str]]
_staffing_rule: StaffingRule | None = None


def staffing_rule_register(rule: StaffingRule) -> None:
    """Install `rule(user, account) -> reasons` as the check every team change must pass."""
    global _staffing_rule
    _staffing_rule = rule


def _check_wall(*, account: Account, user) -> None:
    """The Chinese wall: no one joins a team whose competitor they serve or recently read."""
    if _staffing_rule is None:
        raise ImproperlyConfigured("No staffing rule registered: is the compliance app installed?")
    conflicts = _staffing_rule(user, account)
    if conflicts:
        raise ValidationError(
            {
                "user": "The Chinese wall refuses this: "
                + "; ".join(conflicts)
                + ". A compliance officer can record an exception."
            }
        )


@transaction.atomic
def team_member_remove(*, member: AccountTeamMember) -> None:
    if member.role == AccountTeamMember.Role.LEAD:
        raise ValidationError("The lead cannot be removed; give the account another owner first.")
    member.delete()


def _check_reports_to(*, account: Account, stakeholder_id: int | None, manager) -> None:
    if manager is None:
        return
    if manager.account_id != account.pk:
        raise ValidationError({"reports_to": "The manager must be a stakeholder of this account."})
    seen = set()
    node = manager
    while node is not None:
        if node.pk == stakeholder_id or node.pk in seen:
            raise ValidationError({"reports_to": "That would make a reporting loop."})
        seen.add(node.pk)
        node = node.reports_to


STAKEHOLDER_FIELDS = (
    "name",
    "title",
    "reports_to",
    "influence",
    "attitude",
    "email",
    "phone",
    "notes",
    "relationship_owner",
)


@transaction.atomic
def stakeholder_create(*, account: Account, **fields) -> Stakeholder:
    unknown = set(fields) - set(STAKEHOLDER_FIELDS)
    if unknown:
        raise TypeError(f"not stakeholder fields: {sorted(unknown)}")
    _check_reports_to(account=account, stakeholder_id=None, manager=fields.get("reports_to"))
    stakeholder = Stakeholder(account=account, **fields)
    stakeholder.full_clean()
    check_text_limits(stakeholder)
    stakeholder.save()
    return stakeholder


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, **changes) -> Stakeholder:
    unknown = set(changes) - set(STAKEHOLDER_FIELDS)
    if unknown:
        raise TypeError(f"not stakeholder fields: {sorted(unknown)}")
    if "reports_to" in changes:
        _check_reports_to(
            account=stakeholder.account, stakeholder_id=stakeholder.pk, manager=changes["reports_to"]
        )
    for field, value in changes.items():
        setattr(stakeholder, field, value)
    stakeholder.full_clean()
    check_text_limits(stakeholder)
    stakeholder.save(update_fields=[*changes, "updated_at"])
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder) -> None:
    stakeholder.delete()


@transaction.atomic
def business_force_create(*, account: Account, kind: str, impact: str, description: str) -> BusinessForce:
    force = BusinessForce(account=account, kind=kind, impact=impact, description=description)
    force.full_clean()
    check_text_limits(force)
    force.save()
    return force


@transaction.atomic
def business_force_delete(*, force: BusinessForce) -> None:
    force.delete()


@transaction.atomic
def competitor_link_create(
    *, account: Account, competitor: Account, segment: Segment, actor, note: str = ""
) -> CompetitorLink:
    """Record that two accounts compete in a segment (one undirected edge)."""
    if account.pk == competitor.pk:
        raise ValidationError({"competitor": "An account cannot compete with itself."})
    first, second = sorted([account, competitor], key=lambda a: a.pk)
    link = CompetitorLink(account_a=first, account_b=second, segment=segment, note=note, created_by=actor)
    link.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise ValidationError(
            {"competitor": f"{first} and {second} are already recorded as competitors in {segment}."}
        ) from None
    return link


@transaction.atomic
def competitor_link_delete(*, link: CompetitorLink) -> None:
    link.delete()


def _check_segment_name_free(name: str, *, exclude_id: int | None = None) -> None:
    clash = Segment.objects.annotate(lname=Lower("name")).filter(lname=name.strip().lower())
    if clash.exclude(pk=exclude_id).exists():
        raise ValidationError({"name": "A segment with this name already exists."})


@transaction.atomic
def segment_create(*, name: str, description: str = "") -> Segment:
    _check_segment_name_free(name)
    segment = Segment(name=name.strip(), description=description)
    segment.full_clean(validate_constraints=False)
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, name: str, description: str) -> Segment:
    _check_segment_name_free(name, exclude_id=segment.pk)
    segment.name, segment.description = name.strip(), description
    segment.full_clean(validate_constraints=False)
    segment.save(update_fields=["name", "description"])
    return segment
