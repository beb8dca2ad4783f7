"""Wall crossings: account teams ask for read-only access to an account; compliance officers decide.

Sanitized data only: account and user names, dates, reasons. Writes go through compliance.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from compliance import access, services
from compliance.console.crossings import selectors
from compliance.console.crossings.forms import CrossingDecisionForm, CrossingRequestForm
from compliance.models import WallCrossing
from kam.lib.forms import call_service, error_text, form_error_text

PAGE_SIZE = 25


# Crossing requests (account managers and executives). ----------------------------------------------


@permission_required("compliance.add_wallcrossing", raise_exception=True)
def crossing_request(request):
    form = CrossingRequestForm(request.POST or None, accounts=selectors.requestable_accounts(request.user))
    if request.method == "POST" and form.is_valid():
        crossing = call_service(
            form,
            services.crossing_request,
            user=request.user,
            account=form.cleaned_data["account"],
            reason=form.cleaned_data["reason"],
            days=form.cleaned_data["days"],
        )
        if crossing is not None:
            messages.success(
                request,
                f"Asked for {crossing.days} day(s) of access to {crossing.account.name}. "
                "A compliance officer will decide on it.",
            )
            return redirect("compliance:my_crossings")
    return render(request, "compliance/walls/crossing_request.html", {"form": form})


@permission_required("compliance.add_wallcrossing", raise_exception=True)
def my_crossings(request):
    page = Paginator(selectors.crossings_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "compliance/walls/my_crossings.html", {"page": page})


@permission_required("compliance.add_wallcrossing", raise_exception=True)
def crossing_withdraw(request, crossing_id: int):
    # Only the requester's own requests exist here.
    crossing = get_object_or_404(
        WallCrossing.objects.select_related("account").only(
            "id", "status", "user_id", "account__id", "account__name"
        ),
        pk=crossing_id,
        user_id=request.user.pk,
    )
    if request.method == "POST":
        try:
            services.crossing_withdraw(crossing=crossing, actor=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"Withdrew your request for access to {crossing.account.name}.")
        return redirect("compliance:my_crossings")
    if crossing.status != WallCrossing.Status.REQUESTED:
        messages.info(request, "Only a request still waiting for a decision can be withdrawn.")
        return redirect("compliance:my_crossings")
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Withdraw your request for access to {crossing.account.name}?",
            "detail": "The compliance officer will no longer see it; you can ask again later.",
            "action": "withdraw",
            "cancel_url": reverse("compliance:my_crossings"),
        },
    )


# Crossings for compliance. -------------------------------------------------------------------------


@permission_required("compliance.change_wallcrossing", raise_exception=True)
def crossings(request):
    page = Paginator(selectors.crossings_for_compliance(), PAGE_SIZE).get_page(request.GET.get("page"))
    for crossing in page.object_list:
        # The gateway's reasons, for the requests still waiting on this page only.
        crossing.conflicts = (
            [
                conflict.named(crossing.user)
                for conflict in access.staffing_conflicts(crossing.user, crossing.account)
            ]
            if crossing.status == WallCrossing.Status.REQUESTED
            else []
        )
    return render(request, "compliance/walls/crossings.html", {"page": page, "form": CrossingDecisionForm()})


@require_POST
@permission_required("compliance.change_wallcrossing", raise_exception=True)
def crossing_decide(request, crossing_id: int):
    crossing = get_object_or_404(WallCrossing.objects.select_related("user", "account"), pk=crossing_id)
    form = CrossingDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("compliance:crossings")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        crossing = services.crossing_decide(
            crossing=crossing, actor=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("compliance:crossings")
    who, where = crossing.user.get_username(), crossing.account.name
    if approve:
        messages.success(request, f"Approved: {who} may read {where} until {crossing.ends_at:%Y-%m-%d}.")
    else:
        messages.success(request, f"Rejected {who}'s request for access to {where}.")
    return redirect("compliance:crossings")
