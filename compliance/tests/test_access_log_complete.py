"""The access log is complete and honest (compliance/access_log.py, compliance/middleware.py).

- A page built from several accounts leaves one entry per account, so "who saw", the account
  filter and the many-accounts anomaly count it.
- Every CSV import is logged, refusals included (bob naming Northwind in a revenue file).
- The append function takes who acted from the transaction's principal: the web role cannot write
  an entry for another user.
- The client IP is X-Forwarded-For's only behind a configured trusted proxy.
- Alerts shown in the navigation are logged.
"""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from compliance import principal
from compliance.console.log.selectors import log_entries, many_accounts_in_a_day, who_saw
from compliance.models import AccessLogEntry
from relationships.models import ScoreAlert


@pytest.fixture
def alices_second_account(personas):
    return AccountFactory(name="Fabrikam Foods", segment=personas.segment, owner=personas.alice)


def _today() -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.now() - datetime.timedelta(hours=1)
    return start, start + datetime.timedelta(hours=2)


# One entry per account on multi-account pages. -------------------------------------------------------


def test_my_week_logs_one_entry_per_account_it_shows(client, personas, alices_second_account):
    client.force_login(personas.alice)
    assert client.get(reverse("relationships:my_week")).status_code == 200

    shown = {personas.alice_account.pk, alices_second_account.pk}
    entries = AccessLogEntry.objects.filter(user_id=personas.alice.pk, object_type="my_week")
    assert sorted(entries.values_list("account_id", flat=True)) == sorted(shown)
    assert not entries.filter(account_id__isnull=True).exists()


def test_who_saw_the_account_filter_and_the_anomaly_count_a_multi_account_page(
    client, personas, alices_second_account, settings
):
    settings.ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY = 1
    client.force_login(personas.alice)
    assert client.get(reverse("relationships:my_week")).status_code == 200
    start, end = _today()

    readers = who_saw(account=alices_second_account, start=start, end=end).readers
    assert [reader["username"] for reader in readers] == ["alice"]
    filtered = log_entries(account_ids=[alices_second_account.pk], start=start, end=end)
    assert filtered.filter(user_id=personas.alice.pk, object_type="my_week").exists()
    flagged = many_accounts_in_a_day(start=start, end=end)
    assert [(row["username"], row["accounts"]) for row in flagged] == [("alice", 2)]


# Imports. --------------------------------------------------------------------------------------------


def _upload(client, url: str, text: str):
    return client.post(url, {"file": SimpleUploadedFile("upload.csv", text.encode(), "text/csv")})


def test_bob_naming_northwind_in_a_revenue_file_is_logged_as_a_denial(client, personas):
    client.force_login(personas.bob)
    csv = (
        "account,month,revenue,margin\n"
        "Contoso Stores,2026-09,1200.50,300\n"
        "Northwind Retail,2026-09,999,100\n"
        "No Such Customer Ltd,2026-09,1,1\n"
    )
    assert _upload(client, reverse("relationships:revenue_import"), csv).status_code == 200

    entries = AccessLogEntry.objects.filter(user_id=personas.bob.pk, object_type="monthly_revenue")
    denied = entries.get(account_id=personas.alice_account.pk)
    assert denied.outcome == "denied" and denied.action == "import_check"
    unknown = entries.get(account_id__isnull=True)
    assert unknown.outcome == "denied" and "No Such Customer" not in unknown.reason
    checked = entries.get(account_id=personas.bob_account.pk)
    assert checked.outcome == "allowed"


def test_a_confirmed_revenue_import_is_logged_per_account(client, personas):
    client.force_login(personas.alice)
    url = reverse("relationships:revenue_import")
    csv = "account,month,revenue,margin\nNorthwind Retail,2026-09,10,1\n"
    html = _upload(client, url, csv).content
    confirmation = re.search(r'name="confirmation" value="([^"]+)"', html.decode()).group(1)
    # The confirmation sends the same file again, with the dry run's signed digest.
    client.post(
        url,
        {
            "file": SimpleUploadedFile("upload.csv", csv.encode(), "text/csv"),
            "confirm": "1",
            "confirmation": confirmation,
        },
    )

    entries = AccessLogEntry.objects.filter(
        user_id=personas.alice.pk, object_type="monthly_revenue", account_id=personas.alice_account.pk
    )
    assert sorted(entries.values_list("action", "outcome")) == [
        ("import", "allowed"),
        ("import_check", "allowed"),
    ]
    assert "1 row" in entries.get(action="import").reason


def test_an_interaction_import_is_logged(client, personas):
    client.force_login(personas.alice)
    url = reverse("relationships:interaction_import", args=[personas.alice_account.pk])
    _upload(client, url, "date,channel,category,summary\n2026-01-05,call,relationship,Hello\n")

    entry = AccessLogEntry.objects.get(
        user_id=personas.alice.pk, object_type="interaction_import", account_id=personas.alice_account.pk
    )
    assert entry.action == "import_check"


# Who acted comes from the principal. --------------------------------------------------------------


def _append(entry: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT compliance_access_log_append(%s::jsonb)", [json.dumps([entry])])


def test_the_web_role_cannot_append_an_entry_for_another_user(personas):
    forged = {
        "user_id": personas.alice.pk,
        "username": "alice",
        "account_id": personas.alice_account.pk,
        "object_type": "account",
        "object_id": "",
        "action": "view",
        "path": "/forged/",
        "ip": "10.9.9.9",
        "outcome": "allowed",
        "reason": "forged",
    }
    with principal.acting_as(principal.for_user(personas.bob)):
        _append(forged)
    with principal.acting_as(principal.NOBODY):
        _append({**forged, "path": "/forged-by-nobody/"})

    as_bob = AccessLogEntry.objects.get(path="/forged/")
    assert (as_bob.user_id, as_bob.username) == (personas.bob.pk, "bob")
    as_nobody = AccessLogEntry.objects.get(path="/forged-by-nobody/")
    assert (as_nobody.user_id, as_nobody.username) == (None, "")
    assert not AccessLogEntry.objects.filter(user_id=personas.alice.pk, reason="forged").exists()


# The client's address. -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "logged"),
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),  # through the trusted proxy
        ("10.0.0.5", "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # the proxy appends the client
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # a client naming its own address
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
    ],
    ids=["trusted", "spoofed-prefix", "untrusted", "garbage"],
)
def test_the_client_ip_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    client, personas, settings, remote, forwarded, logged
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client.force_login(personas.bob)
    client.get(
        reverse("accounts:detail", args=[personas.alice_account.pk]),
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    entry = AccessLogEntry.objects.get(user_id=personas.bob.pk, account_id=personas.alice_account.pk)
    assert entry.ip == logged


# Alerts in the navigation. ---------------------------------------------------------------------------


def test_alerts_shown_in_the_navigation_are_logged(client, personas):
    alert = ScoreAlert.objects.create(
        account=personas.alice_account,
        user=personas.alice,
        kind=ScoreAlert.Kind.values[0],
        episode_on=timezone.localdate(),
        message="Health dropped from green to red.",
    )
    client.force_login(personas.alice)
    html = client.get(reverse("accounts:list")).content.decode()
    assert "Health dropped from green to red." in html

    entry = AccessLogEntry.objects.get(user_id=personas.alice.pk, object_type="score_alert")
    assert (entry.account_id, entry.object_id) == (personas.alice_account.pk, str(alert.pk))
