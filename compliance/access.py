"""The one gateway for reads of accounts and their confidential data (ARCHITECTURE rule 1).

Views, selectors, exports, admin and tasks get accounts only from here:

- `visible_accounts(user)`: accounts whose confidential content `user` may read (insiders: the
  account team, executive sponsors included).
- `get_account_for_user(user, account_id)`: one such account, or Http404. An account the user may
  not read answers exactly like one that does not exist, so the wall does not reveal it.
  `get_account_for_change(user, account_id, perm)` adds a permission check (403) behind the wall.
- `portfolio_accounts(user)`: sanitized fields of every account, for roles allowed to see the
  portfolio (executives, compliance officers, administrators); only the account team's accounts
  for everyone else.

Later the wall adds competitor conflicts, read history, crossings and the access log here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import Account, AccountTeamMember
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


def _team_filter(user):
    return Exists(AccountTeamMember.objects.filter(account=OuterRef("pk"), user_id=user.pk))


def visible_accounts(user) -> QuerySet[Account]:
    """Accounts whose confidential content `user` may read."""
    if not (user and user.is_authenticated and user.is_active):
        return Account.objects.none()
    return Account.objects.filter(_team_filter(user))


def get_account_for_user(user, account_id) -> Account:
    """The account if `user` may read its confidential content; Http404 otherwise."""
    try:
        return visible_accounts(user).select_related("segment", "owner").get(pk=int(account_id))
    except (Account.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No account found.") from None


def get_account_for_change(user, account_id, perm: str) -> Account:
    """The account if `user` is an insider (else Http404) holding `perm` (else PermissionDenied).

    The wall answers first, so an outsider learns nothing from the permission check.
    """
    account = get_account_for_user(user, account_id)
    if not user.has_perm(perm):
        raise PermissionDenied
    return account


def can_see_portfolio(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PORTFOLIO_PERMISSION))


def portfolio_accounts(user) -> QuerySet[Account]:
    """Sanitized fields of the accounts `user` may list, each annotated `is_insider`."""
    if not (user and user.is_authenticated and user.is_active):
        return Account.objects.none()
    accounts = Account.objects.only(*SANITIZED_FIELDS).annotate(is_insider=_team_filter(user))
    if can_see_portfolio(user):
        return accounts
    return accounts.filter(is_insider=True)
