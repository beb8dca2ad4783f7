"""`manage.py verify_access_log`: the chain verified, tampering found, signed heads exported and checked."""

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
