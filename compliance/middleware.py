"""Each web request runs in one transaction, as its user, and leaves its access log behind.

- The request's user becomes the principal of the transaction (`set_config(..., true)`), so
  row-level security knows who is asking; the whole view, template rendering included, runs inside.
- A response of 500 or more rolls the transaction back (nothing half-written).
- What the gateway recorded is appended to the access log with the response: in the request's own
  transaction when it succeeds, after the rollback when it fails (with an "error" entry), so
  denials and failures are logged whatever happens.
- An insider who has not acknowledged an account's wall memo is sent to it.
"""

from urllib.parse import urlencode

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from compliance import access, access_log, principal
from compliance.access import AcknowledgementRequired
from compliance.models import AccessLogEntry

# Paths that read nothing confidential and must answer without a transaction (the health check
# reports a database that is down instead of failing to open one).
OUTSIDE_THE_WALL = frozenset({"/healthz"})


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


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
                path=request.get_full_path(), ip=client_ip(request), method=request.method
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
                access_log.flush(collector)
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
