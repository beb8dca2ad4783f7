from django.urls import path

from relationships.plans import views

PLAN = "accounts/<int:account_id>/plans/<int:plan_id>/"

urlpatterns = [
    path("accounts/<int:account_id>/plans/new/", views.plan_create, name="plan_create"),
    path(PLAN, views.plan_detail, name="plan_detail"),
    path(f"{PLAN}edit/", views.plan_edit, name="plan_edit"),
    path(f"{PLAN}submit/", views.plan_submit, name="plan_submit"),
    path(f"{PLAN}decide/", views.plan_decide, name="plan_decide"),
    path(f"{PLAN}reviewed/", views.plan_mark_reviewed, name="plan_mark_reviewed"),
    path(f"{PLAN}copy/", views.plan_copy, name="plan_copy"),
    path("accounts/<int:account_id>/stakeholder-map/", views.stakeholder_map, name="stakeholder_map"),
]

# One add/edit/delete route per part of the plan, e.g. plan_action_add, plan_action_edit.
for kind in views.KINDS:
    urlpatterns += [
        path(f"{PLAN}{kind}s/new/", views.item_add, {"kind": kind}, name=f"plan_{kind}_add"),
        path(
            f"{PLAN}{kind}s/<int:{kind}_id>/edit/",
            views.item_edit,
            {"kind": kind},
            name=f"plan_{kind}_edit",
        ),
        path(
            f"{PLAN}{kind}s/<int:{kind}_id>/delete/",
            views.item_delete,
            {"kind": kind},
            name=f"plan_{kind}_delete",
        ),
    ]
