"""The access log is append-only and hash-chained (docs/architecture.md, rule 6), and every request leaves it.

The app role may only SELECT the table and append through `compliance_access_log_append`; a trigger
refuses UPDATE, DELETE and TRUNCATE for every role, the owner included.
"""

import datetime
import hashlib
import itertools
import re

import psycopg2
import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import BusinessForce
from accounts.services import business_force_create
from compliance import access_log
from compliance.models import AccessLogEntry, ReadHistory

TABLE = "compliance_accesslogentry"


def _entry(**fields) -> dict:
    entry = {
        "user_id": 7,
        "username": "auditor-test",
        "account_id": 42,
        "object_type": "account",
        "object_id": "42",
        "action": "view",
        "path": "/accounts/42/",
        "ip": "10.0.0.1",
        "outcome": "allowed",
        "reason": "member",
    }
    entry.update(fields)
    return entry


# The app role: privileges. ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE compliance_accesslogentry SET reason = 'edited'",
        "DELETE FROM compliance_accesslogentry",
        "TRUNCATE compliance_accesslogentry",
        "INSERT INTO compliance_accesslogentry (at, username, object_type, object_id, action, path, ip, "
        "outcome, reason, prev_hash, hash) "
        "VALUES (now(), 'x', 'account', '', 'view', '', '', 'allowed', '', '', '')",
        "ALTER TABLE compliance_accesslogentry DISABLE TRIGGER compliance_accesslog_no_update_delete",
        "SELECT nextval(pg_get_serial_sequence('compliance_accesslogentry', 'id'))",
    ],
    ids=["update", "delete", "truncate", "insert", "disable-trigger", "take-an-id"],
)
def test_the_app_role_cannot_change_the_log_except_by_appending(statement):
    access_log.write([_entry()], {})
    before = list(AccessLogEntry.objects.values_list("id", "hash", "reason"))
    with (
        pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert list(AccessLogEntry.objects.values_list("id", "hash", "reason")) == before


@pytest.mark.django_db
def test_the_app_role_may_read_the_log():
    access_log.write([_entry(reason="readable")], {})
    assert AccessLogEntry.objects.filter(reason="readable").count() == 1


# The owner role: the trigger. ----------------------------------------------------------------------


@pytest.fixture
def owner_cursor(db):
    """A cursor of the owner role on the *test* database, in a transaction rolled back at the end.

    The test's own transaction must not have touched the log (it would hold locks the owner waits on).
    """
    owner = connections["owner"].settings_dict
    conn = psycopg2.connect(
        dbname=connections["default"].settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == owner["USER"]
            cursor.execute(
                "SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE c.relname = 'compliance_accesslogentry'"
            )
            assert cursor.fetchone()[0] == owner["USER"], "the owner connection must be the table's owner"
            # A row for UPDATE and DELETE to act on (row triggers fire only on rows).
            cursor.execute(
                "INSERT INTO compliance_accesslogentry (at, username, object_type, object_id, action, path, "
                "ip, outcome, reason, "
                "prev_hash, hash) VALUES (now(), 'x', 'account', '', 'view', '', '', 'allowed', 'original', "
                "'p', 'h') RETURNING id"
            )
            cursor.execute("SAVEPOINT guarded")
            yield cursor
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE compliance_accesslogentry SET reason = 'edited'",
        "DELETE FROM compliance_accesslogentry",
        "TRUNCATE compliance_accesslogentry",
    ],
    ids=["update", "delete", "truncate"],
)
def test_even_the_owner_cannot_update_delete_or_truncate_the_log(owner_cursor, statement):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
        owner_cursor.execute(statement)
    owner_cursor.execute("ROLLBACK TO SAVEPOINT guarded")
    owner_cursor.execute("SELECT count(*) FROM compliance_accesslogentry WHERE reason = 'original'")
    assert owner_cursor.fetchone()[0] == 1


# The chain. -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_appending_chains_each_entry_onto_the_one_before():
    access_log.write([_entry(reason="first"), _entry(reason="second", outcome="denied")], {})
    access_log.write([_entry(reason="third", user_id=None, username="", account_id=None)], {})
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [e.reason for e in entries[-3:]] == ["first", "second", "third"]
    assert entries[0].prev_hash == access_log.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    for entry in entries:
        expected = hashlib.sha256(access_log.canonical(entry, entry.prev_hash).encode()).hexdigest()
        assert entry.hash == expected, entry.pk
    report = access_log.verify_chain()
    assert report.ok, report.problem
    assert (report.count, report.last_id, report.last_hash) == (
        len(entries),
        entries[-1].pk,
        entries[-1].hash,
    )


