"""The access log's record of sign-in: failed attempts, lockouts, passwords chosen, sessions ended.

accounts may not import compliance, so compliance listens: to Django's `user_login_failed`, to
django-axes' `user_locked_out` (accounts/signin/lockout.py) and to accounts' own signals
(accounts/signals.py). A failed or refused sign-in has no user: its entry names nobody, holds the
attempted username as the object and in the reason, and the client's address as the access log
takes it everywhere (compliance/middleware.py `client_ip`, which axes uses too). Entries never hold
a password.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed

from accounts.signals import password_chosen, password_reset_link_sent, sessions_ended
from compliance import access_log, principal
from compliance.models import AccessLogEntry

SIGNIN = "signin"
FAILED = "failed"
LOCKED_OUT = "locked_out"
USERNAME_LIMIT = 150


def connect() -> None:
    user_login_failed.connect(_failed, dispatch_uid="compliance.signin.failed")
    user_locked_out.connect(_locked_out, dispatch_uid="compliance.signin.locked_out")
    password_chosen.connect(_password_chosen, dispatch_uid="compliance.signin.password_chosen")
    password_reset_link_sent.connect(_reset_link_sent, dispatch_uid="compliance.signin.reset_link")
    sessions_ended.connect(_sessions_ended, dispatch_uid="compliance.signin.sessions_ended")


def _username(value) -> str:
    return str(value or "")[:USERNAME_LIMIT]


def _refused_by_lockout(request) -> bool:
    """Whether axes refused this attempt because sign-in was already locked (it checked no password).

    Axes marks the request locked before the signal when it refuses, and counts a failure only when it
    did not; so whichever of the two receivers runs first, a refused attempt is locked with no count.
    """
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def _record(*, action: str, username: str, reason: str) -> None:
    access_log.record(
        user=None,
        account_id=None,
        object_type=SIGNIN,
        object_id=username,
        action=action,
        outcome=AccessLogEntry.Outcome.DENIED,
        reason=reason,
    )


def _failed(sender, credentials, request=None, **kwargs) -> None:
    if request is not None and _refused_by_lockout(request):
        return  # logged as a lockout (below)
    username = _username(credentials.get("username"))
    _record(action=FAILED, username=username, reason=f"wrong username or password for {username!r}")


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    username = _username(username)
    if request is not None and _refused_by_lockout(request):
        reason = f"sign-in for {username!r} refused: the username or the address is locked out"
    else:
        reason = f"too many failures: sign-in for {username!r} or from this address is locked out"
    _record(action=LOCKED_OUT, username=username, reason=reason)


def _log_user(user, *, action: str, reason: str) -> None:
    access_log.record_change(
        user=principal.acting_user(),
        account_id=None,
        object_type="user",
        object_id=user.pk,
        action=action,
        reason=reason,
    )


# A first password ("set") is already in the people-change log (compliance/audit.py), as is the
# password field's change in every case; these entries add how and by whom.
CHOSEN = {
    "change": ("password_change", "password changed by its owner; their other sessions ended"),
    "reset": ("password_reset", "forgotten password reset from an e-mailed link; every session ended"),
}


def _password_chosen(sender, user, how: str, **kwargs) -> None:
    if how in CHOSEN:
        action, reason = CHOSEN[how]
        _log_user(user, action=action, reason=reason)


def _reset_link_sent(sender, user, **kwargs) -> None:
    _log_user(user, action="password_reset_link", reason="password-reset link e-mailed on request")


def _sessions_ended(sender, user, **kwargs) -> None:
    _log_user(user, action="signout_everywhere", reason="signed out everywhere: every session ended")
