import ipaddress

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


# Headers a reverse proxy adds: a request carrying one came through a proxy, whatever its peer address.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _from_this_machine(request) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return peer.is_loopback and not any(header in request.META for header in FORWARDING_HEADERS)


def _is_operator(request) -> bool:
    try:
        user = request.user
        return user.is_authenticated and (
            user.is_staff or user.is_superuser or user.has_perm("auth.change_user")
        )
    except DatabaseError:  # the database is down: nobody can be recognised
        return False


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """Status for anyone; which component failed, and how, only for operators and this machine."""
    checks = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if _from_this_machine(request) or _is_operator(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)


def home(request):
    """Executives land on the portfolio, account managers on their dashboard, others on the list."""
    user = request.user
    if user.has_perm("accounts.view_portfolio") and user.has_perm("accounts.view_account"):
        return redirect("relationships:dashboard_portfolio")
    if user.has_perm("relationships.add_interaction"):
        return redirect("relationships:dashboard_mine")
    return redirect("accounts:list")
