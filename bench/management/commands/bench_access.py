"""`manage.py bench_access` (`make bench-access`): what the Chinese wall costs the account page.

Creates a throwaway database through the owner connection (bench/database.py) and loads SCALE x
10,000 accounts with teams, competitor links, wall memos and acknowledgements, read history and the
confidential rows an account page shows (bench/loaders/access.py), then SCALE x 1,000,000 access-log
entries, hash-chained and COPYed in (bench/loaders/access_log.py).

It times the account page of one account manager on their own accounts, server side, with Django's
test client (acceptable here: this app is development only), DEBUG off as in production, in two
interleaved modes that differ by configuration only — nothing is patched:

- with the wall: the site as configured (WallMiddleware: one transaction per request as its user,
  row-level security as the user, the gateway's decision, the access-log append, the read-history
  upsert), on a connection that logs in as the web role, as a production web process does;
- without it (bench/unwalled.py): a client whose middleware list has WallMiddleware replaced by one
  routing to bench/urls.py, where the same page (`account_page`) gets its account from a plain
  team-membership lookup (bench/views.py), on a database session acting as the system principal
  (row-level security's policies let it through), logging nothing;

after checking that both modes render the same page (CSRF tokens aside). It prints the absolute
times, then

    access: overhead_p50=X% overhead_p95=Y%

`--profile` (automatic when an overhead is over the 10% target) first prints where the difference
goes: database time per query in each mode, EXPLAIN ANALYZE of the gateway query and of the page's
queries (as the user, then as the system). The append function is timed after loading.
"""

import contextlib
import json
import re
import statistics
import time

from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import Account, AccountTeamMember
from bench import profile as bench_profile
from bench.database import bench_database, row_count
from bench.loaders.access import portfolio_load
from bench.loaders.access_log import access_log_load
from bench.options import add_scale_argument, scaled
from bench.timing import client_for, percentile, production_like
from bench.unwalled import middleware_without_wall, system_session, web_connection_close, web_login
from bench.users import bench_users, bench_users_create
from compliance import access, access_log, principal
from compliance.commands import SystemCommand
from compliance.models import AccessLogEntry
from kam.roles import Role
from relationships.plans.services import current_fiscal_year

TARGET_PERCENT = 10.0
ACCOUNTS, LOG_ROWS = 10_000, 1_000_000
PAGES = 4  # the timed manager's own accounts, requested in turn
ACCOUNTS_PER_MANAGER, MAX_MANAGERS = 50, 200
# More than the farthest competitor (+50) and the team spread (+2): no one serves two competitors.
MIN_MANAGERS = 60
MODES = ("with", "without")
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')  # masked anew on every render


