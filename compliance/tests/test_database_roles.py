"""The database decides who is the system (docs/security.md; compliance/migrations/0005_database_roles.py).

An attacker holding the web role's SQL (an injection, a leaked DATABASE_URL) is modelled by a real
connection that logs in as the web role. Whatever it sends, it reads nothing confidential without a
user principal the app signed for this very transaction, cannot become the system or the owner,
cannot TRUNCATE, and cannot rewrite the wall's records; every change of those is kept.
"""

import datetime
import importlib
import json
import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg2 import errors

from compliance import principal
from compliance.models import WallChange, WallCrossing, WallException
from compliance.principal import NOBODY, acting_as, for_user
from compliance.services import crossing_request, exception_grant, exception_revoke
from compliance.tests.test_row_level_security import _confidential_data
from kam.roles import Role
from relationships.dashboards.services import interaction_mix_refresh
from relationships.scoring.services import scoring_run_now

POLICY_TABLES_0003 = set(importlib.import_module("compliance.migrations.0003_row_level_security").TABLES)
WALL_RECORDS = ["compliance_wallcrossing", "compliance_wallexception", "compliance_wallacknowledgement"]


def _policy_tables() -> list[str]:
    """Every table with a wall policy, whichever migration made it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_policies WHERE policyname = 'kam_wall' ORDER BY 1")
        return [name for (name,) in cursor.fetchall()]


def _counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names from pg_policies
        counts[table] = cursor.fetchone()[0]
    return counts


class WebRole:
    """A connection that logged in as the web role, as an attacker with its password would."""

    def __init__(self) -> None:
        web = settings.DATABASE_WEB
        self.conn = psycopg2.connect(
            dbname=connection.settings_dict["NAME"],
            user=web["USER"],
            password=web["PASSWORD"] or None,
            host=web["HOST"] or None,
            port=web["PORT"] or None,
        )

    def refused(self, sql: str, params=None) -> bool:
        """Run `sql` in its own transaction; True when PostgreSQL refuses it."""
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(sql, params)
        except psycopg2.DatabaseError:
            return True
        finally:
            self.conn.rollback()
        return False


@pytest.fixture
def world(personas, transactional_db):
    """Committed confidential rows for alice's and bob's accounts (the web role's connection is apart)."""
    _confidential_data(personas.alice_account, personas.alice)
    _confidential_data(personas.bob_account, personas.bob)
    interaction_mix_refresh()
    scoring_run_now(scored_on=timezone.localdate())  # the score's confidential detail
    with connection.cursor() as cursor:
        personas.system_counts = _counts(cursor, _policy_tables())
    return personas


@pytest.fixture
def web(world):
    role = WebRole()
    yield role
    role.conn.close()


# The web role cannot become the system. -----------------------------------------------------------


def test_every_confidential_table_is_seen_here_with_rows_as_the_system(world):
    assert set(world.system_counts) >= POLICY_TABLES_0003
    assert {table for table, count in world.system_counts.items() if count == 0} == set()


def test_setting_the_system_principal_as_the_web_role_reads_nothing(web, world):
    with web.conn.cursor() as cursor:
        cursor.execute("SELECT set_config('kam.principal', 'system', false)")
        seen = _counts(cursor, world.system_counts)
    assert seen == dict.fromkeys(world.system_counts, 0)


def test_the_web_role_cannot_take_the_system_or_owner_role(web):
    system, owner = settings.DATABASE_ROLES["system"], settings.DATABASES["owner"]["USER"]
    for statement in (
        f"SET ROLE {system}",
        f"SET ROLE {owner}",
        f"SET SESSION AUTHORIZATION {system}",
        f"SELECT set_config('role', '{system}', false)",
    ):
        assert web.refused(statement), statement
    with web.conn.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, %s, 'MEMBER'), pg_has_role(current_user, %s, 'MEMBER'), "
            "rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user",
            [system, owner],
        )
        assert cursor.fetchone() == (False, False, False, False, False)


