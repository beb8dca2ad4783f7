"""Wall crossings: requests by account teams, decisions by compliance officers."""

from django.urls import path

from compliance.console.crossings import views

urlpatterns = [
    path("crossings/request/", views.crossing_request, name="crossing_request"),
    path("crossings/mine/", views.my_crossings, name="my_crossings"),
    path("crossings/<int:crossing_id>/withdraw/", views.crossing_withdraw, name="crossing_withdraw"),
    path("crossings/", views.crossings, name="crossings"),
    path("crossings/<int:crossing_id>/decide/", views.crossing_decide, name="crossing_decide"),
]
