"""Account plans: the account-page panel, the plan page and its workflow, copy, stakeholder map.

Every view starts from the gateway (get_account_for_user): outsiders get 404, insiders without
the permission for a change get 403.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from compliance.access import get_account_for_change, get_account_for_user
from kam.lib.forms import call_service
from relationships.models import (
    STALE_AFTER_DAYS,
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans import forms as plan_forms
from relationships.plans import selectors, services
from relationships.plans.forms import PlanCopyForm, PlanDecisionForm, PlanForm, PlanGoalsForm

VIEW = "relationships.view_accountplan"
ADD = "relationships.add_accountplan"
CHANGE = "relationships.change_accountplan"
APPROVE = "relationships.approve_accountplan"
COPY_RULE = (
    "The copy is a draft with the same goals, objectives, SWOT, whitespace grid and joint initiatives. "
    "Open actions come along with due dates moved on by the difference in years and their status and "
    "percent reset; finished actions stay behind. Investments come along only while their benefit "
    "years reach the new fiscal year."
)


def account_panel(request, account) -> dict:
    """Context for this part's panel on the account page (templates/relationships/includes/)."""
    if not request.user.has_perm(VIEW):
        return {"plan_summaries": None}
    return {
        "plan_summaries": selectors.plan_summaries(account),
        "can_add_plan": request.user.has_perm(ADD),
        "stale_after_days": STALE_AFTER_DAYS,
    }


def plan_for(request, account_id: int, plan_id: int, perm: str = VIEW) -> AccountPlan:
    """The plan, if the user is an insider (else 404) holding `perm` (else 403)."""
    return selectors.plan_of(get_account_for_change(request.user, account_id, perm), plan_id)


def refuse_if_submitted(request, plan: AccountPlan) -> HttpResponse | None:
    """A submitted plan is read-only: send editors back to the plan page with the reason."""
    if plan.status != AccountPlan.Status.SUBMITTED:
        return None
    messages.error(request, "This plan is submitted for approval and read-only until the sponsor decides.")
    return redirect(plan_url(plan))


def plan_url(plan: AccountPlan) -> str:
    return reverse("relationships:plan_detail", kwargs={"account_id": plan.account_id, "plan_id": plan.pk})


def plan_create(request, account_id: int):
    account = get_account_for_change(request.user, account_id, ADD)
    form = PlanForm(request.POST or None, initial={"fiscal_year": services.current_fiscal_year()})
    if request.method == "POST" and form.is_valid():
        plan = call_service(
            form, services.plan_create, account=account, actor=request.user, **form.cleaned_data
        )
        if plan is not None:
            messages.success(request, f"Plan for FY{plan.fiscal_year} created as a draft.")
            return redirect(plan_url(plan))
    return render(
        request,
        "relationships/plan_form.html",
        {"form": form, "account": account, "title": "New account plan"},
    )


def plan_detail(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id)
    user = request.user
    context = selectors.plan_detail(plan)
    context.update(
        account=plan.account,
        can_change=user.has_perm(CHANGE) and services.is_team_editor(plan.account, user),
        can_decide=plan.status == AccountPlan.Status.SUBMITTED and services.is_sponsor(plan.account, user),
        decision_form=PlanDecisionForm(),
        stale_after_days=STALE_AFTER_DAYS,
    )
    context["can_edit_content"] = context["can_change"] and plan.status != AccountPlan.Status.SUBMITTED
    return render(request, "relationships/plan_detail.html", context)


