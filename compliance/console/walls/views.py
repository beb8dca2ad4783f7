"""The walls half of the compliance console, and wall-crossing requests for account teams.

Sanitized data only: account and user names, dates, counts. Writes go through compliance.services;
their ValidationErrors become form errors (call_service) or messages.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from compliance import access, services
from compliance.console.walls import selectors
from compliance.console.walls.forms import (
    CrossingDecisionForm,
    CrossingRequestForm,
    ExceptionGrantForm,
    WallMemoForm,
)
from compliance.models import WallCrossing, WallException, WallMemo
from kam.service_forms import call_service

PAGE_SIZE = 25


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


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
            messages.error(request, _error_text(error))
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
        messages.error(request, _form_errors(form))
        return redirect("compliance:crossings")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        crossing = services.crossing_decide(
            crossing=crossing, actor=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("compliance:crossings")
    who, where = crossing.user.get_username(), crossing.account.name
    if approve:
        messages.success(request, f"Approved: {who} may read {where} until {crossing.ends_at:%Y-%m-%d}.")
    else:
        messages.success(request, f"Rejected {who}'s request for access to {where}.")
    return redirect("compliance:crossings")


# Exceptions. ---------------------------------------------------------------------------------------


@permission_required("compliance.view_wallexception", raise_exception=True)
def exceptions(request):
    form = ExceptionGrantForm(
        request.POST or None,
        users=selectors.exception_users(),
        accounts=selectors.walled_accounts().order_by("name"),
    )
    if request.method == "POST":
        if not request.user.has_perm("compliance.add_wallexception"):
            raise PermissionDenied
        if form.is_valid():
            exception = call_service(form, services.exception_grant, actor=request.user, **form.cleaned_data)
            if exception is not None:
                messages.success(
                    request,
                    f"Recorded an exception: {exception.user.get_username()} on {exception.account.name}.",
                )
                return redirect("compliance:exceptions")
    state = request.GET.get("state", "")
    state = state if state in selectors.EXCEPTION_STATES else ""
    page = Paginator(selectors.exceptions(state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/walls/exceptions.html",
        {
            "form": form,
            "page": page,
            "state": state,
            "states": selectors.EXCEPTION_STATES,
            "query": urlencode({"state": state}) if state else "",
        },
    )


@permission_required("compliance.change_wallexception", raise_exception=True)
def exception_revoke(request, exception_id: int):
    exception = get_object_or_404(WallException.objects.select_related("user", "account"), pk=exception_id)
    if request.method == "POST":
        try:
            services.exception_revoke(exception=exception, actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                f"Revoked the exception of {exception.user.get_username()} on {exception.account.name}.",
            )
        return redirect("compliance:exceptions")
    if exception.revoked_at is not None:
        messages.info(request, "This exception was already revoked.")
        return redirect("compliance:exceptions")
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Revoke the exception of {exception.user.get_username()} on {exception.account.name}?",
            "detail": "The wall applies to them again at once: a conflict will refuse their access.",
            "action": "revoke",
            "cancel_url": reverse("compliance:exceptions"),
        },
    )


# Acknowledgements and attestation. -----------------------------------------------------------------


@permission_required("compliance.view_wallacknowledgement", raise_exception=True)
def acknowledgements(request):
    page = Paginator(selectors.unacknowledged_insiders(), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["status"] = selectors.attestation_status(row["latest"])
        row["name"] = " ".join(part for part in (row["ufirst"], row["ulast"]) if part) or row["uname"]
    recent = selectors.recent_acknowledgements()[:20]
    return render(
        request,
        "compliance/walls/acknowledgements.html",
        {"page": page, "recent": recent, "attestation_days": settings.WALL_ATTESTATION_DAYS},
    )


# Walls overview and memos. -------------------------------------------------------------------------


@permission_required("compliance.view_wallmemo", raise_exception=True)
def walls(request):
    page = Paginator(selectors.walls_overview(), PAGE_SIZE).get_page(request.GET.get("page"))
    names = selectors.competitor_names(account.pk for account in page.object_list)
    for account in page.object_list:
        account.competitor_names = names.get(account.pk, [])
    return render(request, "compliance/walls/walls.html", {"page": page})


@permission_required("compliance.view_wallmemo", raise_exception=True)
def wall_memo(request, account_id: int):
    account = get_object_or_404(Account.objects.only("id", "name"), pk=account_id)
    memo = WallMemo.objects.select_related("updated_by").filter(account=account).first()
    account_memo = services.memo_text(account)
    form = WallMemoForm(request.POST or None, initial={"text": memo.text if memo else ""})
    if request.method == "POST":
        if not request.user.has_perm("compliance.change_wallmemo"):
            raise PermissionDenied
        if form.is_valid():
            saved = call_service(
                form,
                services.wall_memo_update,
                account=account,
                text=form.cleaned_data["text"],
                actor=request.user,
            )
            if saved is not None:
                messages.success(
                    request,
                    f"Saved the wall memo of {account.name}."
                    if saved.text
                    else f"{account.name} uses the default wall memo again.",
                )
                return redirect("compliance:wall_memo", account_id=account.pk)
    return render(
        request,
        "compliance/walls/wall_memo.html",
        {
            "account": account,
            "memo": memo,
            "memo_text": account_memo,
            "form": form,
            "competitors": selectors.competitor_names([account.pk])[account.pk],
        },
    )