def test_the_policies_never_ask_a_setting_who_the_system_is(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_policies WHERE policyname = 'kam_wall' AND "
            "(qual NOT LIKE '%%compliance_is_system()%%' OR with_check NOT LIKE '%%compliance_is_system()%%' "
            "OR qual LIKE '%%kam.principal%%' OR with_check LIKE '%%kam.principal%%')"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'compliance_insider_account_ids'")
        assert "kam.principal" not in cursor.fetchone()[0]


# A user principal must be proven. ------------------------------------------------------------------


def _claim(cursor, user_id: int, proof: str | None = None) -> str:
    """Claim `user_id` in the open transaction, with `proof` or the app's proof for it; the tag."""
    cursor.execute("SELECT compliance_transaction_tag()")
    (tag,) = cursor.fetchone()
    cursor.execute(
        "SELECT set_config('kam.user_id', %s, true), set_config('kam.user_proof', %s, true)",
        [str(user_id), principal.proof(user_id, tag) if proof is None else proof],
    )
    return tag


def test_claiming_alice_without_her_proof_reads_nothing(web, world):
    alice = world.alice.pk
    with web.conn.cursor() as cursor:
        cursor.execute("SELECT set_config('kam.user_id', %s, false)", [str(alice)])
        assert _counts(cursor, ["relationships_interaction"]) == {"relationships_interaction": 0}
        _claim(cursor, alice, proof="0" * 64)
        assert _counts(cursor, ["relationships_interaction"]) == {"relationships_interaction": 0}
        # A proof made for bob does not open alice's rows either.
        tag = _claim(cursor, world.bob.pk)
        cursor.execute("SELECT set_config('kam.user_id', %s, true)", [str(alice)])
        assert _counts(cursor, ["relationships_interaction"]) == {"relationships_interaction": 0}
    web.conn.rollback()
    # Nor does alice's own proof, replayed in a later transaction.
    with web.conn.cursor() as cursor:
        _claim(cursor, alice, proof=principal.proof(alice, tag))
        assert _counts(cursor, ["relationships_interaction"]) == {"relationships_interaction": 0}
    web.conn.rollback()


def test_alices_proof_for_this_transaction_opens_her_rows_and_only_hers(web, world):
    # The control: with the key the app holds, the same connection does read alice's account.
    with web.conn.cursor() as cursor:
        _claim(cursor, world.alice.pk)
        cursor.execute("SELECT DISTINCT account_id FROM relationships_interaction")
        assert [account for (account,) in cursor.fetchall()] == [world.alice_account.pk]
    web.conn.rollback()


def test_the_key_is_out_of_reach_of_the_web_and_system_roles(web):
    assert web.refused("SELECT * FROM compliance_principalkey")
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT * FROM compliance_principalkey")


def test_the_web_role_cannot_shadow_a_table_with_a_temporary_one(web):
    assert web.refused("CREATE TEMPORARY TABLE accounts_accountteammember (account_id bigint, user_id int)")


# Privileges: no TRUNCATE, no rewriting of wall records. -------------------------------------------


def test_no_truncate_for_the_web_or_system_role_on_any_table(web, world):
    with web.conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND "
            "(has_table_privilege(%s, c.oid, 'TRUNCATE') OR has_table_privilege(%s, c.oid, 'TRUNCATE'))",
            [settings.DATABASE_ROLES["web"], settings.DATABASE_ROLES["system"]],
        )
        assert cursor.fetchall() == []
    assert {table for table in tables if not web.refused(f"TRUNCATE {table} CASCADE")} == set()
    with connection.cursor() as cursor:
        assert _counts(cursor, world.system_counts) == world.system_counts


