"""`manage.py bench_access` (`make bench-access`): what the Chinese wall costs the account page.

Creates a throwaway database through the owner connection (as bench_web does) and loads, by
generate_series, ACCOUNTS accounts (default 10,000) with teams, competitor links, wall memos and
acknowledgements, read history, and the confidential rows an account page shows (stakeholders,
interactions with participants and follow-ups, plans, context, forces, scores); then LOG_ROWS
access-log entries (default 1,000,000), hash-chained in Python and COPYed in by the owner role.

It times the account page of one account manager on their own accounts, server side, in two
interleaved modes:

- with the wall: the normal stack (WallMiddleware, row-level security as the user, the gateway's
  `decide()`, the access-log append and the read-history upsert);
- without it: WallMiddleware removed, the system principal (the policies short-circuit), and
  `get_account_for_user` replaced by a plain team-membership lookup that logs nothing;

and prints the absolute times, then

    access: overhead_p50=X% overhead_p95=Y%

`--profile` (automatic when an overhead is over the 15% target) first prints where the difference
goes: database time per query in each mode, EXPLAIN ANALYZE of the gateway query and of the
row-level-security filtered queries (as the user, then as the system), and the append function.
"""

import contextlib
import datetime
import hashlib
import io
import json
import re
import statistics
import time
from collections import defaultdict
from unittest import mock

from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext, modify_settings
from django.urls import reverse
from django.utils import timezone

from compliance import access_log, principal
from compliance.commands import SystemCommand
from kam.bench import bench_database

TARGET_PERCENT = 15.0
MANAGERS = 200  # account managers; each leads ACCOUNTS / MANAGERS accounts and sits on 3x as many teams
PAGES = 4  # the timed manager's own accounts, requested in turn

