"""The console's people page: who has two-step sign-in, and a compliance officer's reset of it.

A reset removes the person's authenticator and recovery codes (accounts/signin/services.py), so
they set it up again at their next sign-in: for a lost phone, or a factor that may be known to
someone else. The reset is written to the access log (compliance/audit.py) and shown here.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.signin import services
from compliance.console.people import selectors

PAGE_SIZE = 50


@permission_required("otp_totp.view_totpdevice", raise_exception=True)
def people(request):
    page = Paginator(selectors.people(), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_requirement(page.object_list)
    return render(request, "compliance/people/people.html", {"page": page})


@permission_required("otp_totp.delete_totpdevice", raise_exception=True)
def second_factor_reset(request, user_id: int):
    person = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    name = person.get_full_name() or person.get_username()
    if person.pk == request.user.pk:
        messages.error(request, "You cannot reset your own two-step sign-in: ask another compliance officer.")
        return redirect("compliance:people")
    if request.method == "POST":
        services.second_factor_reset(user=person, actor=request.user)
        messages.success(
            request, f"Reset the two-step sign-in of {name}: they set it up again at their next sign-in."
        )
        return redirect("compliance:people")
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Reset the two-step sign-in of {name} ({person.get_username()})?",
            "detail": (
                "Their authenticator app and recovery codes stop working at once, and they must set up "
                "two-step sign-in again the next time they sign in. Do this only when you have checked "
                "who is asking, for example a lost phone reported in person."
            ),
            "action": "reset",
            "cancel_url": reverse("compliance:people"),
        },
    )
