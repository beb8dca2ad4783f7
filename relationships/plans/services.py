"""Writes to account plans: create, edit, the approval workflow, review and copy.

Callers pass objects they obtained through the gateway (compliance/access.py).

Rules the plan page states to its users:
- The fiscal year is the calendar year.
- A draft or returned plan is edited by its account team.
- A submitted plan is read-only until an executive sponsor approves or returns it.
- Editing an approved plan returns it to draft with a note, so it must be approved again.
- Copying a plan into a new fiscal year takes objectives, open actions (due dates moved one year
  on, status and percent reset), SWOT, whitespace and joint initiatives. Investments are copied
  only while their benefit still reaches the new year: the cost is history, the benefit is not.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import Account, AccountTeamMember
from kam.lib.text import check_text_limits
from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)

PLAN_FIELDS = ("customer_goals", "our_goals")
CHANGE_PERMISSION = "relationships.change_accountplan"
APPROVE_PERMISSION = "relationships.approve_accountplan"
EDITING_ROLES = (AccountTeamMember.Role.LEAD, AccountTeamMember.Role.MEMBER)


def current_fiscal_year() -> int:
    return timezone.localdate().year


def is_team_editor(account: Account, user) -> bool:
    """Lead or member of the account team with the right to change plans (sponsors review)."""
    return (
        user.has_perm(CHANGE_PERMISSION)
        and account.team.filter(user_id=user.pk, role__in=EDITING_ROLES).exists()
    )


def is_sponsor(account: Account, user) -> bool:
    return (
        user.has_perm(APPROVE_PERMISSION)
        and account.team.filter(user_id=user.pk, role=AccountTeamMember.Role.SPONSOR).exists()
    )


def prepare_edit(*, plan: AccountPlan, actor) -> AccountPlan:
    """Guard every content change: submitted plans are frozen, approved ones go back to draft."""
    if not is_team_editor(plan.account, actor):
        raise ValidationError("Only the account team can change this plan.")
    locked = AccountPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == AccountPlan.Status.SUBMITTED:
        raise ValidationError(
            "This plan is submitted for approval and read-only until the executive sponsor decides."
        )
    if locked.status == AccountPlan.Status.APPROVED:
        who = actor.get_full_name() or actor.get_username()
        plan.status = AccountPlan.Status.DRAFT
        plan.review_comment = (
            f"Edited by {who} on {timezone.localdate():%d %b %Y} after approval; "
            "submit it again for approval."
        )
        plan.save(update_fields=["status", "review_comment", "updated_at"])
    return plan


def _check_year_free(account: Account, fiscal_year: int) -> None:
    if account.plans.filter(fiscal_year=fiscal_year).exists():
        raise ValidationError(
            {"fiscal_year": f"This account already has a plan for FY{fiscal_year}; open that one instead."}
        )


def _save_new_plan(plan: AccountPlan) -> AccountPlan:
    plan.full_clean(exclude=["account"], validate_constraints=False)
    check_text_limits(plan)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:  # a concurrent create of the same year
        raise ValidationError(
            {"fiscal_year": f"This account already has a plan for FY{plan.fiscal_year}."}
        ) from None
    return plan


@transaction.atomic
def plan_create(
    *,
    account: Account,
    actor,
    fiscal_year: int | None = None,
    customer_goals: str = "",
    our_goals: str = "",
) -> AccountPlan:
    if not is_team_editor(account, actor):
        raise ValidationError("Only the account team can create plans for this account.")
    fiscal_year = fiscal_year or current_fiscal_year()
    _check_year_free(account, fiscal_year)
    plan = AccountPlan(
        account=account,
        fiscal_year=fiscal_year,
        customer_goals=customer_goals,
        our_goals=our_goals,
        reviewed_at=timezone.now(),
    )
    return _save_new_plan(plan)


@transaction.atomic
def plan_update(*, plan: AccountPlan, actor, **changes) -> AccountPlan:
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"not plan fields: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(plan, field, value)
    plan.full_clean(exclude=["account"], validate_constraints=False)
    check_text_limits(plan)
    prepare_edit(plan=plan, actor=actor)
    plan.save(update_fields=[*changes, "updated_at"])
    return plan


@transaction.atomic
def plan_submit(*, plan: AccountPlan, actor) -> AccountPlan:
    if not is_team_editor(plan.account, actor):
        raise ValidationError("Only the account team can submit this plan.")
    if plan.status not in (AccountPlan.Status.DRAFT, AccountPlan.Status.RETURNED):
        raise ValidationError(f"A plan that is {plan.get_status_display().lower()} cannot be submitted.")
    plan.status = AccountPlan.Status.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    return plan


def _decide(*, plan: AccountPlan, actor, status: str, comment: str) -> AccountPlan:
    if not is_sponsor(plan.account, actor):
        raise ValidationError("Only an executive sponsor of this account can approve or return its plan.")
    if plan.status != AccountPlan.Status.SUBMITTED:
        raise ValidationError("Only a plan submitted for approval can be approved or returned.")
    plan.status, plan.review_comment = status, comment.strip()
    plan.decided_at, plan.decided_by = timezone.now(), actor
    check_text_limits(plan)
    plan.save(update_fields=["status", "review_comment", "decided_at", "decided_by", "updated_at"])
    return plan


@transaction.atomic
def plan_approve(*, plan: AccountPlan, actor, comment: str = "") -> AccountPlan:
    return _decide(plan=plan, actor=actor, status=AccountPlan.Status.APPROVED, comment=comment)


@transaction.atomic
def plan_return(*, plan: AccountPlan, actor, comment: str) -> AccountPlan:
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say what the team should change: a comment is required."})
    return _decide(plan=plan, actor=actor, status=AccountPlan.Status.RETURNED, comment=comment)


@transaction.atomic
def plan_mark_reviewed(*, plan: AccountPlan, actor) -> AccountPlan:
    """A review changes no content, so it is allowed in every status."""
    if not is_team_editor(plan.account, actor):
        raise ValidationError("Only the account team can mark this plan reviewed.")
    plan.reviewed_at = timezone.now()
    plan.save(update_fields=["reviewed_at", "updated_at"])
    return plan


@transaction.atomic
def plan_copy(*, plan: AccountPlan, actor, fiscal_year: int | None = None) -> AccountPlan:
    """A draft plan for another fiscal year, seeded from `plan` (rules in the module docstring)."""
    if not is_team_editor(plan.account, actor):
        raise ValidationError("Only the account team can copy this plan.")
    fiscal_year = fiscal_year or plan.fiscal_year + 1
    _check_year_free(plan.account, fiscal_year)
    new = _save_new_plan(
        AccountPlan(
            account=plan.account,
            fiscal_year=fiscal_year,
            customer_goals=plan.customer_goals,
            our_goals=plan.our_goals,
            reviewed_at=timezone.now(),
        )
    )
    _copy_children(source=plan, target=new)
    return new


def _copy_children(*, source: AccountPlan, target: AccountPlan) -> None:
    shift = target.fiscal_year - source.fiscal_year
    objective_ids = {}
    for objective in source.objectives.all():
        old_id = objective.pk
        objective.pk, objective.plan = None, target
        objective.save()
        objective_ids[old_id] = objective.pk
    actions = source.actions.exclude(status=PlanAction.Status.DONE)
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=target,
            objective_id=objective_ids.get(action.objective_id),
            description=action.description,
            owner_id=action.owner_id,
            due_on=_shift_years(action.due_on, shift),
            status=PlanAction.Status.NOT_STARTED,
            percent_done=0,
        )
        for action in actions
    )
    for related in ("swot", "whitespace", "initiatives"):
        _clone_all(getattr(source, related).all(), target)
    _clone_all(source.investments.filter(benefit_to_fiscal_year__gte=target.fiscal_year), target)


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def _clone_all(rows, target: AccountPlan) -> None:
    rows = list(rows)
    for row in rows:
        row.pk, row.plan = None, target
    if rows:
        type(rows[0]).objects.bulk_create(rows)


# Writes to the parts of an account plan: objectives, actions, SWOT, whitespace, initiatives,
# investments. Every change goes through `prepare_edit`, which enforces the plan's edit rule.
#
# Action due dates: an action may be due in the past (the team records work that is already late),
# but not before the start of the plan's fiscal year nor after the end of the next one.

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
