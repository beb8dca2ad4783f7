from django.urls import path

from relationships.account_pages import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/edit/", views.account_edit, name="edit"),
    path("<int:account_id>/team/add/", views.team_member_add, name="team_add"),
    path("<int:account_id>/team/<int:member_id>/remove/", views.team_member_remove, name="team_remove"),
    path("<int:account_id>/stakeholders/new/", views.stakeholder_create, name="stakeholder_create"),
    path(
        "<int:account_id>/stakeholders/<int:stakeholder_id>/edit/",
        views.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path(
        "<int:account_id>/stakeholders/<int:stakeholder_id>/delete/",
        views.stakeholder_delete,
        name="stakeholder_delete",
    ),
    path("<int:account_id>/forces/add/", views.business_force_add, name="force_add"),
    path("<int:account_id>/forces/<int:force_id>/delete/", views.business_force_delete, name="force_delete"),
]

# Served in the "relationships" namespace (relationships/urls.py): its URL name predates this folder.
stakeholder_import_patterns = [
    path(
        "accounts/<int:account_id>/stakeholders/import/",
        views.stakeholder_import,
        name="stakeholder_import",
    ),
]
