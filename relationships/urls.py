from relationships.account_pages import urls as account_pages
from relationships.dashboards import urls as dashboards
from relationships.interactions import urls as interactions
from relationships.plans import urls as plans
from relationships.revenue import urls as revenue
from relationships.scoring import urls as scoring

app_name = "relationships"
urlpatterns = [
    *interactions.urlpatterns,
    *account_pages.stakeholder_import_patterns,
    *plans.urlpatterns,
    *revenue.urlpatterns,
    *dashboards.urlpatterns,
    *scoring.urlpatterns,
]
