"""`{% score_alerts_menu %}`: the signed-in user's unread health alerts, as a badge in the navigation.

The alerts shown are logged (compliance/access.py `record_shown`), one entry per alert.
"""

from django import template

from compliance.access import record_shown, visible_accounts
from relationships.models import ScoreAlert

register = template.Library()
SHOWN = 10


@register.inclusion_tag("relationships/includes/score_alerts_menu.html", takes_context=True)
def score_alerts_menu(context) -> dict:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"alerts": [], "count": 0}
    # Only accounts the user may still read: an alert must not outlive a move off the team.
    unread = ScoreAlert.objects.filter(
        user=user, read_at__isnull=True, account__in=visible_accounts(user)
    ).select_related("account")
    alerts = list(unread.order_by("-created_at")[:SHOWN])
    record_shown(user, [(alert.account_id, alert.pk) for alert in alerts], object_type="score_alert")
    count = len(alerts) if len(alerts) < SHOWN else unread.count()
    return {"alerts": alerts, "count": count, "next_path": context["request"].get_full_path()}
