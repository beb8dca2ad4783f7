"""Row-level security: the floor under the gateway (compliance/migrations/0003_row_level_security.py).

An unfiltered query on a confidential table, run in a user's transaction, must return only the rows of
accounts the user is an insider of — so a query that forgot its filter returns nothing, not a leak.
The tables are the confidential ones of compliance/classification.py; that RLS is enabled and forced
on each is checked in compliance/tests/test_classification.py.
"""

import datetime
import json
from decimal import Decimal
from functools import reduce
from operator import or_

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.tests.factories import AccountFactory, StakeholderFactory, UserFactory
from compliance.classification import account_paths, confidential_models
from compliance.models import WallCrossing
from compliance.principal import NOBODY, SYSTEM, Principal, acting_as, for_user
from kam.roles import Role
from relationships.dashboards.services import interaction_mix_refresh
from relationships.revenue.services import monthly_revenue_upsert
from relationships.scoring.services import scoring_run_now
from relationships.tests.factories import follow_up, log_interaction
from relationships.tests.plan_factories import full_plan

# Every confidential table, as compliance/classification.py declares them, and its model.
MODELS = {model._meta.db_table: model for model in confidential_models()}
TABLES = list(MODELS)


def _rows(table: str, where: str = "TRUE", params: dict | None = None) -> set[str]:
    """Every row of `table` the current principal sees (as JSON text), with no filter of the app's."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {where}", params or {})  # noqa: S608
        return {row for (row,) in cursor.fetchall()}


def _account_rows(table: str, account) -> set[str]:
    """One account's rows of `table`, found along the classification's path to the account."""
    model = MODELS[table]
    belongs = reduce(or_, (Q(**{path: account}) for path in account_paths(model)))
    columns = [field.column for field in model._meta.pk_fields]  # one, or several for a composite key
    keys = tuple(model._base_manager.filter(belongs).values_list(*(f.attname for f in model._meta.pk_fields)))
    if not keys:
        return set()
    key = ", ".join(f"t.{connection.ops.quote_name(column)}" for column in columns)
    return _rows(table, f"({key}) IN %(keys)s", {"keys": keys})


def _confidential_data(account, author) -> None:
    """One of everything confidential for `account`, written as the system (the test default)."""
    stakeholder = StakeholderFactory(account=account, name=f"Stakeholder of {account.name}")
    log_interaction(
        account,
        author,
        days_ago=3,
        their_participants=[stakeholder],
        follow_ups=[follow_up(author, due_in_days=7)],
    )
    full_plan(account, author)
    monthly_revenue_upsert(
        rows=[(account.pk, datetime.date(2025, 1, 1), Decimal("1000.00"), Decimal("250.00"))]
    )
    account_services.business_force_create(
        account=account, kind="regulation", impact="threat", description=f"New rules for {account.name}"
    )
    account_services.account_context_update(
        account=account, actor=author, market_position=f"{account.name} leads its market"
    )


@pytest.fixture
def world(personas):
    """Confidential rows for alice's account (Northwind) and bob's (Contoso), by table."""
    _confidential_data(personas.alice_account, personas.alice)
    _confidential_data(personas.bob_account, personas.bob)
    interaction_mix_refresh()
    scoring_run_now(scored_on=timezone.localdate())
    alice_rows, bob_rows = {}, {}
    for table in TABLES:
        alice_rows[table] = _account_rows(table, personas.alice_account)
        bob_rows[table] = _account_rows(table, personas.bob_account)
        assert alice_rows[table], f"the test data has no row of {table} for alice's account"
        assert bob_rows[table], f"the test data has no row of {table} for bob's account"
    personas.alice_rows, personas.bob_rows = alice_rows, bob_rows
    return personas


# The app role and the policies. --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_app_role_is_not_superuser_does_not_bypass_rls_and_owns_no_confidential_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        role, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE c.relname = ANY(%s) AND r.rolname = current_user",
            [list(TABLES)],
        )
        owned = [name for (name,) in cursor.fetchall()]
    assert role == connection.settings_dict["USER"]
    assert superuser is False
    assert bypass is False
    assert owned == []


@pytest.mark.django_db
def test_every_confidential_tables_policy_covers_reads_and_writes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, cmd, qual IS NOT NULL, with_check IS NOT NULL FROM pg_policies "
            "WHERE tablename = ANY(%s)",
            [TABLES],
        )
        policies = {name: (cmd, using, check) for name, cmd, using, check in cursor.fetchall()}
    assert {name: policies.get(name) for name in TABLES} == dict.fromkeys(TABLES, ("ALL", True, True))


# The key test: an unfiltered query sees only the user's accounts. ----------------------------------


def test_bob_sees_none_of_alices_rows_in_any_confidential_table(world):
    with acting_as(Principal("user", world.bob.pk)):
        seen = {table: _rows(table) for table in TABLES}
    leaked = {table: len(seen[table] & world.alice_rows[table]) for table in TABLES}
    assert leaked == dict.fromkeys(TABLES, 0)
    # ... while his own account's rows are all there (the policy is not simply "nothing").
    assert {table: world.bob_rows[table] <= seen[table] for table in TABLES} == dict.fromkeys(TABLES, True)


def test_alice_sees_her_rows_and_not_bobs(world):
    with acting_as(Principal("user", world.alice.pk)):
        seen = {table: _rows(table) for table in TABLES}
    assert {table: seen[table] == world.alice_rows[table] for table in TABLES} == dict.fromkeys(TABLES, True)


def test_carol_sponsor_of_alices_account_sees_its_rows(world):
    with acting_as(Principal("user", world.carol.pk)):
        seen = {table: _rows(table) for table in TABLES}
    assert {table: seen[table] == world.alice_rows[table] for table in TABLES} == dict.fromkeys(TABLES, True)


def test_the_system_sees_every_row(world):
    with acting_as(SYSTEM):
        seen = {table: _rows(table) for table in TABLES}
    for table in TABLES:
        assert world.alice_rows[table] | world.bob_rows[table] <= seen[table], table


def test_a_scores_detail_is_walled_while_its_sanitized_snapshot_is_not(world):
    """carol (executive) sponsors alice's account only; dave (compliance) is on no team. Both see the
    sanitized snapshots of every account; the detail (why, the margin) only where they are insiders."""
    accounts = {world.alice_account.pk, world.bob_account.pk}
    seen = {}
    for who in (world.carol, world.dave):
        with acting_as(Principal("user", who.pk)):
            snapshots = _rows("relationships_accountscore")
            details = _rows("relationships_accountscoredetail")
        seen[who.username] = (
            {json.loads(row)["account_id"] for row in snapshots} & accounts,
            {json.loads(row)["account_id"] for row in details},
        )
    assert seen == {
        "carol": (accounts, {world.alice_account.pk}),
        "dave": (accounts, set()),
    }


def test_the_rows_come_back_when_the_principal_is_restored(world):
    with acting_as(Principal("user", world.bob.pk)):
        assert _rows("relationships_interaction") & world.alice_rows["relationships_interaction"] == set()
    # Back to the test's system principal.
    assert world.alice_rows["relationships_interaction"] <= _rows("relationships_interaction")


@pytest.mark.parametrize(
    "who",
    [NOBODY, Principal("user", None), Principal("administrator", None), Principal("System", None)],
    ids=["nobody", "user-without-id", "unknown-kind", "wrong-case-system"],
)
def test_nobody_sees_anything(world, who):
    with acting_as(who):
        seen = {table: len(_rows(table)) for table in TABLES}
    assert seen == dict.fromkeys(TABLES, 0)


def test_an_anonymous_request_user_sees_nothing(world):
    with acting_as(for_user(AnonymousUser())):
        seen = {table: len(_rows(table)) for table in TABLES}
    assert seen == dict.fromkeys(TABLES, 0)


def test_an_inactive_user_sees_nothing_even_on_the_team(world):
    world.alice.is_active = False
    world.alice.save(update_fields=["is_active"])
    with acting_as(for_user(world.alice)):
        seen = {table: len(_rows(table)) for table in TABLES}
    assert seen == dict.fromkeys(TABLES, 0)


# Writes: WITH CHECK and USING. ----------------------------------------------------------------------


def _insert_interaction(account_id: int, author_id: int) -> None:
    """A raw INSERT of an interaction on `account_id` (no gateway, no service: only the policy)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO relationships_interaction
                (account_id, author_id, occurred_on, channel, category, summary, sentiment, effort_hours,
                 work_type, should_have_been_charged, created_at, updated_at)
            VALUES (%s, %s, %s, 'call', 'relationship', 'planted', 0, 0, 'support', false, now(), now())
            """,
            [account_id, author_id, timezone.localdate()],
        )


def test_bob_cannot_insert_into_alices_interactions(world):
    with acting_as(Principal("user", world.bob.pk)):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _insert_interaction(world.alice_account.pk, world.bob.pk)
        # Control: the same statement on his own account goes through.
        _insert_interaction(world.bob_account.pk, world.bob.pk)
    assert (
        _rows(
            "relationships_interaction",
            "summary = 'planted' AND account_id = %(a)s",
            {"a": world.alice_account.pk},
        )
        == set()
    )
    assert (
        len(
            _rows(
                "relationships_interaction",
                "summary = 'planted' AND account_id = %(a)s",
                {"a": world.bob_account.pk},
            )
        )
        == 1
    )


def test_bob_cannot_move_his_interaction_onto_alices_account(world):
    with (
        acting_as(Principal("user", world.bob.pk)),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE relationships_interaction SET account_id = %s WHERE account_id = %s",
            [world.alice_account.pk, world.bob_account.pk],
        )


def test_bob_cannot_update_or_delete_alices_rows(world):
    with acting_as(Principal("user", world.bob.pk)), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_stakeholder SET name = 'defaced' WHERE account_id = %s", [world.alice_account.pk]
        )
        updated = cursor.rowcount
        cursor.execute(
            "DELETE FROM relationships_interaction WHERE account_id = %s", [world.alice_account.pk]
        )
        deleted = cursor.rowcount
    assert (updated, deleted) == (0, 0)
    assert (
        _account_rows("accounts_stakeholder", world.alice_account) == world.alice_rows["accounts_stakeholder"]
    )
    assert (
        _account_rows("relationships_interaction", world.alice_account)
        == world.alice_rows["relationships_interaction"]
    )


# Wall crossings. ------------------------------------------------------------------------------------


def _crossing(user, account, *, starts: datetime.timedelta, ends: datetime.timedelta, status="approved"):
    at = timezone.now()
    return WallCrossing.objects.create(
        user=user,
        account=account,
        reason="due diligence",
        days=30,
        status=status,
        requested_at=at + starts - datetime.timedelta(days=1),
        starts_at=at + starts if status == "approved" else None,
        ends_at=at + ends if status == "approved" else None,
    )


@pytest.fixture
def erin(world):
    return UserFactory(username="erin", role=Role.ACCOUNT_MANAGER)


def _seen_of(user, world) -> dict[str, bool]:
    """Per table: does `user` see every one of alice's rows (True) or none of them (False)?"""
    with acting_as(Principal("user", user.pk)):
        seen = {table: _rows(table) & world.alice_rows[table] for table in TABLES}
    result = {}
    for table, rows in seen.items():
        assert rows in (set(), world.alice_rows[table]), f"{table}: a partial view of the account"
        result[table] = bool(rows)
    return result


