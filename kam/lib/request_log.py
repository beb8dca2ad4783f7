"""One log line and the metrics of every web request, under a request id.

First in settings.MIDDLEWARE, so it times the whole request and everything logged while it runs
carries its id (kam/lib/logs.py). The id is the incoming X-Request-ID when that is a sane token (a
proxy's or a load balancer's), else a new one, and goes back in the response's X-Request-ID.

The line (logger `kam.request`) holds the method, the path, the view's name, the status, the
duration in milliseconds and the user's id, never a username or a query string. The path is logged
as it is when the route's arguments are all ids (`/accounts/7/`); otherwise (a password-set link's
token) the route's pattern stands for it. The user is named only when the request already looked
them up: asking afterwards would read the database for a page that never did (the health check
answers with the database down).
"""

import logging
import re
import time

from django.conf import settings
from django.utils.functional import empty
from django.utils.log import log_response

from kam.lib import logs, metrics

logger = logging.getLogger("kam.request")

HEADER = "X-Request-ID"
_ID = re.compile(r"\d{1,18}")
# An unresolved path is what the client typed; kept short.
PATH_LIMIT = 200


def view_name(request) -> str:
    """The metrics label of the request's view: its URL name, or what answered without a view."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return metrics.STATIC_VIEW
    return metrics.UNRESOLVED_VIEW


def logged_path(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return request.path[:PATH_LIMIT]
    arguments = [*match.args, *match.kwargs.values()]
    if all(_ID.fullmatch(str(value)) for value in arguments):
        return request.path
    return "/" + match.route


def user_id(request) -> int | None:
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.accepted_request_id(request.headers.get(HEADER))
        started = time.perf_counter()
        with logs.request_context(request_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            if response.status_code >= 400:
                # Django's own "Not Found: /path" line, logged here (as its handler would, once) so it
                # carries the request id too.
                log_response(
                    "%s: %s", response.reason_phrase, request.path, response=response, request=request
                )
            view = view_name(request)
            metrics.request_observed(view=view, status=response.status_code, seconds=seconds)
            path = logged_path(request)
            duration_ms = round(seconds * 1000, 1)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id(request),
                },
            )
        response[HEADER] = request_id
        return response
