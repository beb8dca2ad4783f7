"""`manage.py bench_web` (`make bench-web`): server time of the main pages at portfolio scale.

Creates a throwaway test database through the owner connection (as the test suite does), loads
ACCOUNTS accounts (default 10,000) with a year of daily AccountScore snapshots by generate_series,
then times 50 warm requests per page with the Django test Client and prints

    web: page=NAME p50_ms=X p95_ms=Y queries=Q
"""

import statistics
import time

from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance.commands import SystemCommand
from kam.bench import bench_database

LOAD_SQL = [
    "INSERT INTO accounts_segment (name, description) SELECT 'Bench ' || g, '' FROM generate_series(1, 10) g",
    """INSERT INTO accounts_account (name, segment_id, tier, owner_id, relationship_word, orientation,
           created_at, updated_at)
       SELECT 'Bench account ' || g, (SELECT min(id) FROM accounts_segment) + g %% 10,
           (ARRAY['key','strategic','standard','standard'])[1 + g %% 4],
           CASE WHEN g %% 200 = 0 THEN %(am)s ELSE %(other)s END, 'Partner',
           (ARRAY['partnership','balanced','price_only'])[1 + g %% 3], now(), now()
       FROM generate_series(1, %(accounts)s) g""",
    """INSERT INTO accounts_accountteammember (account_id, user_id, role, joined_at)
       SELECT id, owner_id, 'lead', now() FROM accounts_account WHERE owner_id = %(am)s
       UNION ALL SELECT id, %(exec)s, 'sponsor', now() FROM accounts_account WHERE id %% 20 = 0""",
    # Every insider has acknowledged the wall memo (the account page asks for it otherwise).
    """INSERT INTO compliance_wallacknowledgement (user_id, account_id, acknowledged_at, memo_text)
       SELECT user_id, account_id, now(), 'bench' FROM accounts_accountteammember""",
    """INSERT INTO relationships_scoringrun (scored_on, trigger, status, started_at, chunks_total,
           chunks_done,
           chunks_failed, accounts, segment_retention)
       SELECT current_date - d, 'bench', 'succeeded', now(), 1, 1, 0, %(accounts)s, '{}'
       FROM generate_series(0, 364) d""",
    """INSERT INTO relationships_accountscore (account_id, scored_on, health, band, trend_30d, coverage,
           measure_scores, contributions, in_trouble, retention, retention_source, annual_margin, clv,
           clv_curve,
           computed_at)
       SELECT a.id, current_date - d, h,
           CASE WHEN h >= 70 THEN 'green' WHEN h >= 40 THEN 'amber' ELSE 'red' END,
           0, 1, ARRAY[h,h,h,h,h,h,h]::float8[], ARRAY[h/7,h/7,h/7,h/7,h/7,h/7,h/7]::float8[], false, 0.8,
           'health', 1000 + a.id %% 997 * 50, (1000 + a.id %% 997 * 50) * 3.5 * (1 + d / 1000.0),
           ARRAY[c, 2 * c, 3 * c, 3.5 * c], now()
       FROM generate_series(0, 364) d, accounts_account a,
           LATERAL (SELECT (30 + (a.id * 37 + d) %% 60)::float8 AS h,
               (1000 + a.id %% 997 * 50)::float8 AS c) x
       ORDER BY d DESC, a.id""",
    """INSERT INTO relationships_monthlyrevenue (account_id, month, revenue, margin, updated_at)
       SELECT a.id, (date_trunc('month', current_date) - make_interval(months => m))::date, 10000, 2500, now()
       FROM accounts_account a, generate_series(1, 24) m""",
]


class Command(SystemCommand):
    help = "Time the dashboards, the account list and the account page on 10,000 accounts (not in make test)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument("--keep", action="store_true", help="Keep the bench database (and reuse it).")

    def run(self, *, accounts: int, requests: int, keep: bool, **options) -> None:
        with bench_database("_benchweb", keep=keep, command="bench_web") as load:
            self._run(accounts, requests, load=load)

    def _run(self, accounts: int, requests: int, *, load: bool) -> None:
        from accounts.tests.factories import UserFactory
        from kam.roles import Role
        from relationships.dashboards.services import interaction_mix_refresh

        if not load:
            from django.contrib.auth import get_user_model

            users = get_user_model().objects.in_bulk(["bench_am", "bench_exec"], field_name="username")
            self._pages(users["bench_am"], users["bench_exec"], requests)
            return
        am = UserFactory(username="bench_am", role=Role.ACCOUNT_MANAGER)
        executive = UserFactory(username="bench_exec", role=Role.EXECUTIVE)
        other = UserFactory(username="bench_other", role=Role.ACCOUNT_MANAGER)
        started = time.perf_counter()
        # One transaction, so it carries the system principal past row-level security.
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in LOAD_SQL:
                cursor.execute(
                    sql, {"accounts": accounts, "am": am.pk, "exec": executive.pk, "other": other.pk}
                )
        # As autovacuum would have by now: statistics, and the visibility map for index-only scans.
        with connections["owner"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        interaction_mix_refresh()
        self.stdout.write(
            f"loaded {accounts} accounts x 365 snapshots in {time.perf_counter() - started:.0f}s"
        )
        self._pages(am, executive, requests)

    def _pages(self, am, executive, requests: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM accounts_account WHERE owner_id = %s", [am.pk])
            account_id = cursor.fetchone()[0]
        pages = [
            ("executive_dashboard", executive, reverse("relationships:dashboard_portfolio")),
            (
                "executive_dashboard_key_tier",
                executive,
                reverse("relationships:dashboard_portfolio") + "?tier=key",
            ),
            ("am_dashboard", am, reverse("relationships:dashboard_mine")),
            ("account_list", executive, reverse("accounts:list")),
            ("account_page", am, reverse("accounts:detail", args=[account_id])),
        ]
        for name, user, url in pages:
            self._time(name, user, url, requests)

    def _time(self, name: str, user, url: str, requests: int) -> None:
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(user)
        status = client.get(url).status_code
        if status != 200:
            raise CommandError(f"{url} answered {status}")
        timings = []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        self.stdout.write(
            f"web: page={name} p50_ms={statistics.median(timings):.1f} p95_ms={p95:.1f} "
            f"queries={len(queries.captured_queries)}"
        )