# %(ams)s is the managers' ids; manager j leads account a when a % MANAGERS == j and sits on the teams
# of a + 1 and a + 2. Competitors are a + 10, a + 30, a + 50 (same segment), never on a shared team.
LOAD_SQL = [
    "INSERT INTO accounts_segment (name, description) SELECT 'Bench ' || g, '' FROM generate_series(0, 9) g",
    """INSERT INTO accounts_account (id, name, segment_id, tier, owner_id, relationship_word, orientation,
           created_at, updated_at)
       SELECT g, 'Bench account ' || g, (SELECT min(id) FROM accounts_segment) + g %% 10,
           (ARRAY['key','strategic','standard','standard'])[1 + g %% 4], (%(ams)s::int[])[1 + g %% %(n)s],
           'Partner', (ARRAY['partnership','balanced','price_only'])[1 + g %% 3],
           now() - make_interval(days => g %% 900), now()
       FROM generate_series(1, %(accounts)s) g""",
    """INSERT INTO accounts_accountteammember (account_id, user_id, role, joined_at)
       SELECT a.id, (%(ams)s::int[])[1 + (a.id + k) %% %(n)s], CASE k WHEN 0 THEN 'lead' ELSE 'member' END,
           now() - interval '400 days'
       FROM accounts_account a, generate_series(0, 2) k
       UNION ALL SELECT id, %(exec)s, 'sponsor', now() - interval '400 days' FROM accounts_account
       WHERE id %% 20 = 0""",
    """INSERT INTO accounts_competitorlink (account_a_id, account_b_id, segment_id, note, created_at)
       SELECT a.id, a.id + d, a.segment_id, '', now() FROM accounts_account a, unnest(ARRAY[10, 30, 50]) d
       WHERE a.id + d <= %(accounts)s""",
    """INSERT INTO compliance_wallmemo (account_id, text, updated_at)
       SELECT id, 'Wall memo of ' || name || ': ' || repeat('confidential: never shared. ', 5),
           now() - interval '500 days'
       FROM accounts_account""",
    # A current acknowledgement per team member, and last year's expired one.
    """INSERT INTO compliance_wallacknowledgement (user_id, account_id, acknowledged_at, memo_text)
       SELECT m.user_id, m.account_id,
           now() - make_interval(days => (e * 400 + (m.account_id + m.user_id) %% 300)::int), w.text
       FROM accounts_accountteammember m JOIN compliance_wallmemo w USING (account_id),
           generate_series(0, 1) e""",
    # Recent reads of one's own accounts; reads of a competitor long ago (its cooling-off is over).
    """INSERT INTO compliance_readhistory (user_id, account_id, first_read_at, last_read_at, reads)
       SELECT user_id, account_id, now() - interval '500 days',
           now() - make_interval(days => ((account_id + user_id) %% 90)::int, hours => 1),
           1 + account_id %% 40
       FROM accounts_accountteammember
       UNION ALL
       SELECT (%(ams)s::int[])[1 + (id - 10) %% %(n)s], id, now() - interval '600 days',
           now() - make_interval(days => (200 + id %% 200)::int), 3
       FROM accounts_account WHERE id > 10""",
    """INSERT INTO accounts_stakeholder (id, account_id, name, title, reports_to_id, influence, attitude,
           email, phone, notes, relationship_owner_id, last_contact_on, created_at, updated_at)
       SELECT (a.id - 1) * 8 + s, a.id, 'Stakeholder ' || a.id || '-' || s,
           (ARRAY['CEO','CFO','CIO','Head of procurement','Buyer','Engineer','Operations','Legal'])[s],
           CASE WHEN s = 1 THEN NULL ELSE (a.id - 1) * 8 + 1 END, 1 + s %% 4,
           (ARRAY['champion','supporter','neutral','skeptic','blocker'])[1 + (a.id + s) %% 5],
           's' || s || '@account' || a.id || '.example', '+1 555 0100', repeat('Notes on priorities. ', 10),
           a.owner_id, current_date - ((a.id + s) %% 60)::int, now(), now()
       FROM accounts_account a, generate_series(1, 8) s""",
    """INSERT INTO relationships_interaction (id, account_id, occurred_on, channel, category, summary,
           sentiment, effort_hours, work_type, should_have_been_charged, author_id, created_at, updated_at)
       SELECT (a.id - 1) * 20 + i, a.id, current_date - (i * 9 + a.id %% 5)::int,
           (ARRAY['meeting','call','email','visit','qbr','workshop','other'])[1 + (a.id + i) %% 7],
           (ARRAY['relationship','value_adding','firefighting','escalation','unvalued','relationship',
                  'value_adding'])[1 + (a.id * 3 + i) %% 7],
           'Interaction ' || i || ' with account ' || a.id || ': ' || repeat('needs, next steps, ', 8),
           (a.id + i) %% 5 - 2, 1.5, (ARRAY['support','chargeable'])[1 + i %% 2], false,
           (%(ams)s::int[])[1 + (a.id + i %% 3) %% %(n)s], now(), now()
       FROM accounts_account a, generate_series(1, 20) i""",
    """INSERT INTO relationships_interaction_our_participants (interaction_id, user_id)
       SELECT id, author_id FROM relationships_interaction""",
    """INSERT INTO relationships_interaction_their_participants (interaction_id, stakeholder_id)
       SELECT i.id, (i.account_id - 1) * 8 + 1 + (i.id + k * 3) %% 8
       FROM relationships_interaction i, generate_series(0, 1) k""",
    """INSERT INTO relationships_followupaction (description, due_on, done_at, owner_id, interaction_id)
       SELECT 'Follow up ' || i.id, i.occurred_on + 14, CASE WHEN i.id %% 2 = 0 THEN now() END,
           i.author_id, i.id
       FROM relationships_interaction i WHERE i.id %% 20 < 4""",
    """INSERT INTO relationships_accountplan (id, account_id, fiscal_year, customer_goals, our_goals, status,
           review_comment, submitted_at, decided_at, reviewed_at, created_at, updated_at, decided_by_id)
       SELECT (a.id - 1) * 2 + p, a.id, %(year)s + 1 - p, repeat('Grow the business. ', 20),
           repeat('Grow our share. ', 20), CASE p WHEN 1 THEN 'draft' ELSE 'approved' END, '',
           CASE p WHEN 2 THEN now() - interval '300 days' END,
           CASE p WHEN 2 THEN now() - interval '290 days' END,
           now() - make_interval(days => (a.id %% 120)::int), now(), now(), CASE p WHEN 2 THEN %(exec)s END
       FROM accounts_account a, generate_series(1, 2) p""",
    """INSERT INTO relationships_planobjective (id, plan_id, title, measure)
       SELECT (p.id - 1) * 3 + o, p.id, 'Objective ' || o, 'Measure ' || o
       FROM relationships_accountplan p, generate_series(1, 3) o""",
    """INSERT INTO relationships_planaction (plan_id, objective_id, description, due_on, status, percent_done,
           owner_id)
       SELECT p.id, (p.id - 1) * 3 + 1 + x %% 3, 'Action ' || x, current_date + x * 20,
           (ARRAY['not_started','in_progress','done','blocked'])[1 + (p.id + x) %% 4], (p.id + x) * 17 %% 101,
           a.owner_id
       FROM relationships_accountplan p JOIN accounts_account a ON a.id = p.account_id,
           generate_series(1, 6) x""",
    """INSERT INTO accounts_accountcontext (account_id, market_position, other_competitors, strategy_3m,
           strategy_6m, strategy_12m, strategy_18m, updated_at)
       SELECT id, repeat('Leader in its niche. ', 10), 'Others', 'Hold', 'Grow', 'Expand', 'Lead', now()
       FROM accounts_account""",
    """INSERT INTO accounts_businessforce (account_id, kind, impact, description, created_at)
       SELECT a.id, (ARRAY['technology','regulation','customers'])[1 + (a.id + f) %% 3],
           (ARRAY['threat','opportunity','mixed'])[1 + f], 'Force ' || f || ': ' || repeat('pressure. ', 10),
           now()
       FROM accounts_account a, generate_series(0, 1) f""",
    """INSERT INTO relationships_scoringrun (scored_on, trigger, status, started_at, chunks_total,
           chunks_done, chunks_failed, accounts, segment_retention)
       SELECT current_date - d, 'bench', 'succeeded', now(), 1, 1, 0, %(accounts)s, '{}'
       FROM generate_series(0, 30) d""",
    """INSERT INTO relationships_accountscore (account_id, scored_on, health, band, trend_30d, coverage,
           measure_scores, contributions, in_trouble, retention, retention_source, annual_margin, clv,
           clv_curve, computed_at)
       SELECT a.id, current_date - d, h,
           CASE WHEN h >= 70 THEN 'green' WHEN h >= 40 THEN 'amber' ELSE 'red' END,
           0, 1, ARRAY[h,h,h,h,h,h,h]::float8[], ARRAY[h/7,h/7,h/7,h/7,h/7,h/7,h/7]::float8[], false, 0.8,
           'health', c, c * 3.5, ARRAY[c, 2 * c, 3 * c, 3.5 * c], now()
       FROM generate_series(0, 30) d, accounts_account a,
           LATERAL (SELECT (30 + (a.id * 37 + d) %% 60)::float8 AS h,
               (1000 + a.id %% 997 * 50)::float8 AS c) x
       ORDER BY d DESC, a.id""",
    """INSERT INTO relationships_monthlyrevenue (account_id, month, revenue, margin, updated_at)
       SELECT a.id, (date_trunc('month', current_date) - make_interval(months => m))::date, 10000, 2500, now()
       FROM accounts_account a, generate_series(1, 12) m""",
]
# Tables loaded with explicit ids: their identity sequences continue after the last one.
EXPLICIT_IDS = [
    "accounts_account",
    "accounts_stakeholder",
    "relationships_interaction",
    "relationships_accountplan",
    "relationships_planobjective",
]
LOG_COLUMNS = (
    "id, at, user_id, username, account_id, object_type, object_id, action, path, ip, outcome, reason, "
    "prev_hash, hash"
)
WALL_MIDDLEWARE = "compliance.middleware.WallMiddleware"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def plain_account_for_user(user, account_id, **log):
    """The "without the wall" gateway: team membership only, nothing logged, no read history."""
    from accounts.models import Account

    account = (
        Account.objects.select_related("segment", "owner")
        .filter(pk=account_id, team__user_id=user.pk)
        .first()
    )
    if account is None:
        raise Http404("No account found.")
    return account


