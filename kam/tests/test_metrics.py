"""/metrics: Prometheus' text for the configured networks and signed-in operators, a 404 to anyone else."""

import datetime
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.signin.sessions import SEEN_AT
from compliance import principal
from kam.lib import metrics
from relationships.models import ScoringRun

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    return _samples(response.content.decode())


def _requests(samples, view: str, status: str = "200") -> float:
    return samples.get(("kam_http_requests_total", (("status", status), ("view", view))), 0)


def test_the_request_counter_of_a_view_counts_its_requests(client, personas):
    client.force_login(personas.alice)
    client.get(reverse("accounts:list"))
    before = _scrape(client)

    assert client.get(reverse("accounts:list")).status_code == 200
    assert client.get(reverse("accounts:list")).status_code == 200
    after = _scrape(client)

    assert _requests(before, "accounts:list") >= 1
    assert _requests(after, "accounts:list") == _requests(before, "accounts:list") + 2
    latency = ("kam_http_request_duration_seconds_count", (("view", "accounts:list"),))
    assert after[latency] == before[latency] + 2


def test_the_metrics_name_views_never_accounts_or_people(client, personas):
    for user, account in ((personas.alice, personas.alice_account), (personas.bob, personas.alice_account)):
        client.force_login(user)
        client.get(reverse("accounts:detail", kwargs={"account_id": account.pk}) + "?q=Northwind")

    text = client.get("/metrics").content.decode()

    assert 'view="accounts:detail"' in text
    for name in (personas.alice_account.name, personas.bob_account.name, "Northwind", "alice", "bob"):
        assert name not in text
    assert f"/accounts/{personas.alice_account.pk}/" not in text


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_anyone_on_this_machine_gets_the_metrics(client, db, address):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "kam_http_requests_total" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_from_elsewhere_anonymous_callers_and_people_who_are_not_staff_get_a_404(client, personas):
    assert client.get("/metrics", **ELSEWHERE).status_code == 404
    for persona in (personas.alice, personas.carol, personas.dave):
        client.force_login(persona)
        response = client.get("/metrics", **ELSEWHERE)
        assert response.status_code == 404, persona.username
        assert b"kam_http" not in response.content


@pytest.mark.parametrize("persona", ["admin", "staff", "superuser"])
def test_from_elsewhere_signed_in_operators_get_the_metrics(client, personas, make_user, persona):
    users = {
        "admin": lambda: personas.admin,
        "staff": lambda: make_user("operator", is_staff=True),
        "superuser": lambda: make_user("root", is_superuser=True),
    }
    client.force_login(users[persona]())

    response = client.get("/metrics", **ELSEWHERE)

    assert response.status_code == 200
    assert "kam_http_requests_total" in response.content.decode()


def test_an_operator_who_has_not_passed_the_second_factor_gets_a_404(password_only_client, personas):
    password_only_client.force_login(personas.admin)

    assert password_only_client.get("/metrics", **ELSEWHERE).status_code == 404


def test_an_operator_whose_session_lapsed_gets_a_404(client, personas, settings):
    client.force_login(personas.admin)
    session = client.session
    session[SEEN_AT] = time.time() - settings.SESSION_IDLE_MINUTES * 60 - 60
    session.save()

    assert client.get("/metrics", **ELSEWHERE).status_code == 404


def test_no_one_may_post_to_the_metrics(client, db):
    assert client.post("/metrics").status_code == 404


@pytest.mark.parametrize(
    "header", [{"HTTP_X_FORWARDED_FOR": "198.51.100.9"}, {"HTTP_FORWARDED": "for=198.51.100.9"}]
)
def test_a_request_forwarded_by_an_untrusted_proxy_on_this_machine_gets_a_404(client, db, header):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **header).status_code == 404


def test_behind_a_trusted_proxy_the_forwarded_client_address_decides(client, db, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    proxy = {"REMOTE_ADDR": "10.0.0.5"}

    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3", **proxy).status_code == 200
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 404
    # The proxy itself, having written no X-Forwarded-For, is not in the allowed networks.
    assert client.get("/metrics", **proxy).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_scoring_gauges_give_the_last_nightly_duration_and_the_age_of_the_last_success(client, db):
    now = timezone.now()
    ScoringRun.objects.create(
        scored_on=now.date(), trigger="nightly", status=ScoringRun.Status.SUCCEEDED, seconds=42.5
    )
    ScoringRun.objects.filter(trigger="nightly").update(
        started_at=now - datetime.timedelta(hours=2, seconds=42.5),
        finished_at=now - datetime.timedelta(hours=2),
    )

    # As production scrapes: on the web role, as no one (no transaction of the wall, no user).
    with principal.acting_as(principal.for_user(None)):
        samples = _scrape(client)

    assert samples[("kam_scoring_nightly_last_duration_seconds", ())] == 42.5
    assert 7200 <= samples[("kam_scoring_last_success_age_seconds", ())] < 7300


def test_with_the_database_down_the_metrics_are_served_without_the_database_gauges(client, db, monkeypatch):
    now = timezone.now()
    ScoringRun.objects.create(
        scored_on=now.date(),
        trigger="nightly",
        status=ScoringRun.Status.SUCCEEDED,
        seconds=1.0,
        finished_at=now,
    )

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # A context of its own: the patch must be gone before the test transaction is rolled back.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert "kam_http_requests_total" in text
    assert "kam_scoring" not in text
    assert "kam_scoring_last_success_age_seconds" in client.get("/metrics").content.decode()


def _count_in_a_process_of_its_own(directory) -> None:
    code = (
        "from kam.lib import metrics as m; m.request_observed(view='accounts:list', status=200, seconds=0.2)"
    )
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        check=True,
    )


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(db, tmp_path):
    _count_in_a_process_of_its_own(tmp_path)
    _count_in_a_process_of_its_own(tmp_path)

    body, _ = metrics.exposition(path=str(tmp_path))

    samples = _samples(body.decode())
    assert _requests(samples, "accounts:list") == 2
    assert samples[("kam_http_request_duration_seconds_count", (("view", "accounts:list"),))] == 2


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PROMETHEUS_MULTIPROC_DIR", "{tmp}/missing", "PROMETHEUS_MULTIPROC_DIR must be a directory"),
        ("PROMETHEUS_MULTIPROC_DIR", "", "PROMETHEUS_MULTIPROC_DIR must be a directory"),
        ("METRICS_ALLOWED_NETWORKS", "127.0.0.1,not-a-network", "METRICS_ALLOWED_NETWORKS:"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of: text, json"),
    ],
)
def test_settings_refuse_to_start_with_a_bad_value(tmp_path, name, value, message):
    result = subprocess.run(
        [sys.executable, "-c", "import kam.settings"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, name: value.format(tmp=tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert message in result.stderr
