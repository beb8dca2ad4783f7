"""Sign-in lockout: django-axes with two limits, one per username and one per address.

Axes (installed in kam/settings.py, database handler: every web process sees the same attempts)
records each failed sign-in as a row per (username, address, browser) and refuses sign-in while the
failures counted against a request reach one limit, `AXES_FAILURE_LIMIT`. KAM has two: failures for
one username from any address (`LOGIN_FAILURE_LIMIT_USERNAME`, U) and failures from one address over
any usernames (`LOGIN_FAILURE_LIMIT_ADDRESS`, A). The handler below counts both in one query and
reports each scaled to a common limit of U·A: n failures for the username count n·A, m from the
address count m·U, so axes refuses exactly when n ≥ U or m ≥ A (whole numbers: no rounding).

A failure counts until `LOGIN_LOCKOUT_MINUTES` pass without another failure on its row (axes' cool-off);
attempts refused during a lockout are not counted, so a lockout ends that long after the failure that
set it. A successful sign-in clears its username's failures, never its address's: signing in to an
account one owns must not reset the count of an address guessing other people's passwords.
"""

import datetime

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q, Sum
from django.shortcuts import render

# The same words whether or not the username exists, and whichever limit refused.
LOCKOUT_MESSAGE = (
    "Too many failed sign-ins for this username or from this address. Sign-in is paused for "
    "{minutes} minutes; try again later, or set a new password with “Forgot your password?”."
)
LOCKOUT_STATUS = 429


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: the common limit both counts are scaled to (see the module's docstring)."""
    return settings.LOGIN_FAILURE_LIMIT_USERNAME * settings.LOGIN_FAILURE_LIMIT_ADDRESS


def cool_off(request=None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME, read when used so that a test's settings override applies."""
    return datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend (first in AUTHENTICATION_BACKENDS), which refuses a locked-out sign-in.

    Every sign-in page passes its request. A check with no request (a shell, `Client.login`) has no
    address to count and is left to the next backend instead of failing: nothing can be locked there.
    """

    def authenticate(self, request, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class TwoLimitHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per username and another per address."""

    def failure_counts(self, request, credentials=None) -> tuple[int, int]:
        """Recent failures for the request's username (any address) and from its address (any username)."""
        username = get_client_username(request, credentials)
        by_username = Q(username=username)
        by_address = Q(ip_address=request.axes_ip_address)
        counts = AccessAttempt.objects.filter(
            by_username | by_address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(
            username=Sum("failures_since_start", filter=by_username),
            address=Sum("failures_since_start", filter=by_address),
        )
        return counts["username"] or 0, counts["address"] or 0

    def get_failures(self, request, credentials=None) -> int:
        username_failures, address_failures = self.failure_counts(request, credentials)
        return max(
            username_failures * settings.LOGIN_FAILURE_LIMIT_ADDRESS,
            address_failures * settings.LOGIN_FAILURE_LIMIT_USERNAME,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lockout message and nothing else."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": str(username)[:150]})
    context = {
        "form": form,
        "next": request.POST.get("next", request.GET.get("next", "")),
        "lockout": LOCKOUT_MESSAGE.format(minutes=settings.LOGIN_LOCKOUT_MINUTES),
    }
    return render(request, "registration/login.html", context, status=LOCKOUT_STATUS)
