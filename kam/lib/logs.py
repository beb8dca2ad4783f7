"""Log records that say which request (or task) they belong to, as text or as one JSON object a line.

`settings.LOGGING` comes from `logging_config`: LOG_FORMAT `text` (the default, for a terminal) or
`json` (for a log collector; docs/operations.md). Every record passing the handler gets
`request_id`: the id of the web request (kam/lib/request_log.py) or Celery task
(kam/lib/task_log.py) the current context runs, "-" outside both. The id lives in a context
variable, so threads and tasks never see one another's.

Log lines carry ids, never names: no username, no account name, no query string (the Chinese wall
holds in the logs too, docs/operations.md).
"""

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS

NO_REQUEST = "-"
# An incoming X-Request-ID is kept only when it looks like an id (a UUID, a proxy's hex or base64url
# token); anything else is replaced, so a client cannot write arbitrary text into the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
FORMATS = ("text", "json")

_request_id: ContextVar[str] = ContextVar("kam_request_id", default=NO_REQUEST)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(incoming: str | None) -> str:
    """The client's or proxy's X-Request-ID when it is a sane token, else a new id."""
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str:
    return _request_id.get()


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[str]:
    """Records emitted inside the block carry `request_id`."""
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


def enter_context(request_id: str):
    """Like `request_context`, for code that starts and ends in two callbacks (Celery signals)."""
    return _request_id.set(request_id)


def leave_context(token) -> None:
    _request_id.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` to every record (a handler's filter: records of every logger pass it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Each JSON line: time (ISO 8601, UTC), level, logger, message, request_id and the record's extra
# fields (a request's method, path, status...).
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
# Django attaches the request itself to its records ("Not Found: /path"): its repr holds the query
# string, which never reaches a log line.
JSON_SKIPPED = [*RESERVED_ATTRS, "request"]


def logging_config(*, log_format: str, level: str) -> dict:
    """`settings.LOGGING`: one handler on standard error, text or JSON, with the request id."""
    if log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            "reserved_attrs": JSON_SKIPPED,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "kam.lib.logs.RequestContextFilter"}},
        "formatters": {"kam": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "kam",
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
