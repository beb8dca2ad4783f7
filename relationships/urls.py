from relationships import urls_alerts, urls_dashboards, urls_interactions, urls_plans, urls_revenue

app_name = "relationships"
urlpatterns = [
    *urls_interactions.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_revenue.urlpatterns,
    *urls_dashboards.urlpatterns,
    *urls_alerts.urlpatterns,
]
