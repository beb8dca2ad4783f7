"""Interaction logging: the account-page panel and quick log, the timeline, CSV, and "My week".

Every view starts from the gateway, so an outsider gets 404 before any permission is looked at.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.imports import AccountPeople
from accounts.models import Account
from compliance.access import get_account_for_change, record_list_read
from kam.lib.csv_import_page import csv_import_page, csv_upload
from kam.lib.forms import call_service
from relationships.interactions import imports, selectors, services
from relationships.interactions.forms import (
    FollowUpForm,
    InteractionForm,
    QuickLogForm,
    TimelineFilterForm,
)
from relationships.models import Interaction

PAGE_SIZE = 25
RECENT_ON_PANEL = 5
VIEW_PERM = "relationships.view_interaction"


def _account(request, account_id, perm: str = VIEW_PERM) -> Account:
    return get_account_for_change(request.user, account_id, perm)


def _interaction(account: Account, interaction_id) -> Interaction:
    return get_object_or_404(selectors.interactions_of(account), pk=interaction_id)


def _authored(request, account_id, interaction_id, perm: str) -> tuple[Account, Interaction]:
    """Only the author edits or deletes; the rest of the team gets 403, outsiders 404."""
    account = _account(request, account_id, perm)
    interaction = _interaction(account, interaction_id)
    if interaction.author_id != request.user.pk:
        raise PermissionDenied
    return account, interaction


def timeline_url(account: Account) -> str:
    return reverse("relationships:interaction_list", kwargs={"account_id": account.pk})


# The panel on the account page -----------------------------------------------------------------


def account_panel(request, account, quick_form: QuickLogForm | None = None) -> dict:
    """Context for this part's panel on the account page (templates/relationships/includes/)."""
    if not request.user.has_perm(VIEW_PERM):
        return {}
    can_log = request.user.has_perm("relationships.add_interaction")
    return {
        "relationship_check": selectors.relationship_check(account),
        "recent_interactions": list(selectors.interactions_of(account)[:RECENT_ON_PANEL]),
        "quick_form": (quick_form or QuickLogForm(account=account)) if can_log else None,
        "can_import_stakeholders": request.user.has_perm("accounts.add_stakeholder"),
        "trouble_categories": [str(category) for category in Interaction.TROUBLE],
    }


def _render_panel(request, account, quick_form=None, saved=None):
    context = {"account": account, "saved": saved, **account_panel(request, account, quick_form)}
    return render(request, "relationships/interaction_panel.html", context)


@require_POST
def interaction_quick_log(request, account_id: int):
    """htmx swaps the returned panel in place; without JavaScript this is a plain POST + redirect."""
    account = _account(request, account_id, "relationships.add_interaction")
    form = QuickLogForm(request.POST, account=account)
    interaction = None
    if form.is_valid():
        interaction = call_service(
            form,
            services.interaction_create,
            account=account,
            author=request.user,
            our_participants=[request.user],
            **form.cleaned_data,
        )
    if request.htmx:
        if interaction is None:
            return _render_panel(request, account, quick_form=form)
        return _render_panel(request, account, saved=interaction)
    if interaction is None:
        # No JavaScript: show the errors on a page of their own, keeping what was typed.
        return render(
            request,
            "relationships/interaction_form.html",
            {"form": form, "account": account, "title": "Log an interaction", "quick": True},
        )
    messages.success(request, "Interaction logged.")
    return redirect("accounts:detail", account_id=account.pk)


# Full form, detail, edit, delete ---------------------------------------------------------------


def interaction_create(request, account_id: int):
    account = _account(request, account_id, "relationships.add_interaction")
    form = InteractionForm(
        request.POST or None, account=account, initial={"our_participants": [request.user]}
    )
    if request.method == "POST" and form.is_valid():
        interaction = call_service(
            form, services.interaction_create, account=account, author=request.user, **form.service_kwargs()
        )
        if interaction is not None:
            messages.success(request, "Interaction logged.")
            return redirect(timeline_url(account))
    return render(
        request,
        "relationships/interaction_form.html",
        {"form": form, "account": account, "title": "Log an interaction"},
    )


def interaction_detail(request, account_id: int, interaction_id: int):
    account = _account(request, account_id)
    interaction = _interaction(account, interaction_id)
    can_add = request.user.has_perm("relationships.change_interaction")
    return render(
        request,
        "relationships/interaction_detail.html",
        {
            "account": account,
            "interaction": interaction,
            "is_author": interaction.author_id == request.user.pk,
            "trouble_categories": [str(category) for category in Interaction.TROUBLE],
            "follow_up_form": FollowUpForm(account=account) if can_add else None,
        },
    )


