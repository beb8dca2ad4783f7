"""Add, edit and delete the parts of an account plan, one generic set of views for every kind.

The URL names the kind (objective, action, swot, cell, initiative, investment); each kind says
which form edits it and under which related name the plan holds it.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect, render

from kam.service_forms import call_service
from relationships.forms import plans as plan_forms
from relationships.models import (
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.selectors import plans as selectors
from relationships.services import plan_items as services
from relationships.views.plans import CHANGE, plan_for, plan_url, refuse_if_submitted


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
# Fields a new item's form may take from the query string, e.g. a gap in the whitespace grid.
PREFILL = {"offering", "business_unit", "kind"}


def _render_form(request, plan, form, title: str):
    context = {"form": form, "account": plan.account, "plan": plan, "title": title}
    return render(request, "relationships/plan_form.html", context)


def item_add(request, account_id: int, plan_id: int, kind: str):
    plan = plan_for(request, account_id, plan_id, CHANGE)
    if refused := refuse_if_submitted(request, plan):
        return refused
    spec = KINDS[kind]
    initial = {key: value for key, value in request.GET.items() if key in PREFILL}
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
