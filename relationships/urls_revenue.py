from django.urls import path

from relationships.views import revenue

urlpatterns = [
    path("revenue/import/", revenue.revenue_import_page, name="revenue_import"),
]
