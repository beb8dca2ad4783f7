"""`manage.py verify_access_log`: the chain verified, tampering found, signed heads exported and checked."""

import datetime
import hashlib
import io
import json

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from compliance import access_log
from compliance.models import AccessLogEntry

TABLE = "compliance_accesslogentry"


def _entries(n: int, marker: str) -> list[dict]:
    return [
        {
            "user_id": None,
            "username": "verifier-test",
            "account_id": 40 + i,
            "object_type": "account",
            "object_id": str(40 + i),
            "action": "view",
            "path": f"/accounts/{40 + i}/",
            "ip": "10.0.0.9",
            "outcome": "allowed",
            "reason": f"{marker} {i}",
        }
        for i in range(n)
    ]


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_intact_chain_is_reported_with_its_head():
    access_log.write(_entries(5, "intact"), {})
    last = AccessLogEntry.objects.order_by("-id").first()

    output = verify()

    count = AccessLogEntry.objects.count()
    assert f"access log: {count} entries, chain intact, head {last.hash}" in output


@pytest.mark.django_db
def test_an_exported_head_still_in_the_chain_passes_and_an_edited_one_fails(tmp_path):
    access_log.write(_entries(3, "head"), {})
    head_file = tmp_path / "head.json"

    verify("--export-head", str(head_file))
    head = json.loads(head_file.read_text())
    last = AccessLogEntry.objects.order_by("-id").first()
    assert head["last_id"] == last.pk and head["last_hash"] == last.hash
    assert head["count"] == AccessLogEntry.objects.count() and head["signature"]

    access_log.write(_entries(2, "later"), {})  # the chain grows; the old head is still in it
    assert "authentic and still in the chain" in verify("--check-head", str(head_file))

    head["count"] += 1
    head_file.write_text(json.dumps(head))
    with pytest.raises(CommandError, match="signature does not match"):
        verify("--check-head", str(head_file))


@pytest.mark.django_db
def test_a_head_file_that_is_not_a_head_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(CommandError, match="not JSON"):
        verify("--check-head", str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        verify("--check-head", str(tmp_path / "missing.json"))


def _owner_connection():
    owner = connections["owner"].settings_dict
    return psycopg2.connect(
        dbname=connections["default"].settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
    )


def _set_reason(entry_id: int, reason: str) -> None:
    """What an attacker holding the owner role could do: switch the guard off, edit, switch it on."""
    conn = _owner_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", [reason, entry_id])  # noqa: S608
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_tampering_is_found_at_the_first_broken_link(tmp_path):
    access_log.write(_entries(4, "tamper"), {})  # committed: the owner's connection sees them
    ids = list(
        AccessLogEntry.objects.filter(reason__startswith="tamper ")
        .order_by("id")
        .values_list("id", flat=True)
    )
    target = ids[1]
    head_file = tmp_path / "head.json"
    verify("--export-head", str(head_file))

    _set_reason(target, "nothing to see here")
    try:
        with pytest.raises(
            CommandError, match=rf"chain broken at entry {target}: its contents do not match its hash"
        ):
            verify()
        with pytest.raises(CommandError, match=rf"entry {target}"):
            verify("--check-head", str(head_file))
    finally:
        _set_reason(target, "tamper 1")  # later tests in this session share the committed log

    assert "chain intact" in verify("--check-head", str(head_file))


# What the hash covers: an independent spec, and every field tampered with. ---------------------------

# The hashed text of an entry, written out here apart from compliance/access_log.py and the SQL
# function (compliance/migrations), so leaving a field out of both still fails this test.
HASHED = (
    "prev_hash",
    "id",
    "at",
    "user_id",
    "username",
    "account_id",
    "object_type",
    "object_id",
    "action",
    "path",
    "ip",
    "outcome",
    "reason",
)


def _spec_hash(row: dict) -> str:
    def text(name):
        value = row[name]
        if name == "at":
            return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return "" if value is None else str(value)

    return hashlib.sha256("\x1f".join(text(name) for name in HASHED).encode()).hexdigest()


@pytest.mark.django_db
def test_the_stored_hash_covers_every_field_of_the_entry():
    access_log.write(
        [
            {
                "user_id": 31,
                "username": "golden-user",
                "account_id": 77,
                "object_type": "golden_type",
                "object_id": "9001",
                "action": "golden-action",
                "path": "/golden/path/",
                "ip": "192.0.2.44",
                "outcome": "denied",
                "reason": "golden reason",
            }
        ],
        {},
    )
    row = AccessLogEntry.objects.filter(reason="golden reason").values().get()
    assert (row["user_id"], row["outcome"], row["username"]) == (31, "denied", "golden-user")
    assert row["hash"] == _spec_hash(row)
    for name in HASHED[3:]:  # each field changes the hash: none is left out
        changed = {**row, name: "denied-no-allowed" if name == "outcome" else f"{row[name]}x"}
        assert _spec_hash(changed) != row["hash"]


# New values that keep each column's type (and the outcome's CHECK constraint).
TAMPERED = {
    "at": "at + interval '1 microsecond'",
    "user_id": "coalesce(user_id, 0) + 1",
    "username": "username || 'x'",
    "account_id": "coalesce(account_id, 0) + 1",
    "object_type": "object_type || 'x'",
    "object_id": "object_id || 'x'",
    "action": "action || 'x'",
    "path": "path || 'x'",
    "ip": "ip || 'x'",
    "outcome": "CASE outcome WHEN 'allowed' THEN 'denied' ELSE 'allowed' END",
    "reason": "reason || 'x'",
    "prev_hash": "md5(prev_hash) || md5(prev_hash)",
    "hash": "md5(hash) || md5(hash)",
}


def _owner_sql(sql: str, params) -> None:
    conn = _owner_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_changing_any_single_field_of_a_stored_entry_breaks_verification():
    access_log.write(_entries(3, "every-field"), {})
    target = AccessLogEntry.objects.filter(reason="every-field 1").get()
    original = AccessLogEntry.objects.filter(pk=target.pk).values(*TAMPERED).get()
    assert "chain intact" in verify()
    missed = []
    for column, change in TAMPERED.items():
        _owner_sql(f"UPDATE {TABLE} SET {column} = {change} WHERE id = %s", [target.pk])  # noqa: S608
        try:
            verify()
            missed.append(column)
        except CommandError as error:
            if f"chain broken at entry {target.pk}:" not in str(error):
                missed.append(f"{column} ({error})")
        finally:
            _owner_sql(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [original[column], target.pk])  # noqa: S608
    assert not missed, f"verify_access_log did not notice a change of: {', '.join(missed)}"
    assert "chain intact" in verify()
