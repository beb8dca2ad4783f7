"""The account page without the wall, for bench_access's comparison (routed only by bench/urls.py).

It renders through the same `account_page` as the real view; only the way the account is found
differs: a plain team-membership lookup instead of the gateway (no decision on crossings, cooling-off
or acknowledgement, no access log, no read history).
"""

from django.http import Http404

from accounts.models import Account
from relationships.account_pages.views import account_page


def account_detail_unwalled(request, account_id: int):
    account = (
        Account.objects.select_related("segment", "owner")
        .filter(pk=account_id, team__user_id=request.user.pk)
        .first()
    )
    if account is None:
        raise Http404("No account found.")
    return account_page(request, account)
