from django.urls import path

from relationships.revenue import views as revenue

urlpatterns = [
    path("revenue/import/", revenue.revenue_import_page, name="revenue_import"),
]
