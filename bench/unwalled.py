"""The configuration of bench_access's "without the wall" mode: settings and a database session.

Nothing is patched. The mode is made of
- a middleware list: WallMiddleware (one transaction per request as its user, the access log) replaced
  by `bench_urlconf`, which routes the request to bench/urls.py;
- a database session acting as the system principal (compliance/principal.py): a command logs in
  as the system role, and row-level security's policies let the system read every row.

The mode with the wall logs in as the web role (`web_login`), as a production web process does: a
command's system login would step down to the web role and back around every request, two round
trips production never makes.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

from compliance import principal

WALL_MIDDLEWARE = "compliance.middleware.WallMiddleware"
BENCH_URLCONF = "bench.urls"


def bench_urlconf(get_response):
    """Route the request with bench/urls.py (the account page without the gateway)."""

    def middleware(request):
        request.urlconf = BENCH_URLCONF
        return get_response(request)

    return middleware


def middleware_without_wall() -> list[str]:
    bench = f"{__name__}.{bench_urlconf.__name__}"
    return [bench if name == WALL_MIDDLEWARE else name for name in settings.MIDDLEWARE]


@contextlib.contextmanager
def system_session(connection) -> Iterator[None]:
    """`connection` acts as the system principal, in and out of transactions, reconnected or not."""
    # acting_as applies the principal at once and whenever a transaction begins or a connection opens.
    connection.ensure_connection()
    with principal.acting_as(principal.SYSTEM):
        yield


@contextlib.contextmanager
def web_login(alias: str = "default") -> Iterator[None]:
    """Inside the block, `alias` is a connection that logs in as the web role (settings.DATABASE_WEB).

    The connection is kept for the next block (the server's caches stay warm, as in a long-running
    web process); `django.db.connection` looks the alias up on every use.
    """
    global _web_connection
    saved = connections[alias]
    if _web_connection is None:
        login = {key: settings.DATABASE_WEB.get(key) for key in ("USER", "PASSWORD")}
        _web_connection = type(saved)({**saved.settings_dict, **login}, alias=alias)
    connections[alias] = _web_connection
    try:
        yield
    finally:
        connections[alias] = saved


_web_connection = None


def web_connection_close() -> None:
    """Close the web role's connection (before the throwaway database is dropped)."""
    global _web_connection
    if _web_connection is not None:
        _web_connection.close()
        _web_connection = None
