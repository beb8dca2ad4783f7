"""Writes to the parts of an account plan: objectives, actions, SWOT, whitespace, initiatives,
investments. Every change goes through `prepare_edit`, which enforces the plan's edit rule.

Action due dates: an action may be due in the past (the team records work that is already late),
but not before the start of the plan's fiscal year nor after the end of the next one.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.services.plans import check_text_limits, prepare_edit

ITEM_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    PlanObjective: ("title", "measure"),
    PlanAction: ("objective", "description", "owner", "due_on", "status", "percent_done"),
    SwotItem: ("kind", "text"),
    WhitespaceCell: ("offering", "business_unit", "state", "competitor", "renewal_on"),
    JointInitiative: ("name", "description", "our_investment", "customer_investment"),
    Investment: (
        "description",
        "cost",
        "cost_fiscal_year",
        "expected_benefit",
        "benefit_from_fiscal_year",
        "benefit_to_fiscal_year",
    ),
}


def _check_action(plan: AccountPlan, action: PlanAction) -> None:
    errors = {}
    if action.percent_done is None or not 0 <= action.percent_done <= 100:
        errors["percent_done"] = "Percent done must be between 0 and 100."
    earliest = datetime.date(plan.fiscal_year, 1, 1)
    latest = datetime.date(plan.fiscal_year + 1, 12, 31)
    if action.due_on and not earliest <= action.due_on <= latest:
        errors["due_on"] = (
            f"An FY{plan.fiscal_year} action must be due between {earliest:%d %b %Y} and {latest:%d %b %Y}."
        )
    if action.owner_id and not plan.account.team.filter(user_id=action.owner_id).exists():
        errors["owner"] = "The owner must be a member of the account team."
    if action.objective_id and action.objective.plan_id != plan.pk:
        errors["objective"] = "The objective must belong to this plan."
    if errors:
        raise ValidationError(errors)
    if action.status == PlanAction.Status.DONE:
        action.percent_done = 100  # done means done, whatever the slider said


def _check_cell(plan: AccountPlan, cell: WhitespaceCell) -> None:
    cell.offering, cell.business_unit = cell.offering.strip(), cell.business_unit.strip()
    clash = plan.whitespace.filter(
        offering__iexact=cell.offering, business_unit__iexact=cell.business_unit
    ).exclude(pk=cell.pk)
    if clash.exists():
        raise ValidationError(
            {"business_unit": f"“{cell.offering}” × “{cell.business_unit}” already has a cell; edit it."}
        )
    if cell.state != WhitespaceCell.State.COMPETITOR:
        cell.competitor, cell.renewal_on = "", None  # only a competitor's cell has these
    elif not cell.competitor.strip():
        raise ValidationError({"competitor": "Name the competitor that holds this business."})


def _check_money(**amounts: Decimal | None) -> None:
    errors = {name: "Must not be negative." for name, value in amounts.items() if value and value < 0}
    if errors:
        raise ValidationError(errors)


def _check_investment(investment: Investment) -> None:
    _check_money(cost=investment.cost, expected_benefit=investment.expected_benefit)
    errors = {}
    if investment.benefit_from_fiscal_year <= investment.cost_fiscal_year:
        errors["benefit_from_fiscal_year"] = (
            f"The benefit must start after the cost year (FY{investment.cost_fiscal_year})."
        )
    if investment.benefit_to_fiscal_year < investment.benefit_from_fiscal_year:
        errors["benefit_to_fiscal_year"] = "The last benefit year cannot come before the first."
    elif investment.benefit_to_fiscal_year - investment.cost_fiscal_year > 10:
        errors["benefit_to_fiscal_year"] = "Plan benefits at most ten years after the cost."
    if errors:
        raise ValidationError(errors)


def _check(plan: AccountPlan, item: models.Model) -> None:
    """The rules of each kind, with clear messages, before the model's own validation."""
    if isinstance(item, PlanAction):
        _check_action(plan, item)
    elif isinstance(item, WhitespaceCell):
        _check_cell(plan, item)
    elif isinstance(item, JointInitiative):
        _check_money(our_investment=item.our_investment, customer_investment=item.customer_investment)
    elif isinstance(item, Investment):
        _check_investment(item)
    check_text_limits(item)
    item.full_clean(exclude=["plan"], validate_unique=False, validate_constraints=False)


def _fields_of(model: type[models.Model], fields: dict) -> None:
    unknown = set(fields) - set(ITEM_FIELDS[model])
    if unknown:
        raise TypeError(f"not {model.__name__} fields: {sorted(unknown)}")


@transaction.atomic
def plan_item_create(*, plan: AccountPlan, actor, model: type[models.Model], **fields) -> models.Model:
    """Add one part of kind `model` to `plan`."""
    _fields_of(model, fields)
    item = model(plan=plan, **fields)
    _check(plan, item)
    prepare_edit(plan=plan, actor=actor)
    item.save()
    return item


@transaction.atomic
def plan_item_update(*, item: models.Model, actor, **changes) -> models.Model:
    _fields_of(type(item), changes)
    for field, value in changes.items():
        setattr(item, field, value)
    _check(item.plan, item)
    prepare_edit(plan=item.plan, actor=actor)
    item.save()
    return item


@transaction.atomic
def plan_item_delete(*, item: models.Model, actor) -> None:
    prepare_edit(plan=item.plan, actor=actor)
    item.delete()