def plan_edit(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    if refused := refuse_if_submitted(request, plan):
        return refused
    form = PlanGoalsForm(request.POST or None, instance=plan)
    saved = request.method == "POST" and form.is_valid()
    if saved and call_service(form, services.plan_update, plan=plan, actor=request.user, **form.cleaned_data):
        messages.success(request, "Plan saved.")
        return redirect(plan_url(plan))
    title = f"Goals of the FY{plan.fiscal_year} plan"
    return render(
        request,
        "relationships/plan_form.html",
        {"form": form, "account": plan.account, "plan": plan, "title": title},
    )


def _run(request, plan: AccountPlan, service, success: str, **kwargs) -> HttpResponse:
    """Run a workflow service and report its outcome as a message on the plan page."""
    try:
        service(plan=plan, actor=request.user, **kwargs)
        messages.success(request, success)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(plan_url(plan))


@require_POST
def plan_submit(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    return _run(request, plan, services.plan_submit, "Plan submitted to the executive sponsor for approval.")


@require_POST
def plan_decide(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id, APPROVE)
    form = PlanDecisionForm(request.POST)
    if not form.is_valid():
        problem = "the comment is too long" if "comment" in form.errors else "choose approve or return"
        messages.error(request, f"No decision recorded: {problem}.")
        return redirect(plan_url(plan))
    comment = form.cleaned_data["comment"]
    if form.cleaned_data["decision"] == "approve":
        return _run(request, plan, services.plan_approve, "Plan approved.", comment=comment)
    return _run(request, plan, services.plan_return, "Plan returned to the team.", comment=comment)


@require_POST
def plan_mark_reviewed(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    return _run(request, plan, services.plan_mark_reviewed, "Plan marked as reviewed today.")


def plan_copy(request, account_id: int, plan_id: int):
    plan = plan_for(request, account_id, plan_id, ADD)
    form = PlanCopyForm(request.POST or None, initial={"fiscal_year": plan.fiscal_year + 1})
    if request.method == "POST" and form.is_valid():
        new = call_service(form, services.plan_copy, plan=plan, actor=request.user, **form.cleaned_data)
        if new is not None:
            messages.success(request, f"FY{plan.fiscal_year} copied into a draft for FY{new.fiscal_year}.")
            return redirect(plan_url(new))
    title = f"Copy the FY{plan.fiscal_year} plan into a new fiscal year"
    return render(
        request,
        "relationships/plan_form.html",
        {
            "form": form,
            "account": plan.account,
            "plan": plan,
            "title": title,
            "intro": COPY_RULE,
            "submit_label": "Copy plan",
        },
    )


def stakeholder_map(request, account_id: int):
    account = get_account_for_user(request.user, account_id)
    context = selectors.stakeholder_map_of(account)
    context["account"] = account
    return render(request, "relationships/stakeholder_map.html", context)


# Add, edit and delete the parts of an account plan, one generic set of views for every kind.
#
# The URL names the kind (objective, action, swot, cell, initiative, investment); each kind says
# which form edits it and under which related name the plan holds it.


@dataclass(frozen=True)
class ItemKind:
    model: type[models.Model]
    form: type[forms.ModelForm]
    related_name: str
    label: str
    needs_plan: bool = False  # the form's choices depend on the plan

    def make_form(self, plan, *args, **kwargs) -> forms.ModelForm:
        if self.needs_plan:
            kwargs["plan"] = plan
        return self.form(*args, **kwargs)


KINDS: dict[str, ItemKind] = {
    "objective": ItemKind(PlanObjective, plan_forms.ObjectiveForm, "objectives", "objective"),
    "action": ItemKind(PlanAction, plan_forms.ActionForm, "actions", "action", needs_plan=True),
    "swot": ItemKind(SwotItem, plan_forms.SwotForm, "swot", "SWOT item"),
    "cell": ItemKind(WhitespaceCell, plan_forms.WhitespaceCellForm, "whitespace", "whitespace cell"),
    "initiative": ItemKind(JointInitiative, plan_forms.InitiativeForm, "initiatives", "joint initiative"),
    "investment": ItemKind(Investment, plan_forms.InvestmentForm, "investments", "investment"),
}
# Fields a new item's form may take from the query string (a SWOT quadrant's kind); a gap in the
# whitespace grid names its offering and unit by cell ids (selectors.whitespace_prefill).
PREFILL = {"kind"}


def _render_form(request, plan, form, title: str):
    context = {"form": form, "account": plan.account, "plan": plan, "title": title}
    return render(request, "relationships/plan_form.html", context)


def item_add(request, account_id: int, plan_id: int, kind: str):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    if refused := refuse_if_submitted(request, plan):
        return refused
    spec = KINDS[kind]
    initial = {key: value for key, value in request.GET.items() if key in PREFILL}
    if kind == "cell":
        initial.update(selectors.whitespace_prefill(plan, request.GET))
    form = spec.make_form(plan, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = call_service(
            form,
            services.plan_item_create,
            plan=plan,
            actor=request.user,
            model=spec.model,
            **form.cleaned_data,
        )
        if item is not None:
            messages.success(request, f"{spec.label.capitalize()} added.")
            return redirect(plan_url(plan) + f"#{spec.related_name}")
    return _render_form(request, plan, form, f"Add a {spec.label} to the FY{plan.fiscal_year} plan")


def item_edit(request, account_id: int, plan_id: int, kind: str, **ids: int):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    if refused := refuse_if_submitted(request, plan):
        return refused
    spec = KINDS[kind]
    item = selectors.plan_item_of(plan, spec.related_name, ids[f"{kind}_id"])
    form = spec.make_form(plan, request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if call_service(form, services.plan_item_update, item=item, actor=request.user, **changes):
            messages.success(request, f"{spec.label.capitalize()} saved.")
            return redirect(plan_url(plan) + f"#{spec.related_name}")
    return _render_form(request, plan, form, f"Edit {spec.label}")


def item_delete(request, account_id: int, plan_id: int, kind: str, **ids: int):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    if refused := refuse_if_submitted(request, plan):
        return refused
    spec = KINDS[kind]
    item = selectors.plan_item_of(plan, spec.related_name, ids[f"{kind}_id"])
    if request.method == "POST":
        try:
            services.plan_item_delete(item=item, actor=request.user)
            messages.success(request, f"{spec.label.capitalize()} deleted.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(plan_url(plan) + f"#{spec.related_name}")
    return render(
        request,
        "includes/confirm_delete.html",
        {"title": f"Delete the {spec.label} “{item}”?", "cancel_url": plan_url(plan)},
    )
