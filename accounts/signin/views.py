"""The second step of signing in: the code page, enrolment, and the user's own security page.

These pages read nothing behind the wall: they start from the signed-in user, not the gateway.
A session that owes its second factor reaches only `verify`, `enrol` and logout
(accounts/signin/middleware.py).
"""

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.signin import services
from accounts.signin.forms import CodeForm, EnrolForm
from accounts.signin.middleware import second_factor_passed


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return reverse("home")


def _passed(request, device) -> None:
    """Mark the session as having passed the second factor with `device`, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


@require_http_methods(["GET", "POST"])
def verify(request):
    """Step two: a code from the authenticator app, or a recovery code."""
    user = request.user
    next_url = _next_url(request)
    if getattr(user, "is_verified", lambda: False)():
        return redirect(next_url)
    if not services.has_second_factor(user):
        return redirect(f"{reverse('signin:enrol')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            _passed(request, result.device)
            if result.method == "recovery_code":
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it cannot be used again. {left} left: "
                    "make new ones on your Two-step sign-in page if you are running low.",
                )
            return redirect(next_url)
        form.add_error("code", result.error)
    return render(request, "signin/verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up the authenticator app: scan (or type) the secret, confirm with a code, get recovery codes."""
    user = request.user
    next_url = _next_url(request)
    if services.has_second_factor(user):
        if second_factor_passed(request):
            return redirect("signin:security")
        return redirect(f"{reverse('signin:verify')}?{urlencode({'next': next_url})}")
    device = services.totp_device_pending(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enrol_confirm(
            user=user, device=device, token=services.normalized_code(form.cleaned_data["code"])
        )
        if codes is not None:
            _passed(request, device)
            return _show_recovery_codes(request, codes, next_url, enrolled=True)
        form.add_error(
            "code",
            "That code is not right. Check that the app shows KAM and that your phone's clock is right.",
        )
    return render(
        request,
        "signin/enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device.config_url),
            "secret": services.totp_secret_text(device),
            "required": services.second_factor_required(user),
        },
    )


def _qr_svg(data: str) -> str:
    # segno writes the SVG itself from the device's otpauth:// URL: no user text reaches it unescaped.
    code = segno.make(data, micro=False, error="m")
    svg = code.svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="signin-qr", omitsize=True, title="QR code for your app"
    )
    return mark_safe(svg)  # noqa: S308 - generated markup, see above


def _show_recovery_codes(request, codes: list[str], next_url: str, *, enrolled: bool):
    """The codes are shown once, in this response: they are never stored in the session or a page."""
    response = render(
        request,
        "signin/recovery_codes.html",
        {"codes": codes, "next": next_url, "enrolled": enrolled},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def security(request):
    """The user's own two-step sign-in: its state, setting it up, new recovery codes."""
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "recovery_codes" and services.has_second_factor(user):
            codes = services.recovery_codes_replace(user=user)
            return _show_recovery_codes(request, codes, reverse("signin:security"), enrolled=False)
        messages.error(request, "Set up two-step sign-in first.")
        return redirect("signin:security")
    device = services.confirmed_totp_device(user)
    return render(
        request,
        "signin/security.html",
        {
            "device": device,
            "codes_left": services.recovery_codes_left(user) if device else 0,
            "required": services.second_factor_required(user),
            "waived": services.is_waived(user),
        },
    )
