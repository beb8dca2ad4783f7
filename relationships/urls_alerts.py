from django.urls import path

from relationships.views import alerts

urlpatterns = [
    path("alerts/read/", alerts.alerts_mark_read, name="alerts_mark_read"),
]
