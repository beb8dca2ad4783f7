from relationships import urls_interactions, urls_plans

app_name = "relationships"
urlpatterns = [*urls_interactions.urlpatterns, *urls_plans.urlpatterns]
