from django.urls import path

from compliance.console.walls import views

urlpatterns = [
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/<int:exception_id>/revoke/", views.exception_revoke, name="exception_revoke"),
    path("acknowledgements/", views.acknowledgements, name="acknowledgements"),
    path("walls/", views.walls, name="walls"),
    path("walls/history/", views.wall_history, name="wall_history"),
    path("walls/<int:account_id>/memo/", views.wall_memo, name="wall_memo"),
]