def managers_for(accounts: int) -> int:
    return min(MAX_MANAGERS, max(MIN_MANAGERS, accounts // ACCOUNTS_PER_MANAGER))


class Command(SystemCommand):
    help = "Overhead of the Chinese wall on the account page (SCALE=1: 10,000 accounts, 1M log rows)."

    def add_arguments(self, parser) -> None:
        add_scale_argument(parser)
        parser.add_argument("--accounts", type=int, help="Accounts to load (default: SCALE x 10,000).")
        parser.add_argument("--log-rows", type=int, help="Access-log rows (default: SCALE x 1,000,000).")
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per mode.")
        parser.add_argument("--blocks", type=int, default=10, help="Alternating blocks per mode.")
        parser.add_argument(
            "--keep", action="store_true", help="Keep the bench database; reuse a kept one as loaded."
        )
        parser.add_argument("--profile", action="store_true", help="Show where the overhead goes.")
        parser.add_argument("--verify", action="store_true", help="Verify the whole log chain after loading.")

    def run(self, *, scale: float, keep: bool, **options) -> None:
        accounts = options["accounts"] or scaled(ACCOUNTS, scale, minimum=MIN_MANAGERS * PAGES)
        log_rows = (
            options["log_rows"] if options["log_rows"] is not None else scaled(LOG_ROWS, scale, minimum=1000)
        )
        with bench_database("_bench_access", keep=keep, command="bench_access") as load:
            if load:
                self._load(accounts, log_rows)
            am = bench_users("bench_am").get("bench_am")
            if am is None:
                raise CommandError("the kept bench database has no bench_am: drop it or run without --keep")
            if options["verify"]:
                self._verify()
            with production_like():
                try:
                    self._bench(am, options["requests"], options["blocks"], options["profile"])
                finally:
                    web_connection_close()  # before the throwaway database is dropped

    # Loading. -------------------------------------------------------------------------------------

    def _load(self, accounts: int, log_rows: int) -> None:
        started = time.perf_counter()
        managers = managers_for(accounts)
        (am,) = bench_users_create(role=Role.ACCOUNT_MANAGER, usernames=["bench_am"])
        (executive,) = bench_users_create(role=Role.EXECUTIVE, usernames=["bench_exec"])
        others = bench_users_create(
            role=Role.ACCOUNT_MANAGER, usernames=[f"bench_am{k}" for k in range(1, managers)]
        )
        ams = [am, *others]
        owner = connections["owner"]
        portfolio_load(
            owner,
            accounts=accounts,
            ams=[u.pk for u in ams],
            executive=executive.pk,
            year=current_fiscal_year(),
        )
        loaded = time.perf_counter()
        self.stdout.write(
            f"loaded {accounts} accounts with teams, walls and confidential rows in {loaded - started:.0f}s"
        )
        access_log_load(
            owner,
            rows=log_rows,
            managers=managers,
            accounts=accounts,
            ams=[u.pk for u in ams],
            usernames=[u.username for u in ams],
        )
        self.stdout.write(
            f"loaded {log_rows} access-log rows (chained in Python, COPY) "
            f"in {time.perf_counter() - loaded:.0f}s"
        )
        # As autovacuum would have by now: statistics, and the visibility map for index-only scans.
        with owner.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self._time_append_function()

    def _time_append_function(self, entries: int = 2000) -> None:
        """The append function itself, as the app role calls it (one call, `entries` entries)."""
        entry = {
            "user_id": None,
            "username": "bench",
            "account_id": None,
            "object_type": "bench",
            "object_id": "",
            "action": "append",
            "path": "",
            "ip": "",
            "outcome": "allowed",
            "reason": "timing the append function",
        }
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {bench_profile.APPEND_FUNCTION}(%s::jsonb)", [json.dumps([entry] * entries)]
            )
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"append function: {entries} entries in one call {seconds * 1000:.0f} ms "
            f"({seconds / entries * 1e6:.0f} us/entry; 1M would take ~{seconds / entries * 1e6:.0f}s)"
        )

    def _verify(self) -> None:
        started = time.perf_counter()
        report = access_log.verify_chain()
        self.stdout.write(
            f"verify_chain: ok={report.ok} entries={report.count} problem={report.problem!r} "
            f"in {time.perf_counter() - started:.0f}s"
        )
        if not report.ok:
            raise CommandError(f"the access log chain is broken at entry {report.broken_id}")

    # Timing. --------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _mode(self, mode: str):
        if mode == "with":
            with web_login():
                yield
            return
        with override_settings(MIDDLEWARE=middleware_without_wall()), system_session(connection):
            yield

    def _bench(self, am, requests: int, blocks: int, profile: bool) -> None:
        account_ids = list(
            AccountTeamMember.objects.filter(user=am, role=AccountTeamMember.Role.LEAD)
            .order_by("account_id")
            .values_list("account_id", flat=True)[:PAGES]
        )
        urls = [reverse("accounts:detail", args=[pk]) for pk in account_ids]
        clients, queries, pages = {}, {}, {}
        for mode in MODES:
            with self._mode(mode):
                clients[mode] = client_for(am)  # its handler loads the middleware on its first request
                for url in urls:
                    self._get(clients[mode], url, mode)
                with CaptureQueriesContext(connection) as captured:
                    pages[mode] = self._get(clients[mode], urls[0], mode).content.decode()
                queries[mode] = len(captured.captured_queries)
        if CSRF_TOKEN.sub("", pages["with"]) != CSRF_TOKEN.sub("", pages["without"]):
            raise CommandError(f"{urls[0]} differs with and without the wall: not the same page")
        timings = self._interleaved(clients, urls, requests, blocks)
        stats = {mode: (statistics.median(t), percentile(t, 0.95)) for mode, t in timings.items()}
        owner = connections["owner"]
        self.stdout.write(
            f"data: accounts={row_count(owner, Account)} access_log_rows={row_count(owner, AccessLogEntry)} "
            f"pages={','.join(urls)}"
        )
        for mode in MODES:
            p50, p95 = stats[mode]
            self.stdout.write(
                f"mode={mode}_wall requests={len(timings[mode])} p50_ms={p50:.1f} p95_ms={p95:.1f} "
                f"queries={queries[mode]}"
            )
        overhead = [(stats["with"][i] - stats["without"][i]) / stats["without"][i] * 100 for i in (0, 1)]
        if profile or max(overhead) > TARGET_PERCENT:
            self._profile(am, clients, urls, account_ids[0])
        self.stdout.write(f"access: overhead_p50={overhead[0]:.1f}% overhead_p95={overhead[1]:.1f}%")

    def _get(self, client, url: str, mode: str):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code} {mode} the wall")
        return response

    def _interleaved(self, clients, urls, requests: int, blocks: int) -> dict[str, list[float]]:
        """Alternating blocks of each mode (after a warm-up block), so drift hits both alike."""
        timings: dict[str, list[float]] = {mode: [] for mode in MODES}
        per_block = max(1, requests // blocks)
        warmup = min(20, max(per_block, requests))
        for block in range(-1, blocks):
            for mode in MODES if block % 2 == 0 else reversed(MODES):
                with self._mode(mode):
                    self._get(clients[mode], urls[0], mode)  # untimed: opens the mode's connection
                    for i in range(warmup if block < 0 else per_block):
                        started = time.perf_counter()
                        self._get(clients[mode], urls[i % len(urls)], mode)
                        if block >= 0:
                            timings[mode].append((time.perf_counter() - started) * 1000)
        return timings

    # Profile. -------------------------------------------------------------------------------------

    def _profile(self, am, clients, urls, account_id: int, requests: int = 40) -> None:
        self.stdout.write(
            f"profile: mean ms per request over {requests} requests per mode (database time by query)"
        )
        means, request_ms = {}, {}
        for mode in MODES:
            timer = bench_profile.QueryTimer()
            elapsed = []
            with self._mode(mode), connection.execute_wrapper(timer), timer.transactions(connection):
                for i in range(requests):
                    started = time.perf_counter()
                    clients[mode].get(urls[i % len(urls)])
                    elapsed.append((time.perf_counter() - started) * 1000)
            means[mode] = {name: (sum(t) / requests, len(t) / requests) for name, t in timer.times.items()}
            request_ms[mode] = statistics.mean(elapsed)
        self._print_means(means, request_ms)
        self._explain_gateway(am, account_id)
        self._explain_page(am, clients["with"], urls[0])

    def _print_means(self, means, request_ms) -> None:
        def delta(name):
            return means["with"].get(name, (0, 0))[0] - means["without"].get(name, (0, 0))[0]

        for name in sorted(set(means["with"]) | set(means["without"]), key=lambda n: -delta(n)):
            with_ms, with_n = means["with"].get(name, (0.0, 0))
            without_ms, without_n = means["without"].get(name, (0.0, 0))
            self.stdout.write(
                f"profile:   {name:<40} with={with_ms:6.2f} ({with_n:.0f}x) without={without_ms:6.2f} "
                f"({without_n:.0f}x) delta={delta(name):+6.2f}"
            )
        database = {mode: sum(ms for ms, _ in means[mode].values()) for mode in means}
        python = {mode: request_ms[mode] - database[mode] for mode in means}
        for name, values in (
            ("all database time", database),
            ("outside the database", python),
            ("whole request (mean)", request_ms),
        ):
            self.stdout.write(
                f"profile:   {name:<40} with={values['with']:6.2f}      "
                f"without={values['without']:6.2f}      delta={values['with'] - values['without']:+6.2f}"
            )

    def _explain_gateway(self, am, account_id: int) -> None:
        """The gateway query under EXPLAIN ANALYZE, as the user (as in a request)."""
        with transaction.atomic(), principal.acting_as(principal.for_user(am)):
            with CaptureQueriesContext(connection) as captured:
                access.decide(am, account_id)
            decide_sql = next(
                query["sql"]
                for query in captured.captured_queries
                if bench_profile.label(query["sql"]) == "gateway decide()"
            )
            (planning, execution), plan = bench_profile.explain(decide_sql)
            transaction.set_rollback(True)
        self.stdout.write(
            f"profile: EXPLAIN ANALYZE gateway decide() "
            f"(planning {planning:.2f} ms, execution {execution:.2f} ms):"
        )
        for line in plan:
            self.stdout.write(f"profile:   {line}")

    def _explain_page(self, am, client, url: str) -> None:
        """The page's SELECTs as the user (the policies apply), then as the system."""
        with CaptureQueriesContext(connection) as page:
            client.get(url)
        totals = {"user": 0.0, "system": 0.0}
        for query in page.captured_queries:
            statement = query["sql"]
            name = bench_profile.label(statement)
            if not statement.lstrip().upper().startswith(("SELECT", "DECLARE")) or "append" in name:
                continue
            as_user = bench_profile.explain_as(principal.for_user(am), statement)
            as_system = bench_profile.explain_as(principal.SYSTEM, statement)
            totals["user"] += sum(as_user)
            totals["system"] += sum(as_system)
            self.stdout.write(
                f"profile: EXPLAIN ANALYZE {name:<40} as_user={as_user[0]:5.2f}+{as_user[1]:5.2f} ms "
                f"as_system={as_system[0]:5.2f}+{as_system[1]:5.2f} ms (planning+execution)"
            )
        self.stdout.write(
            f"profile: EXPLAIN ANALYZE all the page's SELECTs: as_user={totals['user']:.2f} ms "
            f"as_system={totals['system']:.2f} ms"
        )
