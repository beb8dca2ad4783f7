"""The compliance console's access-log pages (included under /compliance/, namespace "compliance")."""

from django.urls import path

from compliance.console.log import views as views_log

urlpatterns = [
    path("log/", views_log.log_search, name="log"),
    path("log/export/", views_log.log_export, name="log_export"),
    path("log/anomalies/", views_log.log_anomalies, name="log_anomalies"),
    path("log/who-saw/", views_log.who_saw_view, name="who_saw"),
]
