"""Writes to accounts and their context. Callers pass objects they obtained through the gateway."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import (
    Account,
    AccountContext,
    AccountTeamMember,
    BusinessForce,
    CompetitorLink,
    Segment,
    Stakeholder,
)
from accounts.signals import password_link_sent
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
    for lead in account.team.filter(role=AccountTeamMember.Role.LEAD):  # one row; saved so it is logged
        lead.role = AccountTeamMember.Role.MEMBER
        lead.save(update_fields=["role"])
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


def team_member_add(*, account: Account, user, role: str) -> AccountTeamMember:
    # Checked before the transaction: a refusal is logged (compliance/access.py) and must stay so.
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
    with transaction.atomic():
        return AccountTeamMember.objects.create(account=account, user=user, role=role)


# The Chinese wall decides who may join a team. Its rule lives in compliance, a layer above this
# app, which registers it when Django starts (compliance/apps.py); without it, staffing fails closed.
StaffingRule = Callable[..., bool]
_staffing_rule: StaffingRule | None = None


def staffing_rule_register(rule: StaffingRule) -> None:
    """Install `rule(user, account) -> refused` as the check every team change must pass."""
    global _staffing_rule
    _staffing_rule = rule


def _check_wall(*, account: Account, user) -> None:
    """The Chinese wall: no one joins a team whose competitor they serve or recently read.

    The asker learns only that the wall refuses; why (which competitor, which read) is logged by the
    rule for compliance officers, since it would tell the asker about accounts behind the wall.
    """
    if _staffing_rule is None:
        raise ImproperlyConfigured("No staffing rule registered: is the compliance app installed?")
    if _staffing_rule(user, account):
        raise ValidationError(
            {
                "user": f"The Chinese wall keeps {user.get_username()} off this team. "
                "A compliance officer can record an exception."
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


# People's accounts. Administrators create, edit and (de)activate users; a password is only ever
# set by its owner through a password-set link, or by a superuser (accounts/admin.py).

USER_CREATE_FIELDS = ("username", "first_name", "last_name", "email")
USER_PROFILE_FIELDS = ("first_name", "last_name", "email", "is_active")


def user_holds_power(user) -> bool:
    """A role, a permission, staff or superuser status: what the wall's keys are made of."""
    return user.is_superuser or user.is_staff or user.groups.exists() or user.user_permissions.exists()


@transaction.atomic
def user_create(*, username: str, first_name: str = "", last_name: str = "", email: str = "") -> User:
    """A new user with no password: they set one through a password-set link."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, user, **changes) -> None:
    """Change a user's name, e-mail address or activation (nothing that grants power)."""
    unknown = set(changes) - set(USER_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    stored_email = User.objects.filter(pk=user.pk).values_list("email", flat=True).get()
    if changes.get("email", stored_email) != stored_email and user_holds_power(user):
        # The password-set link goes to this address: moving it would hand the account over.
        raise ValidationError({"email": "Only a superuser changes the address of someone holding a role."})
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean()
    user.save(update_fields=list(changes))


def user_password_link_send(*, user, site_url: str) -> None:
    """E-mail `user` a one-time link to set their password (the sender never sees it)."""
    if user.has_usable_password():
        raise ValidationError(f"{user.get_username()} already has a password; only a superuser resets it.")
    if not user.is_active or not user.email:
        raise ValidationError(f"{user.get_username()} is inactive or has no e-mail address.")
    context = {
        "user": user,
        "link": site_url.rstrip("/")
        + reverse(
            "password_set",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    subject = render_to_string("registration/password_set_subject.txt", context).strip()
    body = render_to_string("registration/password_set_email.txt", context)
    send_mail(subject, body, None, [user.email])
    password_link_sent.send(sender=User, user=user)