def interaction_edit(request, account_id: int, interaction_id: int):
    account, interaction = _authored(request, account_id, interaction_id, "relationships.change_interaction")
    form = InteractionForm(request.POST or None, instance=interaction, account=account, with_follow_up=False)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        if call_service(
            form, services.interaction_update, interaction=interaction, actor=request.user, **kwargs
        ):
            messages.success(request, "Interaction saved.")
            return redirect(timeline_url(account))
    return render(
        request,
        "relationships/interaction_form.html",
        {"form": form, "account": account, "interaction": interaction, "title": "Edit interaction"},
    )


def interaction_delete(request, account_id: int, interaction_id: int):
    account, interaction = _authored(request, account_id, interaction_id, "relationships.delete_interaction")
    if request.method == "POST":
        services.interaction_delete(interaction=interaction, actor=request.user)
        messages.success(request, "Interaction deleted.")
        return redirect(timeline_url(account))
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Delete the interaction of {interaction.occurred_on:%d %b %Y}?",
            "detail": "Its follow-up actions are deleted with it.",
            "cancel_url": timeline_url(account),
        },
    )


@require_POST
def follow_up_add(request, account_id: int, interaction_id: int):
    account = _account(request, account_id, "relationships.change_interaction")
    interaction = _interaction(account, interaction_id)
    form = FollowUpForm(request.POST, account=account)
    if form.is_valid() and call_service(
        form, services.follow_up_create, interaction=interaction, **form.cleaned_data
    ):
        messages.success(request, "Follow-up action added.")
    else:
        errors = [
            f"{form[f].label if f in form.fields else ''} {e[0]}".strip() for f, e in form.errors.items()
        ]
        messages.error(request, "Follow-up not added: " + "; ".join(errors))
    return redirect(interaction_url(interaction))


@require_POST
def follow_up_done(request, account_id: int, interaction_id: int, follow_up_id: int):
    account = _account(request, account_id, "relationships.change_interaction")
    interaction = _interaction(account, interaction_id)
    follow_up = get_object_or_404(interaction.follow_ups, pk=follow_up_id)
    services.follow_up_complete(follow_up=follow_up)
    messages.success(request, f"“{follow_up.description}” marked done.")
    # Ticking an action off on "My week" returns there; elsewhere, to the interaction.
    if request.POST.get("next") == "my-week":
        return redirect("relationships:my_week")
    return redirect(interaction_url(interaction))


def interaction_url(interaction: Interaction) -> str:
    return reverse(
        "relationships:interaction_detail",
        kwargs={"account_id": interaction.account_id, "interaction_id": interaction.pk},
    )


# Timeline and export ---------------------------------------------------------------------------


def _filtered(request, account):
    filters = TimelineFilterForm(request.GET or None, account=account)
    interactions = selectors.interactions_of(account)
    if filters.is_valid():
        interactions = filters.apply(interactions)
    elif filters.is_bound:
        interactions = interactions.none()
    return filters, interactions


def interaction_list(request, account_id: int):
    account = _account(request, account_id)
    filters, interactions = _filtered(request, account)
    page = Paginator(interactions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "relationships/interaction_list.html",
        {
            "account": account,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "filtered": bool(query),
        },
    )


def interaction_export(request, account_id: int):
    account = _account(request, account_id)
    _, interactions = _filtered(request, account)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"interactions-{account.pk}.csv"  # the id, not the name: the name may not be ASCII
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerows(imports.export_rows(interactions))
    return response


# CSV import: upload → dry run → confirm by sending the same file ---------------------------------


@csv_upload(imports.INTERACTIONS)
def interaction_import(request, account_id: int):
    account = _account(request, account_id, "relationships.add_interaction")
    return csv_import_page(
        request,
        kind=imports.INTERACTIONS,
        context=AccountPeople(account, request.user),
        scope=str(account.pk),
        template="relationships/interaction_import.html",
        page={"account": account, "cancel_url": reverse("accounts:detail", args=[account.pk])},
        done_url=timeline_url(account),
        done_message="Imported {count} interactions.",
    )


# My week ---------------------------------------------------------------------------------------


def _days(request) -> tuple[int, str | None]:
    raw = request.GET.get("days", "30")
    try:
        days = int(raw)
    except ValueError:
        return 30, "“Days” must be a whole number from 1 to 365; showing 30."
    if not 1 <= days <= 365:
        return 30, "“Days” must be from 1 to 365; showing 30."
    return days, None


def my_week(request):
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied
    days, problem = _days(request)
    context = selectors.my_week(request.user, days=days)
    record_list_read(request.user, [account.pk for account in context["accounts"]], object_type="my_week")
    context["days_error"] = problem
    return render(request, "relationships/my_week.html", context)
