"""The configuration of bench_access's "without the wall" mode: settings and a database session.

Nothing is patched. The mode is made of
- a middleware list: WallMiddleware (one transaction per request as its user, the access log) replaced
  by `bench_urlconf`, which routes the request to bench/urls.py;
- a database session acting as the system principal (compliance/principal.py): a command logs in
  as the system role, and row-level security's policies let the system read every row.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings

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
