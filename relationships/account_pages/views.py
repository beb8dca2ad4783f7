import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import imports as account_imports
from accounts import selectors, services
from accounts.forms import (
    AccountContextForm,
    AccountFilterForm,
    AccountForm,
    BusinessForceForm,
    StakeholderForm,
    TeamMemberForm,
)
from accounts.models import AccountContext
from compliance import access_log
from compliance.access import get_account_for_change, get_account_for_user, portfolio_accounts
from kam.lib.csv_import_page import csv_import_page, csv_upload
from kam.lib.forms import call_service
from relationships.interactions import views as interactions
from relationships.plans import views as plans
from relationships.scoring import selectors as scoring

PAGE_SIZE = 25


def _account_for_change(request, account_id, perm: str = "accounts.change_account"):
    return get_account_for_change(request.user, account_id, perm)


def account_list(request):
    filters = AccountFilterForm(request.GET or None)
    accounts = portfolio_accounts(request.user).select_related("segment", "owner")
    accounts = filters.apply(accounts) if filters.is_valid() else accounts.order_by("name", "pk")
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/account_list.html",
        {"page": page, "filters": filters, "query": query.urlencode(), "filtered": bool(query)},
    )


@permission_required("accounts.add_account", raise_exception=True)
def account_create(request):
    form = AccountForm(request.POST or None, initial={"owner": request.user})
    context_form = AccountContextForm(request.POST or None, prefix="context")
    if request.method == "POST" and form.is_valid() and context_form.is_valid():
        account = call_service(
            form,
            services.account_create,
            **form.cleaned_data,
            context=context_form.cleaned_data,
            actor=request.user,
        )
        if account is not None:
            return _after_create(request, account)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "context_form": context_form, "title": "New account"},
    )


def _after_create(request, account):
    if account.owner_id == request.user.pk:
        messages.success(request, f"Account “{account.name}” created. You are its lead.")
        return redirect("accounts:detail", account_id=account.pk)
    lead = account.owner.get_full_name() or account.owner.get_username()
    messages.success(request, f"Account “{account.name}” created with {lead} as its lead.")
    return redirect("accounts:list")


def account_detail(request, account_id: int):
    return account_page(request, get_account_for_user(request.user, account_id))


def account_page(request, account):
    """The account page of `account`, which the caller had from the gateway (compliance/access.py)."""
    context = selectors.account_detail(account)
    context["health"] = scoring.health_panel(account)
    context.update(interactions.account_panel(request, account))
    context.update(plans.account_panel(request, account))
    context.update(
        team_form=TeamMemberForm(),
        force_form=BusinessForceForm(),
        can_edit=request.user.has_perm("accounts.change_account"),
    )
    return render(request, "accounts/account_detail.html", context)


def account_edit(request, account_id: int):
    account = _account_for_change(request, account_id)
    account_context = getattr(account, "context", None) or AccountContext(account=account)
    form = AccountForm(request.POST or None, instance=account)
    context_form = AccountContextForm(request.POST or None, instance=account_context, prefix="context")
    if request.method == "POST" and form.is_valid() and context_form.is_valid():
        with transaction.atomic():
            saved = call_service(form, services.account_update, account=account, **form.cleaned_data)
            if saved is not None:
                services.account_context_update(
                    account=account, actor=request.user, **context_form.cleaned_data
                )
        if saved is not None:
            messages.success(request, "Account saved.")
            return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "context_form": context_form, "account": account, "title": f"Edit {account.name}"},
    )


@require_POST
def team_member_add(request, account_id: int):
    account = _account_for_change(request, account_id, "accounts.add_accountteammember")
    form = TeamMemberForm(request.POST)
    if form.is_valid() and call_service(form, services.team_member_add, account=account, **form.cleaned_data):
        messages.success(request, f"{form.cleaned_data['user'].get_username()} joined the team.")
    else:
        messages.error(request, "Team member not added: " + _first_error(form))
    return redirect("accounts:detail", account_id=account.pk)


