from django.urls import path

from relationships.views import plan_items, plans

PLAN = "accounts/<int:account_id>/plans/<int:plan_id>/"

urlpatterns = [
    path("accounts/<int:account_id>/plans/new/", plans.plan_create, name="plan_create"),
    path(PLAN, plans.plan_detail, name="plan_detail"),
    path(f"{PLAN}edit/", plans.plan_edit, name="plan_edit"),
    path(f"{PLAN}submit/", plans.plan_submit, name="plan_submit"),
    path(f"{PLAN}decide/", plans.plan_decide, name="plan_decide"),
    path(f"{PLAN}reviewed/", plans.plan_mark_reviewed, name="plan_mark_reviewed"),
    path(f"{PLAN}copy/", plans.plan_copy, name="plan_copy"),
    path("accounts/<int:account_id>/stakeholder-map/", plans.stakeholder_map, name="stakeholder_map"),
]

# One add/edit/delete route per part of the plan, e.g. plan_action_add, plan_action_edit.
for kind in plan_items.KINDS:
    urlpatterns += [
        path(f"{PLAN}{kind}s/new/", plan_items.item_add, {"kind": kind}, name=f"plan_{kind}_add"),
        path(
            f"{PLAN}{kind}s/<int:{kind}_id>/edit/",
            plan_items.item_edit,
            {"kind": kind},
            name=f"plan_{kind}_edit",
        ),
        path(
            f"{PLAN}{kind}s/<int:{kind}_id>/delete/",
            plan_items.item_delete,
            {"kind": kind},
            name=f"plan_{kind}_delete",
        ),
    ]
