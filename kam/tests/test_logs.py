"""Structured logs: one JSON line a request and a task, under a request id, with ids and never names."""

import io
import json
import logging.config
import sys

import pytest
from celery.utils.log import LoggingProxy
from django.conf import settings
from django.urls import reverse
from prometheus_client import REGISTRY

from kam.celery import app as celery_app
from kam.lib import logs

task_logger = logging.getLogger("kam.tests.task")


@celery_app.task(name="kam.tests.add_ids")
def add_ids(first: int, second: int) -> int:
    task_logger.info("adding")
    return first + second


@celery_app.task(name="kam.tests.refuse")
def refuse(account_name: str) -> None:
    raise ValueError(f"no such account: {account_name}")


class JsonLog:
    """The process's logging as settings.LOGGING builds it with LOG_FORMAT=json, into a buffer."""

    def __init__(self):
        self.buffer = io.StringIO()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self, logger: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in self.text.splitlines() if line.strip()]
        return [line for line in parsed if logger is None or line["logger"] == logger]


@pytest.fixture
def json_log():
    log = JsonLog()
    config = logs.logging_config(log_format="json", level="INFO")
    config["handlers"]["console"]["stream"] = log.buffer
    logging.config.dictConfig(config)
    yield log
    logging.config.dictConfig(settings.LOGGING)


def test_a_request_logs_one_json_line_with_ids_and_no_names(client, personas, json_log):
    account = personas.alice_account
    client.force_login(personas.alice)

    response = client.get(reverse("accounts:detail", kwargs={"account_id": account.pk}) + "?q=Northwind")

    assert response.status_code == 200
    (line,) = json_log.lines("kam.request")
    assert line["method"] == "GET"
    assert line["path"] == f"/accounts/{account.pk}/"
    assert line["view"] == "accounts:detail"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == personas.alice.pk
    assert line["level"] == "INFO" and line["time"]
    assert line["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    names = (personas.alice.username, personas.alice.get_full_name(), personas.alice.email, account.name)
    for name in filter(None, (*names, "Northwind")):
        assert name not in json_log.text


def test_a_password_set_link_logs_its_route_not_its_token(client, db, json_log):
    response = client.get(reverse("password_set", kwargs={"uidb64": "MQ", "token": "a-secret-token"}))

    assert response.status_code == 200
    (line,) = json_log.lines("kam.request")
    assert line["path"] == "/password/set/<uidb64>/<token>/"
    assert "a-secret-token" not in json_log.text


def test_an_incoming_request_id_is_echoed_and_carried_by_what_the_request_logs(client, personas, json_log):
    client.force_login(personas.bob)
    alices = reverse("accounts:detail", kwargs={"account_id": personas.alice_account.pk})

    response = client.get(alices + "?q=Northwind", HTTP_X_REQUEST_ID="lb-7f3a-42")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a-42"
    # Django's own "Not Found" record, logged inside the request, carries the same id.
    (not_found,) = json_log.lines("django.request")
    assert not_found["request_id"] == "lb-7f3a-42"
    (line,) = json_log.lines("kam.request")
    assert (line["request_id"], line["status"], line["user_id"]) == ("lb-7f3a-42", 404, personas.bob.pk)
    assert "Northwind" not in json_log.text


@pytest.mark.parametrize("incoming", ["two words", "x" * 200, "<script>", "id\nforged line"])
def test_a_request_id_that_is_not_a_sane_token_is_replaced(client, db, json_log, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    (line,) = json_log.lines("kam.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert incoming not in json_log.text


def test_a_public_page_logs_no_user_it_did_not_look_up(client, personas, json_log):
    client.force_login(personas.alice)

    client.get("/healthz")

    (line,) = json_log.lines("kam.request")
    assert line["user_id"] is None
    assert line["view"] == "healthz"


def _task_count(task: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("kam_celery_tasks_total", {"task": task, "outcome": outcome}) or 0


def test_a_task_logs_its_name_id_duration_and_outcome(db, json_log):
    before = _task_count("kam.tests.add_ids", "success")

    result = add_ids.apply(args=(2, 3))

    assert result.get() == 5
    (line,) = json_log.lines("kam.task")
    assert line["task"] == "kam.tests.add_ids"
    assert line["task_id"] == result.id
    assert line["outcome"] == "success"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    # What the task itself logs carries its id.
    (inside,) = json_log.lines("kam.tests.task")
    assert inside["request_id"] == result.id
    assert _task_count("kam.tests.add_ids", "success") == before + 1


def test_a_failed_task_logs_the_class_of_its_error_not_its_message(db, json_log):
    before = _task_count("kam.tests.refuse", "failure")

    result = refuse.apply(args=("Northwind Retail",))

    assert result.failed()
    (line,) = json_log.lines("kam.task")
    assert (line["outcome"], line["level"], line["error"]) == ("failure", "ERROR", "ValueError")
    assert "Northwind" not in json.dumps(line)
    assert _task_count("kam.tests.refuse", "failure") == before + 1


def test_text_logs_carry_the_request_id(client, db):
    buffer = io.StringIO()
    config = logs.logging_config(log_format="text", level="INFO")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    try:
        response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-1")
    finally:
        logging.config.dictConfig(settings.LOGGING)

    assert response["X-Request-ID"] == "trace-1"
    assert "kam.request [trace-1] GET /healthz 200" in buffer.getvalue()


def test_celery_workers_log_as_the_settings_say_and_leave_standard_output_alone():
    log, saved = celery_app.log, (celery_app.log.already_setup, sys.stdout, sys.stderr)
    log.already_setup = False
    try:
        log.setup(loglevel="DEBUG", redirect_stdouts=True)

        assert not isinstance(sys.stdout, LoggingProxy) and not isinstance(sys.stderr, LoggingProxy)
        root = logging.getLogger()
        assert root.level == logging.getLevelName(settings.LOGGING["root"]["level"])
        assert any(isinstance(each, logs.RequestContextFilter) for h in root.handlers for each in h.filters)
    finally:
        log.already_setup, sys.stdout, sys.stderr = saved
        logging.config.dictConfig(settings.LOGGING)
