import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as exc:
        return f"down: {exc.__class__.__name__}"


def _broker_state() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return "ok"
    except (redis.RedisError, OSError) as exc:
        return f"down: {exc.__class__.__name__}"


@login_not_required
@never_cache
@require_safe
def healthz(request):
    checks = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def home(request):
    """Executives land on the portfolio, account managers on their dashboard, others on the list."""
    user = request.user
    if user.has_perm("accounts.view_portfolio") and user.has_perm("accounts.view_account"):
        return redirect("relationships:dashboard_portfolio")
    if user.has_perm("relationships.add_interaction"):
        return redirect("relationships:dashboard_mine")
    return redirect("accounts:list")
