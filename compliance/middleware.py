"""Each web request runs in one transaction, as its user, and leaves its access log behind.

- The request's user becomes the principal of the transaction (`set_config(..., true)`), so
  row-level security knows who is asking; the whole view, template rendering included, runs inside.
- A response of 500 or more rolls the transaction back (nothing half-written).
- What the gateway recorded is appended to the access log with the response: in the request's own
  transaction when it succeeds, after the rollback when it fails (with an "error" entry), so
  denials and failures are logged whatever happens.
- An insider who has not acknowledged an account's wall memo is sent to it.
- No response may be kept by a cache (`Cache-Control: no-store`): pages and CSV exports carry
  confidential content, and a shared cache or the browser's would keep it past the wall.

An entry records the path with allow-listed query parameters only (access_log.loggable_path), and
the client's address: REMOTE_ADDR, or behind a proxy listed in TRUSTED_PROXIES the address that
proxy saw (the last X-Forwarded-For hop not itself a trusted proxy).
"""

import ipaddress
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from compliance import access, access_log, principal
from compliance.access import AcknowledgementRequired
from compliance.models import AccessLogEntry

# Paths that read nothing confidential and must answer without a transaction (the health check
# reports a database that is down instead of failing to open one; so do the metrics, kam/views.py).
OUTSIDE_THE_WALL = frozenset({"/healthz", "/metrics"})


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address; X-Forwarded-For counts only as far as trusted proxies appended it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(_address(remote), networks):
        return remote
    # Each trusted proxy appended the address it saw; the first hop from the right that is not a
    # trusted proxy is the client (anything left of it the client could have written itself).
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            return remote
        if not _trusted(address, networks):
            return str(address)
    return remote


def logged_path(request) -> str:
    query = [(name, value) for name, values in request.GET.lists() for value in values]
    return access_log.loggable_path(request.path, query)


class WallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in OUTSIDE_THE_WALL:
            return self.get_response(request)
        user = getattr(request, "user", None)
        with (
            principal.acting_as(principal.for_user(user)),
            access_log.collecting(
                path=logged_path(request), ip=client_ip(request), method=request.method
            ) as collector,
        ):
            failed = False
            with transaction.atomic():
                response = self.get_response(request)
                failed = response.status_code >= 500 or connection.needs_rollback
                if failed:
                    transaction.set_rollback(True)
                else:
                    access_log.flush(collector)
            if failed:
                access_log.record(
                    user=user,
                    account_id=_account_of(collector),
                    object_type="request",
                    action=request.method.lower(),
                    outcome=AccessLogEntry.Outcome.ERROR,
                    reason=f"request failed with status {response.status_code}; its changes were rolled back",
                )
                access_log.flush(collector, rolled_back=True)
        add_never_cache_headers(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        access_log.note_view(view_kwargs)
        user = getattr(request, "user", None)
        if "account_id" in view_kwargs and not (user and user.is_authenticated):
            # Sent to the login page by the next middleware; still an attempt on an account.
            access_log.record(
                user=user,
                account_id=access.parse_account_id(view_kwargs["account_id"]),
                object_type="account",
                outcome=AccessLogEntry.Outcome.DENIED,
                reason="not logged in",
            )

    def process_exception(self, request, exception):
        if not isinstance(exception, AcknowledgementRequired):
            return None
        url = reverse("compliance:acknowledge", args=[exception.account.pk])
        url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)


def _account_of(collector) -> int | None:
    accounts = {entry["account_id"] for entry in collector.entries if entry["account_id"] is not None}
    return accounts.pop() if len(accounts) == 1 else None
