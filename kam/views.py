import ipaddress

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from accounts.signin.middleware import second_factor_passed
from accounts.signin.sessions import session_current
from compliance.middleware import client_ip
from kam.lib import metrics as kam_metrics


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


def _address(text: str):
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client of a server listening on IPv6 arrives as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def _from_metrics_network(request) -> bool:
    """Is the client (as the access log takes it, through TRUSTED_PROXIES) in METRICS_ALLOWED_NETWORKS?

    A request carrying forwarding headers that did not name the client (its peer is no trusted
    proxy, or the proxy wrote no X-Forwarded-For) came from an unknown client: refused, so a reverse
    proxy on an allowed address does not open the metrics to everyone behind it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    client = client_ip(request)
    if client == remote and any(header in request.META for header in FORWARDING_HEADERS):
        return False
    address = _address(client)
    if address is None:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _is_signed_in_operator(request) -> bool:
    """Staff, superusers and administrators, second factor passed, session not lapsed."""
    try:
        return _is_operator(request) and second_factor_passed(request) and session_current(request)
    except DatabaseError:
        return False


@login_not_required
@never_cache
@csrf_exempt  # changes nothing; any method but GET and HEAD answers 404 like a missing page
def metrics(request):
    """Prometheus metrics for the configured networks and signed-in operators; 404 to anyone else."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    if not (_from_metrics_network(request) or _is_signed_in_operator(request)):
        raise Http404
    body, content_type = kam_metrics.exposition()
    return HttpResponse(body, content_type=content_type)


def home(request):
    """Executives land on the portfolio, account managers on their dashboard, others on the list."""
    user = request.user
    if user.has_perm("accounts.view_portfolio") and user.has_perm("accounts.view_account"):
        return redirect("relationships:dashboard_portfolio")
    if user.has_perm("relationships.add_interaction"):
        return redirect("relationships:dashboard_mine")
    return redirect("accounts:list")