def team_member_remove(request, account_id: int, member_id: int):
    account = _account_for_change(request, account_id, "accounts.delete_accountteammember")
    member = get_object_or_404(account.team.select_related("user"), pk=member_id)
    if request.method == "POST":
        try:
            services.team_member_remove(member=member)
            messages.success(request, f"{member.user.get_username()} left the team.")
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Remove {member.user.get_username()} from the team of {account.name}?",
            "cancel_url": account_url(account),
        },
    )


def stakeholder_create(request, account_id: int):
    account = _account_for_change(request, account_id, "accounts.add_stakeholder")
    form = StakeholderForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        stakeholder = call_service(form, services.stakeholder_create, account=account, **form.cleaned_data)
        if stakeholder is not None:
            messages.success(request, f"Stakeholder {stakeholder.name} added.")
            return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "accounts/stakeholder_form.html",
        {"form": form, "account": account, "title": "New stakeholder"},
    )


def stakeholder_edit(request, account_id: int, stakeholder_id: int):
    account = _account_for_change(request, account_id, "accounts.change_stakeholder")
    stakeholder = get_object_or_404(account.stakeholders, pk=stakeholder_id)
    form = StakeholderForm(request.POST or None, instance=stakeholder, account=account)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if call_service(form, services.stakeholder_update, stakeholder=stakeholder, **changes):
            messages.success(request, f"Stakeholder {stakeholder.name} saved.")
            return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "accounts/stakeholder_form.html",
        {"form": form, "account": account, "title": f"Edit {stakeholder.name}"},
    )


def stakeholder_delete(request, account_id: int, stakeholder_id: int):
    account = _account_for_change(request, account_id, "accounts.delete_stakeholder")
    stakeholder = get_object_or_404(account.stakeholders, pk=stakeholder_id)
    if request.method == "POST":
        services.stakeholder_delete(stakeholder=stakeholder)
        messages.success(request, f"Stakeholder {stakeholder.name} deleted.")
        return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Delete stakeholder {stakeholder.name}?",
            "detail": "People who report to them will show no manager.",
            "cancel_url": account_url(account),
        },
    )


def _stakeholders_audit(*, items, context, result, commit: bool) -> None:
    access_log.import_record(
        user=context.actor,
        account_id=context.account.pk,
        object_type="stakeholder_import",
        result=result,
        commit=commit,
    )


# accounts holds the stakeholder rows; the wall's log is a layer above it, so the page adds the audit.
STAKEHOLDER_IMPORT = dataclasses.replace(account_imports.STAKEHOLDERS, audit=_stakeholders_audit)


@csv_upload(STAKEHOLDER_IMPORT)
def stakeholder_import(request, account_id: int):
    """Stakeholders from CSV: a dry run, then the same file again to import every row or none."""
    account = _account_for_change(request, account_id, "accounts.add_stakeholder")
    return csv_import_page(
        request,
        kind=STAKEHOLDER_IMPORT,
        context=account_imports.AccountPeople(account, request.user),
        scope=str(account.pk),
        template="accounts/stakeholder_import.html",
        page={"account": account, "cancel_url": account_url(account)},
        done_url=account_url(account),
        done_message="Imported {count} stakeholders.",
    )


@require_POST
def business_force_add(request, account_id: int):
    account = _account_for_change(request, account_id, "accounts.add_businessforce")
    form = BusinessForceForm(request.POST)
    if form.is_valid() and call_service(
        form, services.business_force_create, account=account, **form.cleaned_data
    ):
        messages.success(request, "Business-environment force added.")
    else:
        messages.error(request, "Force not added: " + _first_error(form))
    return redirect("accounts:detail", account_id=account.pk)


def business_force_delete(request, account_id: int, force_id: int):
    account = _account_for_change(request, account_id, "accounts.delete_businessforce")
    force = get_object_or_404(account.forces, pk=force_id)
    if request.method == "POST":
        services.business_force_delete(force=force)
        messages.success(request, "Force deleted.")
        return redirect("accounts:detail", account_id=account.pk)
    return render(
        request,
        "includes/confirm_delete.html",
        {"title": f"Delete the force “{force.get_kind_display()}”?", "cancel_url": account_url(account)},
    )


def account_url(account) -> str:
    return reverse("accounts:detail", kwargs={"account_id": account.pk})


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        return f"{form[field].label}: {errors[0]}" if field in form.fields else errors[0]
    return "please check the form."