def test_the_web_role_cannot_update_or_delete_wall_records(web, world, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    crossing_request(user=erin, account=world.alice_account, reason="Joint tender.", days=5)
    exception_grant(user=world.bob, account=world.bob_account, reason="Board seat.", actor=world.dave)
    statements = []
    for table in WALL_RECORDS:
        statements += [f"UPDATE {table} SET user_id = user_id", f"DELETE FROM {table}"]  # noqa: S608
    statements += [
        "DELETE FROM compliance_readhistory",
        "UPDATE compliance_wallchange SET actor_id = NULL",
        "DELETE FROM compliance_wallchange",
        "INSERT INTO compliance_wallchange (at, table_name, record_id, operation, db_role) "
        "VALUES (now(), 'compliance_wallcrossing', 1, 'update', 'x')",
    ]
    assert {sql for sql in statements if not web.refused(sql)} == set()


def test_a_person_inserts_only_their_own_requests(web, world):
    bob, alice_account = world.bob.pk, world.alice_account.pk
    insert = (
        "INSERT INTO compliance_wallcrossing (user_id, account_id, reason, days, status, requested_at, "
        "decision_note, starts_at, ends_at) VALUES (%s, %s, 'x', 5, %s, now(), '', %s, %s)"
    )
    now = timezone.now()
    window = (now, now + datetime.timedelta(days=5))
    with web.conn.cursor() as cursor:
        _claim(cursor, bob)
        cursor.execute("SAVEPOINT s")
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute(insert, [bob, alice_account, "approved", *window])
        cursor.execute("ROLLBACK TO SAVEPOINT s")
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute(insert, [world.carol.pk, alice_account, "requested", None, None])
        cursor.execute("ROLLBACK TO SAVEPOINT s")
        cursor.execute(insert, [bob, alice_account, "requested", None, None])  # his own request: fine
    web.conn.rollback()


def test_a_decision_names_its_actor_from_the_proven_principal(web, world, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    crossing = crossing_request(user=erin, account=world.alice_account, reason="Joint tender.", days=5)
    decide = "SELECT compliance_crossing_decide(%s, %s, true, '', now())"
    with web.conn.cursor() as cursor:
        _claim(cursor, world.bob.pk)
        cursor.execute("SAVEPOINT s")
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute(decide, [crossing.pk, world.dave.pk])  # bob posing as dave
        cursor.execute("ROLLBACK TO SAVEPOINT s")
        with pytest.raises(errors.InsufficientPrivilege):  # erin's own request, by erin
            _claim(cursor, erin.pk)
            cursor.execute(decide, [crossing.pk, erin.pk])
    web.conn.rollback()
    assert web.refused(decide, [crossing.pk, world.dave.pk])  # no principal at all
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.REQUESTED


# Every change is kept, where compliance reads it. -------------------------------------------------


@pytest.mark.django_db
def test_a_crossings_life_is_kept_with_who_when_before_and_after(client, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    client.force_login(erin)
    client.post(
        reverse("compliance:crossing_request"),
        {"account": personas.alice_account.pk, "reason": "Joint tender.", "days": 7},
    )
    crossing = WallCrossing.objects.get(user=erin)
    client.force_login(personas.dave)
    response = client.post(reverse("compliance:crossing_decide", args=[crossing.pk]), {"decision": "approve"})
    assert response.status_code == 302

    changes = list(
        WallChange.objects.filter(table_name="compliance_wallcrossing", record_id=crossing.pk).order_by("id")
    )
    assert [(c.operation, c.actor_id) for c in changes] == [("insert", erin.pk), ("update", personas.dave.pk)]
    decision = changes[1]
    assert decision.before["status"] == "requested" and decision.before["decided_by_id"] is None
    assert decision.after["status"] == "approved" and decision.after["decided_by_id"] == personas.dave.pk
    assert decision.after["ends_at"] is not None
    assert abs(decision.at - timezone.now()) < datetime.timedelta(minutes=5)

    # The compliance console shows it; nobody else sees the history.
    page = client.get(reverse("compliance:wall_history"), {"table": "compliance_wallcrossing"})
    rows = [row for row in page.content.decode().split("<tr>") if f"Crossing {crossing.pk}<" in row]
    assert len(rows) == 2
    assert "<td>update</td>" in rows[0] and "<td>dave</td>" in rows[0]
    assert "<code>status</code>: requested → approved" in rows[0]
    assert "<td>insert</td>" in rows[1] and "<td>erin</td>" in rows[1]
    client.force_login(erin)
    assert client.get(reverse("compliance:wall_history")).status_code == 403


@pytest.mark.django_db
def test_revoking_an_exception_is_kept_and_the_system_is_named_by_its_role(personas):
    exception = exception_grant(
        user=personas.bob, account=personas.bob_account, reason="Board seat.", actor=personas.dave
    )
    exception_revoke(exception=exception, actor=personas.dave)
    change = WallChange.objects.filter(table_name="compliance_wallexception", record_id=exception.pk).first()
    assert change.operation == "update"
    assert (change.before["revoked_at"], change.after["revoked_at"] is not None) == (None, True)
    # Set up as the system (a command would be the same): no user, the login role says who.
    assert (change.actor_id, change.db_role) == (None, settings.DATABASE_ROLES["system"])
    assert WallException.objects.get(pk=exception.pk).revoked_at is not None


# Requests run as the web role; background work as the system role. ---------------------------------


@pytest.mark.django_db
def test_a_user_request_runs_as_the_web_role_and_nobody_sees_nothing(personas):
    with acting_as(for_user(personas.alice)), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, compliance_principal_user_id()")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["web"], personas.alice.pk)
    with acting_as(NOBODY), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, compliance_principal_user_id()")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["web"], None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, compliance_is_system()")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["system"], True)


def test_a_person_outside_a_transaction_is_stepped_down_too(world):
    # Autocommit statements (no atomic) on the system's connection, while a person acts.
    with acting_as(for_user(world.alice)), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, count(*) FROM relationships_interaction")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["web"], 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["system"],)


def test_commands_refuse_to_run_on_the_web_role(monkeypatch, db):
    monkeypatch.setitem(connection.settings_dict, "USER", settings.DATABASE_ROLES["web"])
    with pytest.raises(CommandError, match="KAM_PROCESS=system"):
        call_command("verify_access_log")


@pytest.mark.parametrize("module", ["kam.wsgi", "kam.asgi"])
def test_the_web_app_refuses_to_start_as_the_system(module):
    env = {**os.environ, "KAM_PROCESS": "system", "DJANGO_SETTINGS_MODULE": "kam.settings"}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed module
        [sys.executable, "-c", f"import {module}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "never as the system" in result.stderr


def test_only_the_system_names_who_a_log_entry_is_about(web, world):
    """The append function runs as its owner: the web role, even stepped down to, names nobody."""
    alice = world.alice
    entry = json.dumps([{"user_id": alice.pk, "username": "alice", "action": "view", "outcome": "allowed"}])
    last = "SELECT user_id, username FROM compliance_accesslogentry ORDER BY id DESC LIMIT 1"
    with web.conn.cursor() as cursor:
        cursor.execute("SELECT compliance_access_log_append(%s::jsonb)", [entry])
        cursor.execute(last)
        assert cursor.fetchone() == (None, "")
    web.conn.rollback()
    for acting, expected in [(NOBODY, (None, "")), (principal.SYSTEM, (alice.pk, "alice"))]:
        with transaction.atomic(), acting_as(acting), connection.cursor() as cursor:
            cursor.execute("SELECT compliance_access_log_append(%s::jsonb)", [entry])
            cursor.execute(last)
            assert cursor.fetchone() == expected
            transaction.set_rollback(True)
