"""`{% account_score_charts account %}` on the account page: health history and the CLV curve."""

from django import template
from django.urls import reverse

from relationships.dashboards.charts import account_charts

register = template.Library()


@register.inclusion_tag("relationships/includes/chart_account_history.html")
def account_score_charts(account):
    # `account` is the account page's own, already read through compliance/access.py.
    csv_prefix = reverse("relationships:account_chart_csv", kwargs={"account_id": account.pk}) + "?"
    return {"charts": account_charts(account), "csv_prefix": csv_prefix}
