"""Reads about accounts. Every function takes an account the gateway already handed out."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import Account, CompetitorLink

User = get_user_model()


def team_users(account: Account | None):
    """The account team's active people (sponsors included), by username; none for no account."""
    return User.objects.filter(account_teams__account=account, is_active=True).order_by("username")


def competitor_links_of(account: Account):
    """The competitor edges touching `account`, each annotated with the other account."""
    return (
        CompetitorLink.objects.filter(Q(account_a=account) | Q(account_b=account))
        .select_related("account_a", "account_b", "segment")
        .order_by("segment__name")
    )


def competitors_of(account: Account) -> list[tuple[Account, str]]:
    """(competitor, segment name) pairs for `account`, from the competitor graph."""
    return [
        (link.account_b if link.account_a_id == account.pk else link.account_a, link.segment.name)
        for link in competitor_links_of(account)
    ]


def account_detail(account: Account) -> dict:
    """Everything the account page shows, in a fixed number of queries."""
    stakeholders = list(account.stakeholders.select_related("reports_to", "relationship_owner"))
    return {
        "account": account,
        "context": getattr(account, "context", None),
        "forces": list(account.forces.all()),
        "competitors": competitors_of(account),
        "team": list(account.team.select_related("user")),
        "stakeholders": stakeholders,
    }
