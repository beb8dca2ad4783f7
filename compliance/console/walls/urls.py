"""The walls half of the compliance console, and wall-crossing requests (compliance/views_walls.py)."""

from django.urls import path

from compliance.console.walls import views

urlpatterns = [
    path("crossings/request/", views.crossing_request, name="crossing_request"),
    path("crossings/mine/", views.my_crossings, name="my_crossings"),
    path("crossings/<int:crossing_id>/withdraw/", views.crossing_withdraw, name="crossing_withdraw"),
    path("crossings/", views.crossings, name="crossings"),
    path("crossings/<int:crossing_id>/decide/", views.crossing_decide, name="crossing_decide"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/<int:exception_id>/revoke/", views.exception_revoke, name="exception_revoke"),
    path("acknowledgements/", views.acknowledgements, name="acknowledgements"),
    path("walls/", views.walls, name="walls"),
    path("walls/<int:account_id>/memo/", views.wall_memo, name="wall_memo"),
]