@pytest.mark.django_db
def test_verify_chain_reads_in_batches():
    access_log.write([_entry(reason=f"n{n}") for n in range(7)], {})
    report = access_log.verify_chain(batch_size=2)
    assert report.ok
    assert report.count == AccessLogEntry.objects.count() >= 7


@pytest.mark.django_db
def test_the_entry_time_is_the_databases_and_hashes_to_the_microsecond():
    access_log.write([_entry()], {})
    entry = AccessLogEntry.objects.latest("id")
    assert abs(entry.at - timezone.now()) < datetime.timedelta(minutes=5)
    # A copy with a changed field no longer matches the stored hash: tampering shows.
    entry.reason = "member (edited)"
    assert hashlib.sha256(access_log.canonical(entry, entry.prev_hash).encode()).hexdigest() != entry.hash


@pytest.mark.django_db
def test_verify_chain_reports_the_first_broken_link(monkeypatch):
    access_log.write([_entry(reason="a"), _entry(reason="b"), _entry(reason="c")], {})
    second = AccessLogEntry.objects.order_by("id")[1]
    real = access_log.canonical

    def tampered(entry, prev_hash):  # as if someone had edited the second entry's reason
        if entry.pk == second.pk:
            entry.reason = "edited"
        return real(entry, prev_hash)

    monkeypatch.setattr(access_log, "canonical", tampered)
    report = access_log.verify_chain()
    assert not report.ok
    assert report.broken_id == second.pk
    assert report.count == 1


# Requests leave the log behind. --------------------------------------------------------------------


def test_bob_asking_for_alices_account_gets_404_and_a_denied_entry(client, personas):
    client.force_login(personas.bob)
    url = reverse("accounts:detail", args=[personas.alice_account.pk])
    response = client.get(url, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    entry = AccessLogEntry.objects.filter(user_id=personas.bob.pk, account_id=personas.alice_account.pk).get()
    assert entry.outcome == AccessLogEntry.Outcome.DENIED
    assert entry.username == "bob"
    assert entry.path == url
    assert entry.ip == "203.0.113.9"
    assert entry.reason == "not on the account team and no active wall crossing"
    assert not ReadHistory.objects.filter(user=personas.bob, account=personas.alice_account).exists()
    assert access_log.verify_chain().ok


def _without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content.decode())


def test_a_404_for_a_missing_account_looks_the_same_and_is_logged(client, personas):
    client.force_login(personas.bob)
    walled = client.get(reverse("accounts:detail", args=[personas.alice_account.pk]))
    missing = client.get(reverse("accounts:detail", args=[999_999]))
    assert walled.status_code == missing.status_code == 404
    assert _without_csrf(walled.content) == _without_csrf(missing.content)
    entry = AccessLogEntry.objects.filter(user_id=personas.bob.pk, account_id=999_999).get()
    assert (entry.outcome, entry.reason) == ("denied", "no such account")


def test_alices_read_leaves_an_allowed_entry_and_her_read_history(client, personas):
    client.force_login(personas.alice)
    url = reverse("accounts:detail", args=[personas.alice_account.pk])
    started = timezone.now()
    response = client.get(url)
    assert response.status_code == 200
    entry = AccessLogEntry.objects.filter(
        user_id=personas.alice.pk, account_id=personas.alice_account.pk, object_type="account", action="view"
    ).get()
    assert (entry.outcome, entry.path, entry.ip, entry.reason) == ("allowed", url, "127.0.0.1", "member")
    read = ReadHistory.objects.get(user=personas.alice, account=personas.alice_account)
    assert read.last_read_at >= started - datetime.timedelta(seconds=1)
    assert read.reads == 1
    client.get(url)
    read.refresh_from_db()
    assert read.reads == 2
    assert access_log.verify_chain().ok


def test_a_failing_request_is_rolled_back_and_leaves_an_error_entry(client, personas, monkeypatch):
    from relationships.account_pages import views

    def half_write_then_fail(account):
        business_force_create(account=account, kind="regulation", impact="threat", description="half-written")
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "account_detail", half_write_then_fail)
    client.raise_request_exception = False
    client.force_login(personas.alice)
    url = reverse("accounts:detail", args=[personas.alice_account.pk])
    response = client.get(url)
    assert response.status_code == 500
    assert not BusinessForce.objects.filter(description="half-written").exists()
    error = AccessLogEntry.objects.filter(user_id=personas.alice.pk, outcome="error").get()
    assert error.account_id == personas.alice_account.pk
    assert error.path == url
    assert "500" in error.reason and "rolled back" in error.reason
    assert access_log.verify_chain().ok
