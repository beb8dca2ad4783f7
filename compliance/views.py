"""The wall's page every insider meets: read an account's wall memo and acknowledge it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from compliance import access, services
from compliance.models import WallAcknowledgement


def acknowledge(request, account_id: int):
    """An insider reads the account's wall memo and acknowledges it before first access."""
    decision = access.decide(request.user, access.parse_account_id(account_id) or 0)
    if not decision.allowed:
        # Outsiders learn nothing here either: the same 404 as the account page.
        access.get_account_for_user(request.user, account_id, object_type="wall_memo")
    account = decision.account
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    next_url = next_url or reverse("accounts:detail", args=[account.pk])
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "Tick the box to confirm you have read the memo.")
        else:
            services.acknowledgement_create(user=request.user, account=account)
            messages.success(request, f"Acknowledged the wall memo of {account.name}.")
            return redirect(next_url)
    return render(
        request,
        "compliance/acknowledge.html",
        {
            "account": account,
            "memo": services.memo_text(account),
            "next": next_url,
            "previous": WallAcknowledgement.objects.filter(user=request.user, account=account).first(),
        },
    )
