"""Sign-in lockout through the real login form: 5 failures lock a username from anywhere, 20 from one
address lock the address, the message never tells whether a username exists, the lockout ends after
the cool-off, a success clears its username's failures, and the access log keeps every failure and
lockout."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from compliance.models import AccessLogEntry

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-ins"
WRONG = "wrong-password-123"


def sign_in(client, username, password=WRONG, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and "/login/" not in response.url


def test_five_failures_lock_the_username_even_from_another_address(client, personas):
    for attempt in range(4):
        response = sign_in(client, "carol", address=f"10.0.1.{attempt}")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    fifth = sign_in(client, "carol", address="10.0.1.4")
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()

    refused = sign_in(client, "carol", PASSWORD, address="10.0.9.9")

    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same addresses is not affected.
    assert signed_in(sign_in(client, "alice", PASSWORD, address="10.0.1.4"))


def test_twenty_failures_from_one_address_lock_the_address(client, personas):
    for attempt in range(20):
        response = sign_in(client, f"guess{attempt}", address="10.0.2.1")
    assert response.status_code == 429

    refused = sign_in(client, "alice", PASSWORD, address="10.0.2.1")

    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert signed_in(sign_in(client, "alice", PASSWORD, address="10.0.2.2"))


def test_nineteen_failures_from_one_address_do_not_lock_it(client, personas):
    for attempt in range(19):
        sign_in(client, f"guess{attempt}", address="10.0.2.1")

    assert signed_in(sign_in(client, "alice", PASSWORD, address="10.0.2.1"))


def _message(response) -> str:
    text = response.content.decode()
    start = text.index('data-testid="lockout"')
    return text[start : text.index("</div>", start)]


def test_an_unknown_username_gets_the_same_answer_as_a_real_one(client, personas):
    answers = {}
    for username in ("carol", "nobody-here"):
        for attempt in range(5):
            sign_in(client, username, address=f"10.0.3.{attempt}")
        answers[username] = sign_in(client, username, address="10.0.3.99")

    real, unknown = answers["carol"], answers["nobody-here"]
    assert real.status_code == unknown.status_code == 429
    assert _message(real) == _message(unknown)
    assert "carol" not in _message(real)


def _age_failures(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes))


def test_the_lockout_ends_after_the_cool_off(client, personas, settings):
    assert settings.LOGIN_LOCKOUT_MINUTES == 15
    for attempt in range(5):
        sign_in(client, "carol", address=f"10.0.4.{attempt}")

    _age_failures(14)
    assert sign_in(client, "carol", PASSWORD).status_code == 429
    _age_failures(2)
    assert signed_in(sign_in(client, "carol", PASSWORD))


def test_a_success_clears_the_usernames_failures(client, personas):
    for _ in range(4):
        sign_in(client, "carol", address="10.0.5.1")
    assert signed_in(sign_in(client, "carol", PASSWORD, address="10.0.5.1"))
    client.logout()
    for _ in range(4):
        sign_in(client, "carol", address="10.0.5.1")

    assert signed_in(sign_in(client, "carol", PASSWORD, address="10.0.5.1"))


def test_signing_in_to_ones_own_account_does_not_clear_the_addresses_failures(client, personas):
    for attempt in range(16):
        sign_in(client, f"guess{attempt}", address="10.0.5.2")
    assert signed_in(sign_in(client, "alice", PASSWORD, address="10.0.5.2"))
    client.logout()
    for attempt in range(4):
        sign_in(client, f"other{attempt}", address="10.0.5.2")

    assert sign_in(client, "alice", PASSWORD, address="10.0.5.2").status_code == 429


def test_failures_and_lockouts_are_in_the_access_log(client, personas):
    for attempt in range(5):
        sign_in(client, "carol", address=f"10.0.6.{attempt}")
    sign_in(client, "carol", PASSWORD, address="10.0.6.9")

    entries = AccessLogEntry.objects.filter(object_type="signin").order_by("id")
    failed = [entry for entry in entries if entry.action == "failed"]
    locked = [entry for entry in entries if entry.action == "locked_out"]
    assert [entry.ip for entry in failed] == [f"10.0.6.{n}" for n in range(5)]
    assert all("'carol'" in entry.reason and entry.object_id == "carol" for entry in entries)
    assert all(entry.user_id is None and entry.outcome == "denied" for entry in entries)
    # Locked by the fifth failure, and the refused sixth attempt (right password) is a lockout too.
    assert [entry.ip for entry in locked] == ["10.0.6.4", "10.0.6.9"]
    assert "refused" in locked[1].reason
    assert "password" not in {entry.object_id for entry in entries}
    assert PASSWORD not in "".join(entry.reason for entry in entries)


def test_the_address_comes_from_a_trusted_proxy_only(client, personas, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.1"]
    for attempt in range(20):
        client.post(
            reverse("login"),
            {"username": f"guess{attempt}", "password": "x"},
            REMOTE_ADDR="10.9.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    # 20 clients behind the proxy, not one address: nobody is locked out.
    assert signed_in(sign_in(client, "alice", PASSWORD, address="10.9.0.1"))
    entry = AccessLogEntry.objects.filter(object_type="signin").order_by("id").first()
    assert entry.ip == "198.51.100.0"


def test_a_request_without_an_address_is_still_counted_by_username(client, personas):
    for _ in range(5):
        response = sign_in(client, "carol", address="")
        assert response.status_code in (200, 429)

    assert sign_in(client, "carol", PASSWORD, address="").status_code == 429
