"""`manage.py bench_web` (`make bench-web`): server time of the main pages at portfolio scale.

Creates a throwaway database through the owner connection (bench/database.py), loads SCALE x 10,000
accounts with a year of daily score snapshots (bench/loaders/web.py), then times warm requests per
page (50 by default) with Django's test client — acceptable here, the bench app being development
only — with DEBUG off as in production, and prints

    web: page=NAME p50_ms=X p95_ms=Y queries=Q

The pages run as they do for users: the full middleware stack, the wall included.
"""

import statistics
import time

from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account
from bench.database import bench_database
from bench.loaders.web import portfolio_load
from bench.options import add_scale_argument, scaled
from bench.timing import client_for, percentile, production_like
from bench.users import bench_users, bench_users_create
from compliance.commands import SystemCommand
from kam.roles import Role
from relationships.dashboards.services import interaction_mix_refresh

ACCOUNTS = 10_000


class Command(SystemCommand):
    help = "Time the dashboards, the account list and the account page (SCALE=1: 10,000 accounts)."

    def add_arguments(self, parser) -> None:
        add_scale_argument(parser)
        parser.add_argument("--accounts", type=int, help="Accounts to load (default: SCALE x 10,000).")
        parser.add_argument("--requests", type=int, default=50, help="Timed requests per page.")
        parser.add_argument("--keep", action="store_true", help="Keep the bench database (and reuse it).")

    def run(self, *, scale: float, accounts: int | None, requests: int, keep: bool, **options) -> None:
        accounts = accounts or scaled(ACCOUNTS, scale, minimum=10)
        with bench_database("_benchweb", keep=keep, command="bench_web") as load:
            if load:
                self._load(accounts)
            users = bench_users("bench_am", "bench_exec")
            if len(users) < 2:
                raise CommandError("the kept bench database has no bench users: run without --keep")
            self._pages(users["bench_am"], users["bench_exec"], requests)

    def _load(self, accounts: int) -> None:
        started = time.perf_counter()
        (am,) = bench_users_create(role=Role.ACCOUNT_MANAGER, usernames=["bench_am"])
        (executive,) = bench_users_create(role=Role.EXECUTIVE, usernames=["bench_exec"])
        (other,) = bench_users_create(role=Role.ACCOUNT_MANAGER, usernames=["bench_other"])
        # One transaction, so it carries the system principal past row-level security.
        with transaction.atomic(), connection.cursor() as cursor:
            portfolio_load(cursor, accounts=accounts, am=am.pk, executive=executive.pk, other=other.pk)
        # As autovacuum would have by now: statistics, and the visibility map for index-only scans.
        with connections["owner"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        interaction_mix_refresh()
        self.stdout.write(
            f"loaded {accounts} accounts x 365 snapshots in {time.perf_counter() - started:.0f}s"
        )

    def _pages(self, am, executive, requests: int) -> None:
        account_id = Account.objects.filter(owner=am).order_by("pk").values_list("pk", flat=True).first()
        portfolio = reverse("relationships:dashboard_portfolio")
        pages = [
            ("executive_dashboard", executive, portfolio),
            ("executive_dashboard_key_tier", executive, portfolio + "?tier=key"),
            ("am_dashboard", am, reverse("relationships:dashboard_mine")),
            ("account_list", executive, reverse("accounts:list")),
            ("account_page", am, reverse("accounts:detail", args=[account_id])),
        ]
        with production_like():
            for name, user, url in pages:
                self._time(name, user, url, requests)

    def _time(self, name: str, user, url: str, requests: int) -> None:
        client = client_for(user)
        status = client.get(url).status_code
        if status != 200:
            raise CommandError(f"{url} answered {status}")
        timings = []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"web: page={name} p50_ms={statistics.median(timings):.1f} "
            f"p95_ms={percentile(timings, 0.95):.1f} queries={len(queries.captured_queries)}"
        )
