"""Two-step sign-in: who must pass a second factor, enrolment, verification, recovery codes, reset.

The devices are django-otp's: a TOTP device (an authenticator app) and a static device holding
single-use recovery codes. A session has passed the second factor when django-otp's session key
names one of the user's confirmed devices (`django_otp.login`, read back by its OTPMiddleware).

accounts may not import compliance, so each outcome is sent as a signal (accounts/signals.py) and
compliance writes it to the access log (compliance/audit.py).
"""

import re
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals
from kam.roles import Role, roles_of

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Roles holding a key to the wall: they never sign in with a password alone.
REQUIRED_ROLES = frozenset({Role.EXECUTIVE, Role.COMPLIANCE_OFFICER, Role.ADMINISTRATOR})
TOTP_CODE = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")

# Usernames the demo registers (demo/apps.py); waived only while settings.DEMO_OTP_WAIVER is on.
_waivable: set[str] = set()


def waiver_register(usernames) -> None:
    """The demo names its seeded personas; the waiver (development only) applies to them alone."""
    _waivable.clear()
    _waivable.update(usernames)


def is_waived(user) -> bool:
    return bool(settings.DEMO_OTP_WAIVER) and user.get_username() in _waivable


def second_factor_required(user) -> bool:
    """Must this signed-in user pass a second factor before anything else?"""
    if is_waived(user):
        return False
    if settings.OTP_REQUIRED_FOR_ALL or user.is_superuser or user.is_staff:
        return True
    return bool(roles_of(user) & REQUIRED_ROLES)


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_secret_text(device: TOTPDevice) -> str:
    """The device's key as an authenticator app takes it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# Enrolment. ----------------------------------------------------------------------------------------


@transaction.atomic
def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same secret however often the page is reloaded."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app; return fresh recovery codes, or None if wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        signals.second_factor_refused.send(
            sender=TOTPDevice, user=user, method="enrolment", reason="wrong code"
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per person: an older confirmed one (say, after a lost phone) goes.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _recovery_codes_replace(user)
    signals.second_factor_enrolled.send(sender=TOTPDevice, user=user)
    return codes


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    if not has_second_factor(user):
        raise PermissionDenied
    codes = _recovery_codes_replace(user)
    signals.second_factor_enrolled.send(sender=StaticDevice, user=user, recovery_codes_only=True)
    return codes


# Verification. -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    error: str = ""
    method: str = ""


def normalized_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").lower()


@transaction.atomic
def second_factor_verify(*, user, code: str) -> Verification:
    """Check a code from the app (six digits) or a recovery code (eight characters, used up)."""
    code = normalized_code(code)
    if TOTP_CODE.fullmatch(code):
        method = "totp"
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    elif RECOVERY_CODE.fullmatch(code):
        method = "recovery_code"
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    else:
        return Verification(None, "Enter the six digits from your app, or one of your recovery codes.")
    if device is None:
        reason = "no recovery codes" if method == "recovery_code" else "no authenticator"
        return _refused(user, method, reason, "That code is not right.")
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = ""
        if details and details.get("locked_until"):
            seconds = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
            wait = f" Wait {seconds} second{'s' if seconds != 1 else ''} and try again."
        return _refused(user, method, "throttled", "Too many wrong codes in a row." + wait)
    if not device.verify_token(code):
        message = "That code is not right, or it was already used."
        return _refused(user, method, "wrong code", message + " Check your app's clock and try again.")
    signals.second_factor_verified.send(sender=type(device), user=user, method=method)
    return Verification(device, method=method)


def _refused(user, method: str, reason: str, message: str) -> Verification:
    signals.second_factor_refused.send(sender=TOTPDevice, user=user, method=method, reason=reason)
    return Verification(None, message, method)


# Reset by a compliance officer. --------------------------------------------------------------------


@transaction.atomic
def second_factor_reset(*, user, actor) -> int:
    """Remove `user`'s devices and recovery codes: they enrol again at their next sign-in.

    Returns how many devices were removed. Refused unless `actor` may reset second factors and is
    not `user` (no one resets their own: that would drop the factor guarding the reset itself).
    """
    if not actor.has_perm("otp_totp.delete_totpdevice") or actor.pk == user.pk:
        raise PermissionDenied
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    signals.second_factor_reset.send(sender=TOTPDevice, user=user, actor=actor, devices=removed)
    return removed + static