def test_an_active_approved_crossing_shows_the_accounts_rows(world, erin):
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)
    _crossing(erin, world.alice_account, starts=-datetime.timedelta(days=1), ends=datetime.timedelta(days=5))
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, True)


def test_an_expired_crossing_shows_nothing(world, erin):
    _crossing(
        erin, world.alice_account, starts=-datetime.timedelta(days=40), ends=-datetime.timedelta(days=10)
    )
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)


def test_a_crossing_not_yet_begun_shows_nothing(world, erin):
    _crossing(erin, world.alice_account, starts=datetime.timedelta(days=2), ends=datetime.timedelta(days=10))
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)


@pytest.mark.parametrize("status", ["requested", "rejected", "withdrawn"])
def test_a_crossing_not_approved_shows_nothing(world, erin, status):
    _crossing(
        erin,
        world.alice_account,
        starts=-datetime.timedelta(days=1),
        ends=datetime.timedelta(days=5),
        status=status,
    )
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)


def test_a_crossing_that_expired_by_update_stops_showing_rows(world, erin):
    crossing = _crossing(
        erin, world.alice_account, starts=-datetime.timedelta(days=3), ends=datetime.timedelta(days=5)
    )
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, True)
    crossing.ends_at = timezone.now() - datetime.timedelta(days=1)
    crossing.save(update_fields=["ends_at"])
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)


def test_a_crossing_into_another_account_does_not_open_this_one(world, erin):
    other = AccountFactory(name="Fabrikam Foods")
    _crossing(erin, other, starts=-datetime.timedelta(days=1), ends=datetime.timedelta(days=5))
    assert _seen_of(erin, world) == dict.fromkeys(TABLES, False)


def test_removing_a_member_from_the_team_closes_the_rows(world):
    member = world.alice_account.team.get(user=world.carol)
    assert _seen_of(world.carol, world) == dict.fromkeys(TABLES, True)
    account_services.team_member_remove(member=member)
    assert _seen_of(world.carol, world) == dict.fromkeys(TABLES, False)


def test_alices_rows_exist_as_json_for_debugging(world):
    # A guard on the helper itself: the JSON rows name alice's account.
    row = json.loads(next(iter(world.alice_rows["relationships_interaction"])))
    assert row["account_id"] == world.alice_account.pk