class QueryTimer:
    """Database time per query shape (an execute_wrapper), and of transaction control, for the profile."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times[label(sql)].append((time.perf_counter() - started) * 1000)

    @contextlib.contextmanager
    def transactions(self, wrapper):
        """Also time BEGIN (with the backend's principal set_config) and COMMIT on `wrapper`."""
        commit, set_autocommit = wrapper._commit, wrapper._set_autocommit

        def timed(name, function):
            def call(*args):
                started = time.perf_counter()
                try:
                    return function(*args)
                finally:
                    self.times[name].append((time.perf_counter() - started) * 1000)

            return call

        wrapper._commit = timed("COMMIT", commit)
        wrapper._set_autocommit = lambda on: (
            set_autocommit(on) if on else timed("BEGIN + set_config(principal)", set_autocommit)(on)
        )
        try:
            yield self
        finally:
            del wrapper._commit, wrapper._set_autocommit


def label(sql: str) -> str:
    sql = re.sub(r"^\s*DECLARE .*? FOR ", "", sql, count=1, flags=re.DOTALL)
    if "compliance_access_log_append" in sql:
        return "access-log append (function)"
    if "INSERT INTO compliance_readhistory" in sql:
        return "read-history upsert"
    if '"cooling_from"' in sql:
        return "gateway decide()"
    match = re.search(r'FROM "(\w+)"', sql)
    table = match.group(1) if match else sql.split()[0]
    if table == "accounts_account" and "accounts_accountteammember" in sql:
        return "accounts_account (plain team lookup)"
    return table


class Command(SystemCommand):
    help = (
        "Overhead of the Chinese wall on the account page (10,000 accounts, 1M log rows; not in make test)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--log-rows", type=int, default=1_000_000)
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per mode.")
        parser.add_argument("--blocks", type=int, default=10, help="Alternating blocks per mode.")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the bench database; reuse a kept one as loaded (any size).",
        )
        parser.add_argument("--profile", action="store_true", help="Show where the overhead goes.")
        parser.add_argument("--verify", action="store_true", help="Verify the whole log chain after loading.")

    def run(self, *, keep: bool, **options) -> None:
        with bench_database("_bench_access", keep=keep, command="bench_access") as load:
            self._run(load=load, **options)

    # Loading. -------------------------------------------------------------------------------------

    def _run(
        self, *, load: bool, accounts: int, log_rows: int, requests: int, blocks: int, **options
    ) -> None:
        from django.contrib.auth import get_user_model

        if load:
            self._load(accounts, log_rows)
        users = get_user_model().objects.in_bulk(["bench_am"], field_name="username")
        if "bench_am" not in users:
            raise CommandError("the kept bench database has no bench_am: drop it or run without --keep")
        if options["verify"]:
            started = time.perf_counter()
            report = access_log.verify_chain()
            self.stdout.write(
                f"verify_chain: ok={report.ok} entries={report.count} problem={report.problem!r} "
                f"in {time.perf_counter() - started:.0f}s"
            )
            if not report.ok:
                raise CommandError(f"the access log chain is broken at entry {report.broken_id}")
        self._bench(users["bench_am"], requests, blocks, options["profile"])

    def _load(self, accounts: int, log_rows: int) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from accounts.tests.factories import UserFactory
        from kam.roles import Role, group_name
        from relationships.plans.services import current_fiscal_year

        started = time.perf_counter()
        am = UserFactory(username="bench_am", role=Role.ACCOUNT_MANAGER)
        executive = UserFactory(username="bench_exec", role=Role.EXECUTIVE)
        user_model = get_user_model()
        others = user_model.objects.bulk_create(
            [
                user_model(
                    username=f"bench_am{k}",
                    first_name=f"Manager {k}",
                    email=f"am{k}@example.com",
                    password="!",  # noqa: S106 - unusable (never logs in)
                )
                for k in range(1, MANAGERS)
            ]
        )
        Group.objects.get(name=group_name(Role.ACCOUNT_MANAGER)).user_set.add(*others)
        params = {
            "ams": [am.pk, *(user.pk for user in others)],
            "n": MANAGERS,
            "exec": executive.pk,
            "accounts": accounts,
            "year": current_fiscal_year(),
        }
        with connections["owner"].cursor() as cursor:
            for sql in LOAD_SQL:
                cursor.execute(sql, params)
            for table in EXPLICIT_IDS:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
                    [table],
                )
        loaded = time.perf_counter()
        self.stdout.write(
            f"loaded {accounts} accounts with teams, walls and confidential rows in {loaded - started:.0f}s"
        )
        usernames = ["bench_am", *(user.username for user in others)]
        self._load_log(log_rows, params["ams"], usernames, accounts)
        self.stdout.write(
            f"loaded {log_rows} access-log rows (chained in Python, COPY) "
            f"in {time.perf_counter() - loaded:.0f}s"
        )
        # As autovacuum would have by now: statistics, and the visibility map for index-only scans.
        with connections["owner"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self._time_append_function()

    def _load_log(self, rows: int, ams: list[int], usernames: list[str], accounts: int) -> None:
        """`rows` entries over the last year, chained exactly as compliance_access_log_append does."""
        per_manager = max(1, accounts // MANAGERS)
        end = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
        start = end - datetime.timedelta(days=365)
        step = datetime.timedelta(days=365) / max(rows, 1)
        previous = access_log.GENESIS
        sep = access_log.SEPARATOR
        cursor_owner = connections["owner"]
        cursor_owner.ensure_connection()
        buffer = io.StringIO()
        with cursor_owner.connection.cursor() as cursor:
            for pk in range(1, rows + 1):
                k = pk * 7919 % MANAGERS
                account = min(accounts, MANAGERS * ((pk // 7) % per_manager) + k) or MANAGERS
                at = (start + step * pk).astimezone(datetime.UTC)
                stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if pk % 20 == 0:  # someone else's account: refused
                    account, outcome = account % accounts + 1, "denied"
                    reason = "not on the account team and no active wall crossing"
                else:
                    outcome, reason = "allowed", "member"
                path = f"/accounts/{account}/"
                ip = f"10.0.{k}.{pk % 250 + 1}"
                fields = [
                    str(pk), stamp, str(ams[k]), usernames[k], str(account), "account", "", "view", path, ip,
                    outcome, reason,
                ]  # fmt: skip
                digest = hashlib.sha256(sep.join([previous, *fields]).encode()).hexdigest()
                buffer.write("\t".join([*fields, previous, digest]))
                buffer.write("\n")
                previous = digest
                if pk % 100_000 == 0 or pk == rows:
                    buffer.seek(0)
                    cursor.copy_expert(f"COPY compliance_accesslogentry ({LOG_COLUMNS}) FROM STDIN", buffer)
                    buffer = io.StringIO()
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('compliance_accesslogentry', 'id'), %s, %s)",
                [max(rows, 1), rows > 0],
            )

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
            cursor.execute("SELECT compliance_access_log_append(%s::jsonb)", [json.dumps([entry] * entries)])
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"append function: {entries} entries in one call {seconds * 1000:.0f} ms "
            f"({seconds / entries * 1e6:.0f} us/entry; 1M would take ~{seconds / entries * 1e6:.0f}s)"
        )

    # Timing. --------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _without_wall(self):
        """Same page, no wall: no WallMiddleware, the system principal, a plain membership gateway."""
        with (
            modify_settings(MIDDLEWARE={"remove": [WALL_MIDDLEWARE]}),
            mock.patch("relationships.account_pages.views.get_account_for_user", plain_account_for_user),
            mock.patch("compliance.access.get_account_for_user", plain_account_for_user),
            principal.acting_as(principal.SYSTEM),
        ):
            # Autocommit statements carry no per-transaction principal: set it for the session.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('kam.principal', 'system', false)")
            try:
                yield
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('kam.principal', '', false)")

    def _mode(self, mode: str):
        return self._without_wall() if mode == "without" else contextlib.nullcontext()

    def _bench(self, am, requests: int, blocks: int, profile: bool) -> None:
        from django.conf import settings

        from accounts.models import AccountTeamMember

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        account_ids = list(
            AccountTeamMember.objects.filter(user=am, role=AccountTeamMember.Role.LEAD)
            .order_by("account_id")
            .values_list("account_id", flat=True)[:PAGES]
        )
        urls = [reverse("accounts:detail", args=[pk]) for pk in account_ids]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_account")
            (n_accounts,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM compliance_accesslogentry")
            (log_rows,) = cursor.fetchone()
        clients = {}
        for mode in ("with", "without"):
            with self._mode(mode):
                clients[mode] = Client()  # its handler loads the middleware on its first request
                clients[mode].force_login(am)
                for url in urls:
                    response = clients[mode].get(url)
                    if response.status_code != 200:
                        raise CommandError(f"{url} answered {response.status_code} {mode} the wall")
        queries = {}
        for mode in ("with", "without"):
            with self._mode(mode), CaptureQueriesContext(connection) as captured:
                clients[mode].get(urls[0])
            queries[mode] = len(captured.captured_queries)
        timings: dict[str, list[float]] = {"with": [], "without": []}
        per_block = max(1, requests // blocks)
        warmup = max(per_block, 20)
        for block in range(-1, blocks):
            order = ("with", "without") if block % 2 == 0 else ("without", "with")
            for mode in order:
                count = warmup if block < 0 else per_block
                client = clients[mode]
                with self._mode(mode):
                    for i in range(count):
                        url = urls[i % len(urls)]
                        started = time.perf_counter()
                        response = client.get(url)
                        elapsed = (time.perf_counter() - started) * 1000
                        if response.status_code != 200:
                            raise CommandError(f"{url} answered {response.status_code} {mode} the wall")
                        if block >= 0:
                            timings[mode].append(elapsed)
        stats = {mode: (statistics.median(t), percentile(t, 0.95)) for mode, t in timings.items()}
        self.stdout.write(f"data: accounts={n_accounts} access_log_rows={log_rows} pages={','.join(urls)}")
        for mode in ("with", "without"):
            p50, p95 = stats[mode]
            self.stdout.write(
                f"mode={mode}_wall requests={len(timings[mode])} p50_ms={p50:.1f} p95_ms={p95:.1f} "
                f"queries={queries[mode]}"
            )
        overhead = [(stats["with"][i] - stats["without"][i]) / stats["without"][i] * 100 for i in (0, 1)]
        if profile or max(overhead) > TARGET_PERCENT:
            self._profile(am, clients, urls, account_ids[0])
        self.stdout.write(f"access: overhead_p50={overhead[0]:.1f}% overhead_p95={overhead[1]:.1f}%")

    # Profile. -------------------------------------------------------------------------------------

    def _profile(self, am, clients, urls, account_id: int, requests: int = 40) -> None:
        from compliance import access

        self.stdout.write(
            f"profile: mean ms per request over {requests} requests per mode (database time by query)"
        )
        means, request_ms = {}, {}
        for mode in ("with", "without"):
            timer = QueryTimer()
            elapsed = []
            with (
                self._mode(mode),
                connection.execute_wrapper(timer),
                timer.transactions(connections["default"]),
            ):
                for i in range(requests):
                    started = time.perf_counter()
                    clients[mode].get(urls[i % len(urls)])
                    elapsed.append((time.perf_counter() - started) * 1000)
            means[mode] = {name: (sum(t) / requests, len(t) / requests) for name, t in timer.times.items()}
            request_ms[mode] = statistics.mean(elapsed)

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
        for name, values in (("all database time", database), ("outside the database", python)):
            self.stdout.write(
                f"profile:   {name:<40} with={values['with']:6.2f}      "
                f"without={values['without']:6.2f}      delta={values['with'] - values['without']:+6.2f}"
            )
        self.stdout.write(
            f"profile:   {'whole request (mean)':<40} with={request_ms['with']:6.2f}      "
            f"without={request_ms['without']:6.2f}      "
            f"delta={request_ms['with'] - request_ms['without']:+6.2f}"
        )
        # The gateway query under EXPLAIN ANALYZE, as the user (as in a request).
        with transaction.atomic(), principal.acting_as(principal.for_user(am)):
            with CaptureQueriesContext(connection) as captured:
                access.decide(am, account_id)
            decide_sql = captured.captured_queries[-1]["sql"]
            self._explain("gateway decide()", decide_sql, show_plan=True)
            transaction.set_rollback(True)
        # The page's queries on confidential tables: as the user (the policies apply), then as the system.
        with CaptureQueriesContext(connection) as page:
            clients["with"].get(urls[0])
        totals = defaultdict(float)
        for query in page.captured_queries:
            sql = re.sub(r"^\s*DECLARE .*? FOR ", "", query["sql"], count=1, flags=re.DOTALL)
            if not sql.lstrip().upper().startswith("SELECT") or "compliance_access_log_append" in sql:
                continue
            as_user = self._explain_as(principal.for_user(am), sql)
            as_system = self._explain_as(principal.SYSTEM, sql)
            totals["user"] += sum(as_user)
            totals["system"] += sum(as_system)
            self.stdout.write(
                f"profile: EXPLAIN ANALYZE {label(sql):<40} as_user={as_user[0]:5.2f}+{as_user[1]:5.2f} ms "
                f"as_system={as_system[0]:5.2f}+{as_system[1]:5.2f} ms (planning+execution)"
            )
        self.stdout.write(
            f"profile: EXPLAIN ANALYZE all the page's SELECTs: as_user={totals['user']:.2f} ms "
            f"as_system={totals['system']:.2f} ms"
        )

    def _explain_as(self, who, sql: str) -> tuple[float, float]:
        with transaction.atomic(), principal.acting_as(who):
            times = self._explain(None, sql)
            transaction.set_rollback(True)
        return times

    def _explain(self, title: str | None, sql: str, *, show_plan: bool = False) -> tuple[float, float]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]

        def timing(name):
            return next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith(name))

        times = timing("Planning Time"), timing("Execution Time")
        if show_plan:
            self.stdout.write(
                f"profile: EXPLAIN ANALYZE {title} (planning {times[0]:.2f} ms, execution {times[1]:.2f} ms):"
            )
            for line in plan:
                self.stdout.write(f"profile:   {line}")
        return times
