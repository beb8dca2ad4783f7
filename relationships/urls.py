from relationships import urls_interactions, urls_plans, urls_revenue

app_name = "relationships"
urlpatterns = [*urls_interactions.urlpatterns, *urls_plans.urlpatterns, *urls_revenue.urlpatterns]
