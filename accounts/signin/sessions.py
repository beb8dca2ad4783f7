"""Session lifetimes: an idle timeout, an absolute lifetime, and "sign out everywhere".

Each session holds when its user signed in, when it was last used, and the user's session epoch at
sign-in (set on Django's `user_logged_in`, accounts/apps.py). On every signed-in request the
middleware ends the session, and sends the browser to the login page with a message, when

- the user signed out everywhere since (their `SessionEpoch` is higher than the session's),
- SESSION_IDLE_MINUTES passed since the last request, or
- SESSION_MAX_HOURS passed since sign-in.

The last use is written back at most once a minute, so most requests do not save the session, and
the epoch is read with the user (`EpochModelBackend`), so the check costs no query of its own.
A session without these keys (signed in before they existed) starts its clock at its next request.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone

from accounts.models import SessionEpoch
from accounts.signals import sessions_ended
from kam.lib.login_required import is_public

SIGNED_IN_AT = "kam_signed_in_at"
SEEN_AT = "kam_seen_at"
EPOCH = "kam_session_epoch"
# Seconds between two writes of the last use.
SEEN_REFRESH = 60

ENDED = {
    "everywhere": "You signed out everywhere. Log in again.",
    "idle": "Your session ended after {idle} minutes without activity. Log in again.",
    "max": "Your session ended {hours} hours after you logged in. Log in again.",
}


def _now() -> float:
    return timezone.now().timestamp()


def epoch_of(user) -> int:
    """The user's session epoch: read with the user by `EpochModelBackend`, else now."""
    loaded = getattr(user, "kam_session_epoch", None)
    if loaded is not None:
        return loaded
    return SessionEpoch.objects.filter(user_id=user.pk).values_list("epoch", flat=True).first() or 0


class EpochModelBackend(ModelBackend):
    """Django's ModelBackend, loading a signed-in user's session epoch in the same query."""

    def get_user(self, user_id):
        epoch = SessionEpoch.objects.filter(user_id=OuterRef("pk")).values("epoch")
        users = get_user_model()._default_manager.annotate(kam_session_epoch=Coalesce(Subquery(epoch), 0))
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def session_start(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: the new session's clock and epoch."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session[EPOCH] = epoch_of(user)


@transaction.atomic
def sessions_end_all(*, user) -> int:
    """End every session of `user`, wherever it is: raise their epoch. Returns the new epoch."""
    SessionEpoch.objects.get_or_create(user=user)
    SessionEpoch.objects.filter(user=user).update(epoch=F("epoch") + 1, changed_at=timezone.now())
    sessions_ended.send(sender=SessionEpoch, user=user)
    return epoch_of(user)


def _ended(request) -> str | None:
    """Why the signed-in session of `request` is over, or None (then its last use is kept up to date)."""
    session, now = request.session, _now()
    if session.get(EPOCH, 0) != epoch_of(request.user):
        return "everywhere"
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int | float) or not isinstance(seen_at, int | float):
        session[SIGNED_IN_AT] = session[SEEN_AT] = now
        session[EPOCH] = session.get(EPOCH, 0)
        return None
    if now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - signed_in_at > settings.SESSION_MAX_HOURS * 3600:
        return "max"
    if now - seen_at > SEEN_REFRESH:
        session[SEEN_AT] = now
    return None


def session_current(request) -> bool:
    """Is the signed-in session of `request` within its lifetimes? For a page open to anyone that
    shows more to some users (kam/views.py `metrics`): this middleware does not check those."""
    return _ended(request) is None


def end_session(request, reason: str) -> HttpResponse:
    """Log the request's user out and send them to the login page, saying why (htmx: HX-Redirect)."""
    logout(request)
    text = ENDED[reason].format(idle=settings.SESSION_IDLE_MINUTES, hours=settings.SESSION_MAX_HOURS)
    messages.info(request, text)
    url = resolve_url(settings.LOGIN_URL)
    if request.method == "GET" and reason != "everywhere":
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


class SessionLifetimeMiddleware:
    """After authentication and messages (kam/settings.py MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_public(view_func):
            # Pages for anyone never look the user up (kam/lib/login_required.py); a lapsed session
            # ends at its next signed-in page.
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = _ended(request)
            if reason is not None:
                return end_session(request, reason)
        return None
