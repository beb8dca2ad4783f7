from django.db.models import Q

from accounts.models import CompetitorLink


def competitor_links(*, q: str = ""):
    """The competitor graph's edges (wall configuration: sanitized names only)."""
    links = CompetitorLink.objects.select_related("account_a", "account_b", "segment").order_by(
        "segment__name", "account_a__name", "account_b__name"
    )
    if q:
        links = links.filter(Q(account_a__name__icontains=q) | Q(account_b__name__icontains=q))
    return links
