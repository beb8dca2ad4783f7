"""One log line and the metrics of every Celery task, from Celery's signals (connected in kam/celery.py).

`task_prerun` starts the clock and makes the task's id the context's request id, so every record
the task logs carries it (kam/lib/logs.py); `task_failure` notes the exception's class (never its
message, which may quote a row); `task_postrun` logs the line (logger `kam.task`: task name, task
id, duration in milliseconds, outcome) and counts it (kam/lib/metrics.py). The arguments are not
logged: they are ids, but the line does not need them. Workers and beat log through settings.LOGGING
(`use_settings_logging`), not through handlers of Celery's own.
"""

import contextlib
import logging
import logging.config
import time

from celery.signals import setup_logging, task_failure, task_postrun, task_prerun
from django.conf import settings

from kam.lib import logs, metrics

logger = logging.getLogger("kam.task")

# Celery's states as outcomes; anything else (a custom state) is `other`.
OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry", "REJECTED": "rejected"}

_running: dict[str, tuple[float, object]] = {}
_failures: dict[str, str] = {}


def _task_name(task, sender=None) -> str:
    return getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"


def task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task_id is None:
        return
    _running[task_id] = (time.perf_counter(), logs.enter_context(task_id))


def task_failed(sender=None, task_id=None, exception=None, **kwargs) -> None:
    if task_id is not None and exception is not None:
        _failures[task_id] = exception.__class__.__name__


def task_finished(sender=None, task_id=None, task=None, state=None, **kwargs) -> None:
    started, token = _running.pop(task_id, (None, None))
    seconds = None if started is None else time.perf_counter() - started
    name = _task_name(task, sender)
    outcome = OUTCOMES.get(state or "", "other")
    metrics.task_observed(task=name, outcome=outcome, seconds=seconds)
    duration_ms = None if seconds is None else round(seconds * 1000, 1)
    extra = {"task": name, "task_id": task_id, "duration_ms": duration_ms, "outcome": outcome}
    error = _failures.pop(task_id, None)
    if error is not None:
        extra["error"] = error
    level = logging.ERROR if outcome == "failure" else logging.INFO
    logger.log(level, "task %s %s %sms", name, outcome, duration_ms, extra=extra)
    if token is not None:
        with contextlib.suppress(ValueError):  # a pool that ran the two signals in different contexts
            logs.leave_context(token)


def use_settings_logging(**kwargs) -> None:
    """Celery's `setup_logging`: workers and beat log as settings.LOGGING says, as the web app does.

    With a receiver connected Celery installs no handler of its own and leaves standard output and
    error alone (`--loglevel` is then ignored: LOG_LEVEL decides).
    """
    logging.config.dictConfig(settings.LOGGING)


def connect_signals() -> None:
    setup_logging.connect(use_settings_logging, dispatch_uid="kam.task_log.logging", weak=False)
    task_prerun.connect(task_started, dispatch_uid="kam.task_log.started", weak=False)
    task_failure.connect(task_failed, dispatch_uid="kam.task_log.failed", weak=False)
    task_postrun.connect(task_finished, dispatch_uid="kam.task_log.finished", weak=False)
