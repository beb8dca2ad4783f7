from django.urls import path

from relationships.scoring import views

urlpatterns = [
    path("alerts/read/", views.alerts_mark_read, name="alerts_mark_read"),
]
