from django.urls import path

from relationships.interactions import views

ONE = "accounts/<int:account_id>/interactions/<int:interaction_id>/"

urlpatterns = [
    path("my-week/", views.my_week, name="my_week"),
    path("accounts/<int:account_id>/interactions/", views.interaction_list, name="interaction_list"),
    path("accounts/<int:account_id>/interactions/new/", views.interaction_create, name="interaction_create"),
    path(
        "accounts/<int:account_id>/interactions/quick-log/",
        views.interaction_quick_log,
        name="interaction_quick_log",
    ),
    path(
        "accounts/<int:account_id>/interactions/export.csv",
        views.interaction_export,
        name="interaction_export",
    ),
    path(
        "accounts/<int:account_id>/interactions/import/",
        views.interaction_import,
        name="interaction_import",
    ),
    path(ONE, views.interaction_detail, name="interaction_detail"),
    path(f"{ONE}edit/", views.interaction_edit, name="interaction_edit"),
    path(f"{ONE}delete/", views.interaction_delete, name="interaction_delete"),
    path(f"{ONE}follow-ups/add/", views.follow_up_add, name="follow_up_add"),
    path(f"{ONE}follow-ups/<int:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
]
