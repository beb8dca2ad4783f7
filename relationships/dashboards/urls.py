from django.urls import path

from relationships.dashboards import views as dashboards

urlpatterns = [
    path("dashboards/portfolio/", dashboards.portfolio_dashboard, name="dashboard_portfolio"),
    path("dashboards/mine/", dashboards.my_dashboard, name="dashboard_mine"),
    path("accounts/<int:account_id>/charts.csv", dashboards.account_chart_csv, name="account_chart_csv"),
]
