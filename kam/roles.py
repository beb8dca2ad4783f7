"""The four roles, as auth groups with permissions. Views check permissions, never group names."""

from django.contrib.auth.models import Group, Permission
from django.db import models

PORTFOLIO_PERMISSION = "accounts.view_portfolio"


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    EXECUTIVE = "executive", "Executive"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    ADMINISTRATOR = "administrator", "Administrator"


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ACCOUNT_MANAGER: [
        "accounts.view_account",
        "accounts.add_account",
        "accounts.change_account",
        "accounts.change_accountcontext",
        "accounts.add_businessforce",
        "accounts.delete_businessforce",
        "accounts.add_stakeholder",
        "accounts.change_stakeholder",
        "accounts.delete_stakeholder",
        "accounts.add_accountteammember",
        "accounts.delete_accountteammember",
        "relationships.view_interaction",
        "relationships.add_interaction",
        "relationships.change_interaction",
        "relationships.delete_interaction",
        "relationships.view_accountplan",
        "relationships.add_accountplan",
        "relationships.change_accountplan",
    ],
    Role.EXECUTIVE: [
        "accounts.view_account",
        PORTFOLIO_PERMISSION,
        "relationships.view_interaction",
        "relationships.view_accountplan",
        "relationships.approve_accountplan",
    ],
    Role.COMPLIANCE_OFFICER: [
        PORTFOLIO_PERMISSION,
        "accounts.view_competitorlink",
        "accounts.add_competitorlink",
        "accounts.delete_competitorlink",
    ],
    Role.ADMINISTRATOR: [
        PORTFOLIO_PERMISSION,
        "accounts.view_segment",
        "accounts.add_segment",
        "accounts.change_segment",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # Nightly scoring: see the runs, tune health weights and thresholds (no account content).
        "relationships.view_scoringrun",
        "relationships.view_scoringrunchunk",
        "relationships.view_scoringsettings",
        "relationships.change_scoringsettings",
    ],
}
# Account teams import their accounts' monthly revenue and margin (relationships/revenue/imports.py).
ROLE_PERMISSIONS[Role.ACCOUNT_MANAGER] += [
    "relationships.view_monthlyrevenue",
    "relationships.add_monthlyrevenue",
]


# The Chinese wall (compliance/): compliance officers keep it and audit the log; account managers
# and executives ask to cross it.
ROLE_PERMISSIONS[Role.COMPLIANCE_OFFICER] += [
    "compliance.view_accesslogentry",
    "compliance.view_readhistory",
    "compliance.view_wallacknowledgement",
    "compliance.view_wallmemo",
    "compliance.change_wallmemo",
    "compliance.view_wallcrossing",
    "compliance.change_wallcrossing",
    "compliance.view_wallexception",
    "compliance.add_wallexception",
    "compliance.change_wallexception",
    "compliance.view_wallchange",
]
for _role in (Role.ACCOUNT_MANAGER, Role.EXECUTIVE):
    ROLE_PERMISSIONS[_role] += ["compliance.add_wallcrossing"]
# Compliance officers see who has two-step sign-in and reset it (compliance/console/people/).
ROLE_PERMISSIONS[Role.COMPLIANCE_OFFICER] += ["otp_totp.view_totpdevice", "otp_totp.delete_totpdevice"]


def group_name(role: Role) -> str:
    return role.label + "s"


def sync_role_groups(*, using: str = "default") -> None:
    """Create the role groups and set exactly their permissions (idempotent)."""
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=group_name(role))
        wanted = [perm.split(".", 1) for perm in ROLE_PERMISSIONS[role]]
        query = models.Q()
        for app_label, codename in wanted:
            query |= models.Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.using(using).filter(query))
        if len(permissions) != len(wanted):
            missing = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
            raise LookupError(f"unknown permissions for {role}: {set(ROLE_PERMISSIONS[role]) - missing}")
        group.permissions.set(permissions)


def roles_of(user) -> set[Role]:
    """The user's roles, read once per user object (like Django's permission cache)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_kam_roles_cache", None)
    if cached is None:
        names = {group.name for group in user.groups.all()}
        cached = frozenset(role for role in Role if group_name(role) in names)
        user._kam_roles_cache = cached
    return set(cached)
