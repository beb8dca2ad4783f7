"""The walls half of the compliance console: exceptions, acknowledgements, walls and their memos.

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

from accounts.models import Account
from compliance import services
from compliance.console.walls import selectors
from compliance.console.walls.forms import ExceptionGrantForm, WallMemoForm
from compliance.models import WallException, WallMemo
from kam.lib.forms import call_service, error_text

PAGE_SIZE = 25


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
            messages.error(request, error_text(error))
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


# The wall's history. -------------------------------------------------------------------------------


@permission_required("compliance.view_wallchange", raise_exception=True)
def wall_history(request):
    table = request.GET.get("table", "")
    table = table if table in selectors.HISTORY_TABLES else ""
    page = Paginator(selectors.wall_changes(table=table), PAGE_SIZE).get_page(request.GET.get("page"))
    for change in page.object_list:
        change.kind = selectors.HISTORY_TABLES.get(change.table_name, change.table_name)
        change.fields = selectors.changed_fields(change)
    return render(
        request,
        "compliance/walls/history.html",
        {
            "page": page,
            "table": table,
            "tables": selectors.HISTORY_TABLES,
            "query": urlencode({"table": table}) if table else "",
        },
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
