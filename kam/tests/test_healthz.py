"""/healthz: the status for anyone; the failing component and its error only for operators and localhost."""

import pytest
from django.db import OperationalError, connection

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
BROKER_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_down(settings):
    settings.REDIS_URL = BROKER_DOWN


def test_an_anonymous_caller_elsewhere_gets_the_status_only(client, db):
    response = client.get("/healthz", **ELSEWHERE)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_anonymous_caller_elsewhere_learns_nothing_of_what_failed(client, db, broker_down):
    response = client.get("/healthz", **ELSEWHERE)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_signed_in_user_who_is_not_staff_gets_the_status_only(client, personas, broker_down):
    client.force_login(personas.alice)

    response = client.get("/healthz", **ELSEWHERE)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.parametrize("persona", ["admin", "staff"])
def test_staff_and_administrators_get_each_component_and_its_error(
    client, personas, make_user, broker_down, persona
):
    user = personas.admin if persona == "admin" else make_user("operator", is_staff=True)
    client.force_login(user)

    response = client.get("/healthz", **ELSEWHERE)

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "down: ConnectionError",
    }


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_a_caller_on_this_machine_gets_the_details(client, db, broker_down, address):
    response = client.get("/healthz", REMOTE_ADDR=address)

    assert response.status_code == 503
    assert response.json()["broker"] == "down: ConnectionError"


@pytest.mark.parametrize(
    "header", [{"HTTP_X_FORWARDED_FOR": "198.51.100.9"}, {"HTTP_FORWARDED": "for=198.51.100.9"}]
)
def test_a_request_forwarded_by_a_proxy_on_this_machine_gets_the_status_only(client, db, broker_down, header):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", **header)

    assert response.json() == {"status": "unavailable"}


def test_with_the_database_down_a_signed_in_operator_gets_the_status_and_no_error_page(
    client, personas, monkeypatch
):
    client.force_login(personas.admin)

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # Its own context: the patch must be gone before the test transaction is rolled back.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz", **ELSEWHERE)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
