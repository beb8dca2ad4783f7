from relationships.dashboards import urls as dashboards
from relationships.interactions import urls as interactions
from relationships.plans import urls as plans
from relationships.revenue import urls as revenue
from relationships.scoring import urls as scoring

app_name = "relationships"
urlpatterns = [
    *interactions.urlpatterns,
    *plans.urlpatterns,
    *revenue.urlpatterns,
    *dashboards.urlpatterns,
    *scoring.urlpatterns,
]
